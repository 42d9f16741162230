"""compute_kpis: the JSON result the API and CLI return, inputs, tiers and configuration."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from models.benchmarks import BenchmarkTable
from models.kpi import (
    LAYERS,
    EmvRates,
    KPIConfig,
    KPIInput,
    KPIInputError,
    TierScheme,
    compute,
    compute_kpis,
    tier_for,
)
from models.kpi.metric import MAX_AMOUNT, MAX_COUNT


def note(**overrides: Any) -> KPIInput:
    values: dict[str, Any] = {
        "followers": 50_000,
        "impressions": 100_000,
        "reach": 60_000,
        "views": 12_000,
        "likes": 2_000,
        "comments": 300,
        "saves": 900,
        "shares": 100,
        "follows": 80,
        "clicks": 500,
        "add_to_carts": 100,
        "orders": 40,
        "new_customers": 30,
        "fee": Decimal("8000"),
        "product_cost": Decimal("500"),
        "paid_media": Decimal("1500"),
        "revenue": Decimal("15000"),
        "category": "beauty",
        "content_format": "video",
        "completions": 6_000,
        "avg_watch_seconds": 21.5,
    }
    values.update(overrides)
    return KPIInput(**values)


def test_compute_kpis_result_is_json_serialisable_with_every_metric() -> None:
    result = compute_kpis(note())
    text = json.dumps(result)
    back = json.loads(text)
    expected = {name for names in LAYERS.values() for name in names}
    assert set(back["metrics"]) == expected
    for name, entry in back["metrics"].items():
        assert {"value", "unit", "formula", "expression", "reason", "layer"} <= set(entry), name
        assert (entry["value"] is None) == (entry["reason"] is not None), name


def test_compute_kpis_money_is_decimal_string_with_currency() -> None:
    metrics = compute_kpis(note())["metrics"]
    assert metrics["total_cost"]["value"] == "10000.00"
    assert metrics["total_cost"]["currency"] == "CNY"
    assert metrics["revenue"]["value"] == "15000.00"
    assert metrics["roi"]["value"] == pytest.approx(0.5)
    assert metrics["roas"]["value"] == pytest.approx(1.5)
    assert metrics["cpe"]["value"] == "3.0303"  # 10,000 / 3,300 engagements, 4 places
    assert metrics["cac"]["value"] == "333.3333"


def test_compute_kpis_rates_are_fractions() -> None:
    metrics = compute_kpis(note())["metrics"]
    assert metrics["engagement_rate_by_followers"]["value"] == pytest.approx(3300 / 50_000)
    assert metrics["engagement_rate_by_followers"]["unit"] == "fraction"
    assert metrics["ctr"]["value"] == pytest.approx(500 / 100_000)
    assert metrics["cvr"]["value"] == pytest.approx(40 / 500)


def test_compute_kpis_accepts_json_object_and_rejects_unknown_keys() -> None:
    result = compute_kpis({"likes": 10, "comments": 0, "saves": 0, "shares": 0, "followers": 100})
    assert result["metrics"]["engagement_rate_by_followers"]["value"] == pytest.approx(0.1)
    with pytest.raises(KPIInputError, match=r"unknown field\(s\) \['like'\]"):
        compute_kpis({"like": 10})


def test_compute_kpis_empty_input_gives_reasons_not_zeros() -> None:
    metrics = compute_kpis(KPIInput())["metrics"]
    assert all(entry["value"] is None for entry in metrics.values())
    assert metrics["roi"]["reason"] == "revenue not given"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("likes", -1, "likes=-1 is negative"),
        ("views", 2.5, "views=2.5 is not a whole number"),
        ("fee", "-10", "fee=-10 is negative"),
        ("revenue", "12k", "revenue='12k' is not a decimal number"),
        ("currency", "yuan", "currency='yuan' is not a currency code"),
        ("avg_watch_seconds", -3.0, "avg_watch_seconds"),
        ("content_format", "livestream", "content_format='livestream' is not known"),
        ("agency_cost", 1e26, "agency_cost=1e\\+26 is out of range"),
        ("impressions", 10**16, "impressions=10000000000000000 is out of range"),
    ],
)
def test_kpi_input_rejects_bad_values_with_clear_message(field: str, value: object, message: str) -> None:
    with pytest.raises(KPIInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        KPIInput.from_dict({field: value})


def test_largest_accepted_amounts_compute_exactly() -> None:
    """Amounts at the accepted maximum must not overflow decimal precision while rounding."""
    top = {"fee": str(MAX_AMOUNT), "agency_cost": str(MAX_AMOUNT), "revenue": str(MAX_AMOUNT)}
    counts = dict.fromkeys(("impressions", "likes", "comments", "saves", "shares", "clicks"), MAX_COUNT)
    metrics = compute_kpis(KPIInput.from_dict({**top, **counts}))["metrics"]
    assert metrics["total_cost"]["value"] == "2000000000000000.00"
    # EMV = 10^15 / 1000 x 5 + 4 x 10^15 x 0.50, exact to the cent
    assert metrics["emv"]["value"] == "2005000000000000.00"
    assert metrics["cpm"]["value"] is not None


def test_kpi_input_json_typed_dict_matches_input_fields() -> None:
    from dataclasses import fields

    from models.kpi import KPIInputJSON

    accepted = {f.name for f in fields(KPIInput)} - {"parts", "missing"}
    assert set(KPIInputJSON.__annotations__) == accepted


def test_kpi_input_json_validates_through_pydantic() -> None:
    from pydantic import TypeAdapter

    from models.kpi import KPIInputJSON

    body = TypeAdapter(KPIInputJSON).validate_python({"likes": 5, "fee": "12.30", "currency": "USD"})
    data = KPIInput.from_dict(body)
    assert data.fee == Decimal("12.30") and data.currency == "USD"


def test_kpi_input_normalises_chinese_segments() -> None:
    data = KPIInput(category="美妆", content_format="图文", content_type="教程")
    assert (data.category, data.content_format, data.content_type) == ("beauty", "image", "tutorial")


def test_default_tiers_boundaries() -> None:
    assert [
        tier_for(n) for n in (0, 9_999, 10_000, 99_999, 100_000, 499_999, 500_000, 999_999, 1_000_000)
    ] == [
        "nano",
        "nano",
        "micro",
        "micro",
        "mid",
        "mid",
        "macro",
        "macro",
        "top",
    ]


def test_tier_scheme_is_configurable_and_validated() -> None:
    scheme = TierScheme.from_bounds([("small", 0), ("big", 5_000)])
    assert scheme.tier_for(4_999) == "small"
    assert scheme.tier_for(5_000) == "big"
    with pytest.raises(KPIInputError, match="must increase"):
        TierScheme.from_bounds([("a", 0), ("b", 100), ("c", 50)])
    with pytest.raises(KPIInputError, match="start at 0"):
        TierScheme.from_bounds([("a", 10)])


def test_tier_comes_from_followers_and_drives_benchmarks() -> None:
    result = compute_kpis(note(followers=200_000))
    assert result["segment"]["tier"] == "mid"
    assert result["segment"]["tier_source"] == "followers"
    er = result["metrics"]["engagement_rate_by_followers"]
    ranges = sorted(tuple(c["range"]) for c in er["benchmarks"])
    assert ranges == [(0.03, 0.05)]


def test_given_tier_wins_and_disagreement_is_warned() -> None:
    result = compute_kpis(note(followers=200_000, tier="micro"))
    assert result["segment"]["tier"] == "micro"
    assert any("'micro' was given" in w for w in result["warnings"])


def test_unknown_tier_rejected() -> None:
    with pytest.raises(KPIInputError, match="not in the workspace's tiers"):
        compute_kpis(note(tier="giant"))


def test_benchmark_verdicts_below_within_above() -> None:
    def verdict(likes: int) -> str:
        result = compute_kpis(note(followers=200_000, likes=likes, comments=0, saves=0, shares=0))
        comparisons = result["metrics"]["engagement_rate_by_followers"]["benchmarks"]
        return next(c["verdict"] for c in comparisons if c["range"] == [0.03, 0.05])

    assert verdict(2_000) == "below"  # 1 %
    assert verdict(8_000) == "within"  # 4 %
    assert verdict(12_000) == "above"  # 6 %


def test_undefined_metric_keeps_benchmark_range_without_verdict() -> None:
    result = compute_kpis(note(completions=None))
    comparisons = result["metrics"]["completion_rate"]["benchmarks"]
    assert comparisons[0]["verdict"] is None
    assert comparisons[0]["range"] == [0.5, 0.7]


def test_emv_uses_workspace_rate_card_for_the_currency() -> None:
    usd = EmvRates(
        "USD",
        cpm=Decimal("8"),
        like=Decimal("0.1"),
        comment=Decimal("1"),
        save=Decimal("0.2"),
        share=Decimal(0),
    )
    config = KPIConfig.with_emv_rates(usd)
    data = note(currency="USD", impressions=10_000, likes=100, comments=10, saves=50, shares=5)
    result = compute_kpis(data, config)
    assert result["metrics"]["emv"]["value"] == "110.00"  # 80 + 10 + 10 + 10 + 0
    assert result["metrics"]["emv"]["currency"] == "USD"
    assert result["emv_rates"]["currency"] == "USD"


def test_emv_without_rate_card_in_currency_is_undefined_not_converted() -> None:
    result = compute_kpis(note(currency="USD"))
    emv = result["metrics"]["emv"]
    assert emv["value"] is None
    assert "no EMV rate card in USD" in emv["reason"]


def test_emv_rate_card_keyed_by_other_currency_rejected() -> None:
    with pytest.raises(KPIInputError, match="filed under"):
        KPIConfig(emv_rates={"CNY": EmvRates("USD")})


def test_ad_spend_overrides_roas_denominator() -> None:
    default = compute(note())
    assert default.metrics["roas"].value == pytest.approx(1.5)
    assert default.metrics["roas"].note is not None
    explicit = compute(note(ad_spend=Decimal("1500")))
    assert explicit.metrics["roas"].value == pytest.approx(10.0)


def test_clv_to_cac_when_clv_given() -> None:
    result = compute(note(clv=Decimal("1000")))
    assert result.metrics["clv_to_cac"].value == pytest.approx(1000 / (10_000 / 30))


def test_empty_benchmark_table_switches_comparisons_off() -> None:
    result = compute_kpis(note(), KPIConfig(benchmarks=BenchmarkTable([])))
    assert all("benchmarks" not in entry for entry in result["metrics"].values())


def test_funnel_in_result() -> None:
    funnel = compute_kpis(note())["funnel"]
    assert [(s["from"], s["to"]) for s in funnel] == [
        ("impressions", "clicks"),
        ("clicks", "add_to_carts"),
        ("add_to_carts", "orders"),
        ("impressions", "orders"),
    ]
    assert funnel[1]["rate"]["value"] == pytest.approx(0.2)
