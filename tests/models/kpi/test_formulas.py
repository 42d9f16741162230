"""KPI formulas: the frameworks' worked examples, definitions, undefined results and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.kpi import formulas as f
from models.kpi.metric import CurrencyMismatchError, KPIInputError, Metric, Money


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY")


# --- worked examples from the measurement frameworks -----------------------------------------


def test_emv_worked_example_is_30000() -> None:
    # 1M impressions at CNY 5 per mille = 5,000; 50,000 engagements at 0.50 = 25,000.
    rates = f.EmvRates("CNY", cpm=Decimal("5"), like=Decimal("0.50"))
    metric = f.emv(1_000_000, likes=50_000, comments=0, saves=0, shares=0, rates=rates)
    assert metric.value == Decimal("30000.00")
    assert metric.currency == "CNY"


def test_emv_worked_example_spread_over_action_types() -> None:
    rates = f.EmvRates("CNY", Decimal("5"), Decimal("0.5"), Decimal("0.5"), Decimal("0.5"), Decimal("0.5"))
    metric = f.emv(1_000_000, likes=20_000, comments=10_000, saves=15_000, shares=5_000, rates=rates)
    assert metric.value == Decimal("30000.00")


def test_roi_worked_example_spent_10000_earned_15000() -> None:
    assert f.roi(cny(15_000), cny(10_000)).value == pytest.approx(0.5)


def test_roas_worked_example_12000_over_4000() -> None:
    assert f.roas(cny(12_000), cny(4_000)).value == pytest.approx(3.0)


def test_cac_worked_example_10000_over_150_new_customers() -> None:
    metric = f.cac(cny(10_000), 150)
    assert isinstance(metric.value, Decimal)
    assert metric.value.quantize(Decimal("0.01")) == Decimal("66.67")
    assert metric.unit == "CNY per new customer"


def test_frequency_worked_example_144_over_120() -> None:
    assert f.frequency(144, 120).value == pytest.approx(1.2)


def test_engagement_rate_worked_example_500_likes_5000_followers() -> None:
    eng = f.engagements(likes=500, comments=0, saves=0, shares=0)
    assert f.engagement_rate_by_followers(eng, 5_000).value == pytest.approx(0.10)


def test_follower_conversion_worked_example_5000_over_100000_reach() -> None:
    assert f.follower_conversion_rate(5_000, 100_000).value == pytest.approx(0.05)


def test_cvr_worked_example_50_purchases_1000_clicks() -> None:
    assert f.cvr(50, 1_000).value == pytest.approx(0.05)


# --- definitions ------------------------------------------------------------------------------


def test_engagements_sums_likes_comments_saves_shares() -> None:
    metric = f.engagements(likes=10, comments=3, saves=7, shares=2)
    assert metric.value == 22
    assert metric.unit == "count"


def test_engagement_rates_name_their_denominator() -> None:
    assert f.engagement_rate_by_reach(50, 1_000).value == pytest.approx(0.05)
    assert f.engagement_rate_by_impressions(50, 2_000).value == pytest.approx(0.025)
    assert f.engagement_rate_by_reach(50, 1_000).expression == "engagements / reach"
    assert f.engagement_rate_by_impressions(50, 2_000).expression == "engagements / impressions"


def test_action_rates_are_per_impression() -> None:
    assert f.like_rate(30, 1_000).value == pytest.approx(0.03)
    assert f.save_rate(20, 1_000).value == pytest.approx(0.02)
    assert f.comment_rate(5, 1_000).value == pytest.approx(0.005)
    assert f.share_rate(4, 1_000).value == pytest.approx(0.004)


def test_ces_weights_comments_shares_by_4_and_follows_by_8() -> None:
    metric = f.ces_score(likes=10, saves=5, comments=2, shares=1, follows=3)
    assert metric.value == 10 + 5 + 4 * 2 + 4 * 1 + 8 * 3
    assert metric.note is not None and "community convention" in metric.note


def test_content_quality_score_weights_saves_above_likes() -> None:
    saves_heavy = f.content_quality_score(likes=0, comments=0, saves=100, shares=0, impressions=10_000)
    likes_heavy = f.content_quality_score(likes=100, comments=0, saves=0, shares=0, impressions=10_000)
    assert saves_heavy.value is not None and likes_heavy.value is not None
    assert saves_heavy.value > likes_heavy.value


def test_content_quality_score_uses_configured_weights() -> None:
    weights = f.QualityWeights(likes=1, comments=0, saves=0, shares=0)
    metric = f.content_quality_score(
        likes=40, comments=99, saves=99, shares=99, impressions=1_000, weights=weights
    )
    assert metric.value == pytest.approx(0.04)


def test_quality_weights_reject_negative_and_all_zero() -> None:
    with pytest.raises(KPIInputError, match="saves"):
        f.QualityWeights(saves=-1)
    with pytest.raises(KPIInputError, match="all 0"):
        f.QualityWeights(likes=0, comments=0, saves=0, shares=0)


def test_reach_rate_may_exceed_one_for_notes_beyond_followers() -> None:
    assert f.reach_rate(30_000, 10_000).value == pytest.approx(3.0)


def test_follower_growth_net_and_rate() -> None:
    assert f.follower_growth_net(10_000, 10_500).value == 500
    assert f.follower_growth_rate(10_000, 10_500).value == pytest.approx(0.05)
    assert f.follower_growth_net(10_000, 9_000).value == -1_000
    assert f.follower_growth_rate(10_000, 9_000).value == pytest.approx(-0.1)


def test_ctr_uses_impressions_then_views() -> None:
    by_impressions = f.ctr(clicks=30, impressions=1_000, views=200)
    assert by_impressions.value == pytest.approx(0.03)
    assert by_impressions.formula == "ctr_by_impressions"
    by_views = f.ctr(clicks=30, impressions=None, views=200)
    assert by_views.value == pytest.approx(0.15)
    assert by_views.formula == "ctr_by_views"


def test_cover_ctr_is_views_over_impressions() -> None:
    assert f.cover_ctr(views=120, impressions=1_000).value == pytest.approx(0.12)


def test_add_to_cart_rate() -> None:
    assert f.add_to_cart_rate(40, 200).value == pytest.approx(0.2)


def test_funnel_gives_each_step_rate_and_overall() -> None:
    steps = f.funnel(impressions=10_000, clicks=200, add_to_carts=50, orders=10)
    rates = {(s.source, s.target): s.rate.value for s in steps}
    assert rates[("impressions", "clicks")] == pytest.approx(0.02)
    assert rates[("clicks", "add_to_carts")] == pytest.approx(0.25)
    assert rates[("add_to_carts", "orders")] == pytest.approx(0.2)
    assert rates[("impressions", "orders")] == pytest.approx(0.001)


def test_funnel_step_skipped_by_direct_orders_is_undefined_not_above_one() -> None:
    steps = f.funnel(impressions=10_000, clicks=200, add_to_carts=5, orders=10)
    step = next(s for s in steps if s.target == "orders" and s.source == "add_to_carts")
    assert step.rate.value is None
    assert step.rate.reason is not None and "exceed" in step.rate.reason


def test_total_cost_adds_fee_product_paid_media_and_agency() -> None:
    metric = f.total_cost(Decimal("8000"), Decimal("500.50"), Decimal("1000"), Decimal("250"), currency="CNY")
    assert metric.value == Decimal("9750.50")
    assert metric.note is None


def test_total_cost_counts_missing_component_as_zero_and_says_so() -> None:
    metric = f.total_cost(Decimal("8000"), None, None, currency="USD")
    assert metric.value == Decimal("8000.00")
    assert metric.currency == "USD"
    assert metric.note is not None and "product_cost" in metric.note and "paid_media" in metric.note


def test_cost_per_metrics() -> None:
    cost = cny(10_000)
    assert f.cpm(cost, 2_000_000).value == Decimal("5.0000")
    assert f.cpc(cost, 4_000).value == Decimal("2.5000")
    assert f.cpe(cost, 40_000).value == Decimal("0.2500")
    assert f.cpa(cost, 80).value == Decimal("125.0000")


def test_unit_costs_keep_sub_cent_values() -> None:
    assert f.cpe(cny(1), 400).value == Decimal("0.0025")


def test_clv_to_cac_ratio() -> None:
    cac = f.cac(cny(10_000), 100)
    assert f.clv_to_cac(cny(300), cac).value == pytest.approx(3.0)


def test_emv_return_is_emv_over_cost() -> None:
    value = f.emv(1_000_000, 50_000, 0, 0, 0)
    assert f.emv_return(value, cny(10_000)).value == pytest.approx(3.0)


def test_completion_rate_and_watch_time() -> None:
    assert f.completion_rate(300, 1_000).value == pytest.approx(0.3)
    assert f.average_watch_time(12.5).value == pytest.approx(12.5)
    assert f.average_watch_time(12.5).unit == "seconds"


def test_brand_health_formulas() -> None:
    assert f.net_sentiment(positive=70, negative=30).value == pytest.approx(0.4)
    assert f.positive_share(positive=50, neutral=30, negative=20).value == pytest.approx(0.5)
    assert f.share_of_voice(200, 800).value == pytest.approx(0.25)
    assert f.branded_search_lift(before=1_000, after=1_250).value == pytest.approx(0.25)
    assert f.branded_search_lift(before=1_000, after=800).value == pytest.approx(-0.2)
    assert f.mention_volume(1, 2, 3).value == 6


# --- undefined results: null with a reason, never 0 or infinity ----------------------------


@pytest.mark.parametrize(
    "metric",
    [
        f.engagement_rate_by_followers(100, 0),
        f.frequency(100, 0),
        f.cvr(5, 0),
        f.ctr(5, 0, 0),
        f.completion_rate(0, 0),
        f.net_sentiment(0, 0),
        f.branded_search_lift(0, 100),
    ],
    ids=["er", "frequency", "cvr", "ctr", "completion", "net_sentiment", "search_lift"],
)
def test_zero_denominator_is_undefined_with_reason(metric: Metric) -> None:
    assert metric.value is None
    assert metric.reason is not None and "is 0" in metric.reason
    assert metric.to_dict()["value"] is None


def test_zero_cost_gives_undefined_roi_and_unit_costs() -> None:
    zero = cny(0)
    assert f.roi(cny(100), zero).value is None
    assert f.roas(cny(100), zero).value is None
    assert f.cpe(zero, 0).value is None
    assert f.cpe(zero, 10).value == Decimal("0.0000")  # free engagements are 0, not undefined


def test_missing_input_is_undefined_with_its_name() -> None:
    metric = f.like_rate(None, 1_000)
    assert metric.value is None
    assert metric.reason == "likes not given"


def test_undefined_operand_propagates_its_reason() -> None:
    eng = f.engagements(likes=1, comments=1, saves=1, shares=None)
    metric = f.engagement_rate_by_followers(eng, 1_000)
    assert metric.value is None
    assert metric.reason is not None and "shares not given" in metric.reason


def test_bounded_rate_above_one_is_undefined_as_inconsistent() -> None:
    metric = f.like_rate(likes=150, impressions=100)
    assert metric.value is None
    assert metric.reason is not None and "inconsistent" in metric.reason


def test_frequency_below_one_is_undefined() -> None:
    assert f.frequency(impressions=90, reach=100).value is None


def test_cvr_above_one_through_promo_code_orders_is_undefined() -> None:
    metric = f.cvr(orders=12, clicks=10)
    assert metric.value is None


def test_emv_undefined_when_a_count_is_missing() -> None:
    metric = f.emv(1_000, 1, 1, None, 1)
    assert metric.value is None and metric.reason == "saves not given"


def test_total_cost_undefined_without_any_component() -> None:
    metric = f.total_cost(None, None, None, currency="CNY")
    assert metric.value is None
    assert f.roi(cny(100), metric).value is None


def test_metric_refuses_undefined_without_reason_and_infinity() -> None:
    with pytest.raises(ValueError, match="reason"):
        Metric("x", None, "fraction", "x", "x")
    with pytest.raises(ValueError, match="finite"):
        Metric("x", float("inf"), "fraction", "x", "x")


# --- rejected input -----------------------------------------------------------------------


def test_negative_count_rejected_with_field_name() -> None:
    with pytest.raises(KPIInputError, match=r"likes=-3 is negative"):
        f.like_rate(-3, 100)


def test_fractional_count_rejected() -> None:
    with pytest.raises(KPIInputError, match=r"impressions=10.5 is not a whole number"):
        f.like_rate(3, 10.5)


def test_boolean_count_rejected() -> None:
    with pytest.raises(KPIInputError, match="whole number"):
        f.engagements(True, 1, 1, 1)


def test_negative_money_rejected() -> None:
    with pytest.raises(KPIInputError, match=r"fee=-1 is negative"):
        f.total_cost(Decimal(-1), None, None)


def test_currency_mismatch_rejected() -> None:
    with pytest.raises(CurrencyMismatchError, match=r"USD.*CNY"):
        f.roi(Money(Decimal(100), "USD"), cny(50))
    with pytest.raises(CurrencyMismatchError):
        cny(1) + Money(Decimal(1), "USD")


def test_bad_currency_code_rejected() -> None:
    with pytest.raises(KPIInputError, match="currency code"):
        Money(Decimal(1), "RMB¥")


def test_money_parses_strings_and_floats_exactly() -> None:
    assert Money("0.1", "cny").amount == Decimal("0.1")  # type: ignore[arg-type]
    assert Money(0.1, "CNY").amount == Decimal("0.1")  # type: ignore[arg-type]
    with pytest.raises(KPIInputError, match="thousands"):
        Money("1,000", "CNY")  # type: ignore[arg-type]
