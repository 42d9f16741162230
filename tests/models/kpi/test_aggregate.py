"""Aggregation per KOL, campaign and group: sums, not averages of rates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.kpi import CurrencyMismatchError, KPIInput, KPIInputError, aggregate, compute, group_by


def test_aggregate_rate_is_ratio_of_sums_not_mean_of_rates() -> None:
    small = KPIInput(followers=1_000, impressions=100, likes=50, comments=0, saves=0, shares=0)
    large = KPIInput(followers=1_000, impressions=100_000, likes=1_000, comments=0, saves=0, shares=0)
    total = compute(aggregate({"a": small, "b": large}))
    assert total.metrics["like_rate"].value == pytest.approx(1_050 / 100_100)
    mean_of_rates = (50 / 100 + 1_000 / 100_000) / 2
    assert total.metrics["like_rate"].value != pytest.approx(mean_of_rates)


def test_aggregate_followers_sum_per_note_for_per_note_er() -> None:
    notes = {
        "n1": KPIInput(followers=10_000, likes=400, comments=50, saves=40, shares=10),
        "n2": KPIInput(followers=10_000, likes=200, comments=20, saves=70, shares=10),
    }
    kol = aggregate(notes)
    assert kol.followers == 20_000
    assert kol.parts == 2
    er = compute(kol).metrics["engagement_rate_by_followers"]
    assert er.value == pytest.approx(800 / 20_000)  # mean engagements per note / followers
    assert er.note is not None and "summed over 2 notes" in er.note


def test_aggregate_keeps_shared_tier_and_drops_mixed_tier() -> None:
    same = aggregate({"a": KPIInput(followers=20_000), "b": KPIInput(followers=30_000)})
    assert same.tier == "micro"
    mixed = aggregate({"a": KPIInput(followers=20_000), "b": KPIInput(followers=300_000)})
    assert mixed.tier is None
    assert "mixed tier" in mixed.missing["tier"]
    assert compute(mixed).segment.tier is None  # never derived from summed followers


def test_aggregate_missing_count_is_missing_with_the_parts_named() -> None:
    total = aggregate({"n1": KPIInput(clicks=5, impressions=100), "n2": KPIInput(impressions=100)})
    assert total.clicks is None
    assert total.missing["clicks"] == "clicks missing for 1 of 2 notes: n2"
    ctr = compute(total).metrics["ctr"]
    assert ctr.value is None
    assert ctr.reason is not None and "missing for 1 of 2 notes: n2" in ctr.reason


def test_aggregate_money_sums_and_recomputes_roi() -> None:
    parts = {
        "n1": KPIInput(fee=Decimal("1000"), product_cost=Decimal("200"), revenue=Decimal("3000")),
        "n2": KPIInput(fee=Decimal("3000"), paid_media=Decimal("800"), revenue=Decimal("4000")),
    }
    total = aggregate(parts)
    assert total.fee == Decimal("4000")
    assert total.product_cost == Decimal("200")
    assert total.paid_media == Decimal("800")
    assert total.revenue == Decimal("7000")
    assert compute(total).metrics["roi"].value == pytest.approx((7000 - 5000) / 5000)


def test_aggregate_revenue_missing_in_one_paid_part_is_not_a_partial_sum() -> None:
    total = aggregate(
        {"n1": KPIInput(fee=Decimal("10"), revenue=Decimal("30")), "n2": KPIInput(fee=Decimal("10"))}
    )
    assert total.revenue is None
    assert "revenue missing for 1 of 2" in total.missing["revenue"]


def test_aggregate_ad_spend_falls_back_to_part_cost() -> None:
    total = aggregate(
        {
            "n1": KPIInput(fee=Decimal("100"), ad_spend=Decimal("40")),
            "n2": KPIInput(fee=Decimal("60"), product_cost=Decimal("10")),
        }
    )
    assert total.ad_spend == Decimal("110")


def test_aggregate_currency_mismatch_rejected() -> None:
    parts = {
        "n1": KPIInput(fee=Decimal("100"), currency="CNY"),
        "n2": KPIInput(fee=Decimal("100"), currency="USD"),
    }
    with pytest.raises(CurrencyMismatchError, match=r"CNY: n1; USD: n2"):
        aggregate(parts)


def test_aggregate_part_without_money_adopts_currency() -> None:
    total = aggregate({"n1": KPIInput(likes=1), "n2": KPIInput(fee=Decimal("5"), currency="USD")})
    assert total.currency == "USD"


def test_aggregate_watch_time_weighted_by_views() -> None:
    total = aggregate(
        {"a": KPIInput(views=100, avg_watch_seconds=10.0), "b": KPIInput(views=300, avg_watch_seconds=30.0)}
    )
    assert total.avg_watch_seconds == pytest.approx((100 * 10 + 300 * 30) / 400)


def test_aggregate_drops_follower_growth_and_differing_clv() -> None:
    total = aggregate(
        {
            "a": KPIInput(followers_start=5, fee=Decimal("1"), clv=Decimal("100")),
            "b": KPIInput(followers_start=5, fee=Decimal("1"), clv=Decimal("90")),
        }
    )
    assert total.followers_start is None
    assert total.clv is None and "differs" in total.missing["clv"]


def test_aggregate_empty_rejected() -> None:
    with pytest.raises(KPIInputError, match="nothing to aggregate"):
        aggregate({})


def test_group_by_format_and_tier() -> None:
    notes = {
        "v1": KPIInput(followers=20_000, content_format="video", views=100, completions=60),
        "v2": KPIInput(followers=200_000, content_format="video", views=300, completions=90),
        "i1": KPIInput(followers=20_000, content_format="image", views=50),
    }
    by_format = group_by(notes, "content_format")
    assert sorted(by_format) == ["image", "video"]
    assert compute(by_format["video"]).metrics["completion_rate"].value == pytest.approx(150 / 400)
    by_tier = group_by(notes, "tier")
    assert sorted(by_tier) == ["micro", "mid"]
    assert by_tier["micro"].parts == 2
    with pytest.raises(KPIInputError, match="cannot group by"):
        group_by(notes, "colour")


def test_group_by_puts_unknown_values_in_unknown() -> None:
    groups = group_by({"a": KPIInput(), "b": KPIInput(category="beauty")}, "category")
    assert sorted(groups) == ["beauty", "unknown"]
