"""models.campaign_report: the six sections from plain dataclasses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from models.campaign_report import CampaignInfo, CampaignReportInput, DailyMentions, ReportNote, build_report
from models.kpi import KPIInput

CAMPAIGN = CampaignInfo(
    id=1, name="Spring", brand="Glow", start_date=date(2026, 3, 1), end_date=date(2026, 3, 31), currency="CNY"
)


def note(note_id: str, kol: str, *, impressions: int | None, views: int | None, saves: int, likes: int,
         followers: int, pos: int = 0, neg: int = 0, buy: int = 0, revenue: str | None = "1000",
         category: str = "beauty") -> ReportNote:  # fmt: skip
    return ReportNote(
        note_id=note_id,
        title=f"note {note_id}",
        kol_id=kol,
        kol_name=f"KOL {kol}",
        published_at=datetime(2026, 3, 2, tzinfo=UTC),
        metrics=KPIInput(
            followers=followers,
            impressions=impressions,
            reach=None if impressions is None else impressions // 2,
            views=views,
            likes=likes,
            saves=saves,
            comments=10,
            shares=5,
            clicks=None if impressions is None else impressions // 100,
            add_to_carts=None if impressions is None else impressions // 500,
            orders=None if impressions is None else impressions // 2000,
            fee=Decimal("500"),
            revenue=None if revenue is None else Decimal(revenue),
            category=category,
        ),
        sentiment_counts={"positive": pos, "neutral": 0, "negative": neg},
        intent_counts={"purchase_intent": buy},
        comments_analyzed=pos + neg,
    )


# One note a row: the figures the tests below recompute by hand.
NOTES = [
    note("a1", "A", impressions=100_000, views=10_000, saves=1_000, likes=2_000, followers=50_000, pos=8, neg=2, buy=3),
    note("a2", "A", impressions=10_000, views=1_000, saves=50, likes=100, followers=50_000, pos=1, neg=1),
    note("b1", "B", impressions=40_000, views=4_000, saves=600, likes=900, followers=300_000, pos=5, neg=0,
         revenue="4000", category="skincare"),
]  # fmt: skip


def report(notes: list[ReportNote] = NOTES, top_n: int = 5) -> dict[str, Any]:
    daily = [DailyMentions(date(2026, 3, 2), 6, 2, 1), DailyMentions(date(2026, 3, 3), 2, 0, 3)]
    return build_report(CampaignReportInput(CAMPAIGN, notes, daily=daily), top_n=top_n)


def test_campaign_report_overview_recomputes_rates_from_sums() -> None:
    overview = report()["overview"]
    assert overview["notes"] == 3 and overview["kols"] == 2
    engagements = (
        (2_000 + 10 + 1_000 + 5) + (100 + 10 + 50 + 5) + (900 + 10 + 600 + 5)
    )  # likes+comments+saves+shares
    assert overview["metrics"]["engagements"]["value"] == engagements
    rate = overview["metrics"]["engagement_rate_by_impressions"]["value"]
    assert rate == pytest.approx(engagements / 150_000)
    assert overview["metrics"]["revenue"]["value"] == "6000.00"
    assert overview["metrics"]["roas"]["value"] == pytest.approx(6000 / 1500)


def test_campaign_report_funnel_has_drop_off_per_step() -> None:
    steps = report()["funnel"]["steps"]
    first = steps[0]
    assert (first["from_count"], first["to_count"]) == (150_000, 1_500)
    assert first["drop_off"] == pytest.approx(0.99)
    assert steps[-1]["from"] == "impressions" and steps[-1]["to"] == "orders"


def test_campaign_report_funnel_is_undefined_with_a_reason_when_counts_are_missing() -> None:
    partial = [*NOTES, note("c1", "C", impressions=None, views=None, saves=1, likes=1, followers=1_000)]
    first = report(partial)["funnel"]["steps"][0]
    assert first["rate"]["value"] is None and first["drop_off"] is None
    assert "missing for 1 of 4 notes: c1" in first["rate"]["reason"]


def test_campaign_report_content_ranked_by_save_rate_then_sentiment() -> None:
    tied = [
        note("x", "A", impressions=1_000, views=100, saves=10, likes=1, followers=1_000, pos=1, neg=3),
        note("y", "A", impressions=1_000, views=100, saves=10, likes=1, followers=1_000, pos=3, neg=1),
        note("z", "A", impressions=1_000, views=100, saves=30, likes=1, followers=1_000),
        note("w", "A", impressions=None, views=None, saves=5, likes=1, followers=1_000),
    ]
    content = report(tied, top_n=1)["content_performance"]
    assert [r["note_id"] for r in content["ranking"]] == ["z", "y", "x", "w"]
    assert [r["note_id"] for r in content["top"]] == ["z"]
    assert [r["note_id"] for r in content["bottom"]] == ["x"]
    assert [r["note_id"] for r in content["unrated"]] == ["w"]


def test_campaign_report_kol_rows_and_brand_health() -> None:
    data = report()
    rows = data["kol_breakdown"]
    assert [r["kol_id"] for r in rows] == ["A", "B"]  # by engagements
    a = rows[0]
    assert a["notes"] == 2
    assert a["brand_health"]["net_sentiment"] == pytest.approx((9 - 3) / 12, abs=1e-4)
    assert a["brand_health"]["purchase_intent_share"] == pytest.approx(3 / 12, abs=1e-4)
    assert a["metrics"]["engagement_rate_by_followers"]["benchmarks"], "micro tier has a range"
    daily = data["brand_health"]["daily"]
    assert [d["net_sentiment"] for d in daily] == [pytest.approx(5 / 7, abs=1e-4), pytest.approx(-1 / 5)]
    assert data["brand_health"]["totals"] == {"positive": 8, "neutral": 2, "negative": 4}


def test_campaign_report_competitive_context_by_tier_and_category() -> None:
    groups = {(g["dimension"], g["group"]): g for g in report()["competitive_context"]["groups"]}
    assert set(groups) == {
        ("tier", "micro"),
        ("tier", "mid"),
        ("category", "beauty"),
        ("category", "skincare"),
    }
    beauty_saves = groups[("category", "beauty")]["metrics"]["save_rate_by_views"]
    assert beauty_saves["value"] == pytest.approx(1_050 / 11_000)
    assert beauty_saves["benchmarks"][0]["verdict"] == "within"


def test_campaign_report_without_notes_warns_and_still_builds() -> None:
    empty = report([])
    assert empty["kol_breakdown"] == [] and empty["content_performance"]["ranking"] == []
    assert any("no notes" in w for w in empty["warnings"])
    with pytest.raises(ValueError, match="top_n"):
        report(top_n=0)
