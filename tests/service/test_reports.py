"""service.reports: CSV neutralisation and HTML escaping of user content, charts without resources."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from models.campaign_report import CampaignInfo, CampaignReportInput, DailyMentions, ReportNote, build_report
from models.kpi import KPIInput
from models.themes import Theme, ThemeSummary
from service.reports import RenderOptions, render
from service.reports.charts import daily_sentiment_chart, hbar_chart

HOSTILE = '<script>alert("x")</script>'


def _report() -> dict[str, Any]:
    note = ReportNote(
        note_id="n1",
        title=f'=HYPERLINK("http://x") {HOSTILE}',
        kol_id="k1",
        kol_name=f"@kol {HOSTILE}",
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
        metrics=KPIInput(
            followers=20_000,
            impressions=50_000,
            views=5_000,
            likes=900,
            saves=300,
            comments=40,
            shares=10,
            fee=Decimal("3000"),
        ),
        sentiment_counts={"positive": 3, "neutral": 1, "negative": 1},
        comments_analyzed=5,
    )
    themes = ThemeSummary(
        n_comments=5,
        themes=[
            Theme(
                label=f"theme {HOSTILE}",
                keywords=["-1+1", "色号"],
                n_comments=5,
                share=1.0,
                sentiment_mix={"positive": 0.6, "neutral": 0.2, "negative": 0.2},
                intent_mix={},
                representatives=[{"text": f"+cmd {HOSTILE}", "id": "c1"}],
            )
        ],
    )
    data = CampaignReportInput(
        CampaignInfo(1, f"Camp {HOSTILE}", None, date(2026, 3, 1), None, "CNY"),
        [note],
        daily=[DailyMentions(date(2026, 3, 1), 3, 1, 1)],
        themes=themes,
    )
    return build_report(data)


def _with_theme_comparison(report: dict[str, Any]) -> dict[str, Any]:
    side = {"n_comments": 5, "share": 0.4, "sentiment_mix": {}, "net_sentiment": 0.5}
    rows = [
        {"aspect": "price", "name": {"zh": "价格", "en": "Price"}, "line": {"zh": "+cmd 价格", "en": "Price"}}
    ]
    by_kol = {"sides": {"+kol": {"n_comments": 5}}, "rows": [{**rows[0], "groups": {"+kol": side}}]}
    before_after = {"rows": [{**rows[0], "before": side, "after": side, "change_pts": 0.0}]}
    return {**report, "theme_comparison": {"by_kol": by_kol, "before_after": before_after}}


def test_csv_report_neutralises_every_formula_cell() -> None:
    report = _with_theme_comparison(_report())
    bodies = []
    for by in ("kol", "note", "theme"):
        body, media_type = render(report, "csv", RenderOptions(by=by))
        assert media_type.startswith("text/csv")
        bodies.append(str(body))
    body = "\n".join(bodies)
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    assert "'=HYPERLINK" in body and "'+cmd" in body and "'@kol" in body


def test_html_report_escapes_user_content() -> None:
    body, media_type = render(_report(), "html")
    assert media_type.startswith("text/html")
    assert HOSTILE not in body
    assert "&lt;script&gt;" in body
    assert "<script" not in body


def test_charts_escape_labels_and_load_nothing() -> None:
    svg = hbar_chart([(HOSTILE, 3.0), ("b", None)], title=HOSTILE)
    assert HOSTILE not in svg and "n/a" in svg
    daily = daily_sentiment_chart(
        [
            {
                "date": "2026-03-01",
                "positive": 1,
                "neutral": 0,
                "negative": 2,
                "mentions": 3,
                "net_sentiment": -0.33,
            }
        ]
    )
    for chart in (svg, daily):
        assert "href" not in chart and "<image" not in chart and "<script" not in chart


def test_charts_have_axis_titles_legends_dates_along_the_way_and_unique_labels() -> None:
    from service.reports.charts import unique_labels
    from service.web.views import note_label

    days = [
        {
            "date": f"2026-03-{d:02d}",
            "positive": 2,
            "neutral": 1,
            "negative": 1,
            "mentions": 4,
            "net_sentiment": 0.25,
        }
        for d in range(1, 21)
    ]
    daily = daily_sentiment_chart(days)
    assert "comments per day" in daily and "net sentiment" in daily and 'class="legend"' in daily
    ticks = re.findall(r'class="date-tick"[^>]*>([0-9-]+)<', daily)
    assert len(ticks) == 6 and ticks[0] == "2026-03-01" and ticks[-1] == "2026-03-20"
    notes = [{"title": "秋冬口红试色合集", "published_at": f"2026-03-0{d}"} for d in (1, 2)]
    labels = [note_label(n) for n in notes]
    assert labels[0] != labels[1] and labels[0].endswith("2026-03-01")
    bars = hbar_chart(
        [(label, 0.1) for label in ["note 7", "note 7", "x"]], title="save rate", axis="save rate (%)"
    )
    assert "note 7 (2)" in bars and "save rate (%)" in bars and 'class="legend"' in bars
    assert unique_labels(["a", "a", "a"]) == ["a", "a (2)", "a (3)"]


def test_csv_report_has_the_audience_fit_of_each_kol_or_why_not() -> None:
    report = _report()
    reason = "no audience data for the target's dimensions (gender): import the KOL's fan portrait"
    fit = {"score": None, "driver": None, "reason": reason, "coverage": None}
    report["audience_fit"] = {"kols": [{"kol_id": "k1", **fit}]}
    row = next(csv.DictReader(io.StringIO(str(render(report, "csv", RenderOptions(by="kol"))[0]))))
    assert (row["audience_fit"], row["audience_fit_driver"], row["audience_fit_reason"]) == ("", "", reason)
    report["audience_fit"]["kols"][0] |= {"score": 71.4, "driver": "age", "reason": None, "coverage": 0.5}
    row = next(csv.DictReader(io.StringIO(str(render(report, "csv", RenderOptions(by="kol"))[0]))))
    assert [row[c] for c in ("audience_fit", "audience_fit_driver", "audience_fit_reason")] == [
        "71.4",
        "age",
        "",
    ]
    assert row["commenter_location_coverage"] == "0.5"
