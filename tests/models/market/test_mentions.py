"""Weekly aggregation, share of voice, UGC re-creation and search lift over plain mentions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.market.mentions import Mention, SearchPoint, brand_weeks, search_lift, ugc_recreation, week_of


def _note(brand: str, day: date, creator: str, hour: int = 12) -> Mention:
    at = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return Mention(brand, "note", f"{brand}-{day}-{creator}", at, f"{brand}-{day}-{creator}", creator=creator)


def _comment(
    brand: str, day: date, sentiment: str | None, *, real: bool = True, buy: bool = False
) -> Mention:
    at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    return Mention(
        brand, "comment", f"c-{brand}-{day}-{sentiment}-{real}", at, "n", sentiment=sentiment,
        intents={"purchase_intent": buy}, real=real,
    )  # fmt: skip


def test_week_of_uses_china_time_and_monday() -> None:
    # Sunday 2026-03-08 17:00 UTC is Monday 01:00 in China: the next ISO week
    assert week_of(datetime(2026, 3, 8, 17, tzinfo=UTC)) == date(2026, 3, 9)
    assert week_of(datetime(2026, 3, 8, 15, tzinfo=UTC)) == date(2026, 3, 2)


def test_brand_weeks_counts_sov_and_real_commenters_only() -> None:
    mentions = [
        _note("A", date(2026, 3, 2), "u1"),
        _comment("A", date(2026, 3, 3), "positive", buy=True),
        _comment("A", date(2026, 3, 3), "negative", real=False),  # a bot: counted as a mention only
        _note("B", date(2026, 3, 4), "u2"),
        _note("B", date(2026, 3, 10), "u2"),
    ]
    out = brand_weeks(["A", "B"], mentions)
    a, b = out["brands"]
    assert out["weeks"] == ["2026-03-02", "2026-03-09"]
    assert a["totals"]["mentions"] == 3 and a["totals"]["comments_left_out"] == 1
    assert a["totals"]["sentiment"] == {"positive": 1, "neutral": 0, "negative": 0}
    assert a["totals"]["intent_shares"]["purchase_intent"] == 1.0
    assert a["totals"]["share_of_voice"]["value"] == pytest.approx(3 / 5)
    assert [w["mentions"] for w in a["weeks"]] == [3, 0]
    assert a["weeks"][0]["share_of_voice"]["value"] == pytest.approx(3 / 4)
    assert a["weeks"][1]["share_of_voice"]["value"] == 0.0
    assert b["top_creators"] == [{"creator": "u2", "name": None, "notes": 2}]


def test_ugc_recreation_leaves_campaign_creators_out_and_computes_the_lift() -> None:
    first = datetime(2026, 3, 2, 4, tzinfo=UTC)
    mentions = [
        _note("A", date(2026, 2, 20), "fan1"),
        _note("A", date(2026, 3, 3), "fan2"),
        _note("A", date(2026, 3, 20), "fan3"),
        _note("A", date(2026, 3, 5), "kol"),  # the campaign's own creator
        _note("A", date(2026, 1, 1), "fan4"),  # outside both windows
        _note("B", date(2026, 3, 6), "fan5"),  # another brand
    ]
    out = ugc_recreation(mentions, "A", {"kol"}, first, window_days=28)
    assert (out["before"]["notes"], out["after"]["notes"]) == (1, 2)
    assert out["ugc_lift"]["value"] == pytest.approx(1.0)
    assert [n["creator"] for n in out["notes_after"]] == ["fan2", "fan3"]
    empty = ugc_recreation(mentions[1:3], "A", set(), first)
    assert empty["ugc_lift"]["value"] is None and "0" in empty["ugc_lift"]["reason"]


def test_search_lift_sums_the_brand_keywords_in_equal_windows() -> None:
    points = [
        SearchPoint(date(2026, 2, 10), "朵拉朵尚", 100),
        SearchPoint(date(2026, 2, 11), "DORA", 50),
        SearchPoint(date(2026, 3, 2), "朵拉朵尚", 300),
        SearchPoint(date(2026, 3, 3), "兰蔻", 9999),  # another keyword
        SearchPoint(date(2026, 5, 1), "朵拉朵尚", 9999),  # after the window
    ]
    out = search_lift(points, ["朵拉朵尚", "dora"], date(2026, 3, 2), window_days=28)
    assert (out["before"]["total"], out["after"]["total"]) == (150, 300)
    assert out["branded_search_lift"]["value"] == pytest.approx(1.0)
    missing = search_lift(points[:2], ["朵拉朵尚"], date(2026, 3, 2))
    assert missing["branded_search_lift"]["value"] is None
    assert "no search-index values after" in missing["branded_search_lift"]["reason"]
    with pytest.raises(ValueError, match="window_days"):
        search_lift(points, ["x"], date(2026, 3, 2), window_days=0)
