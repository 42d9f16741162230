"""Property tests of the KPI engine's invariants (hypothesis)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.kpi import KPIInput, aggregate, compute, compute_kpis, formulas
from models.kpi.inputs import COUNT_FIELDS

BOUNDED = (
    "like_rate",
    "save_rate",
    "save_rate_by_views",
    "follower_conversion_rate",
    "ctr",
    "cover_ctr",
    "cvr",
    "add_to_cart_rate",
    "completion_rate",
)

counts = st.one_of(st.none(), st.integers(min_value=0, max_value=10**7))
present_counts = st.integers(min_value=0, max_value=10**6)
amounts = st.one_of(
    st.none(), st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
)

FIELDS = [name for name in COUNT_FIELDS if name != "followers_start"]


@st.composite
def kpi_inputs(draw: st.DrawFn, *, complete: bool = False) -> KPIInput:
    values: dict[str, Any] = {name: draw(present_counts if complete else counts) for name in FIELDS}
    for name in ("fee", "product_cost", "paid_media", "revenue"):
        values[name] = draw(amounts)
    if complete:
        values["fee"] = draw(st.decimals(min_value=0, max_value=10**6, places=2))
        values["revenue"] = draw(st.decimals(min_value=0, max_value=10**6, places=2))
    return KPIInput(**values)


@settings(max_examples=150, deadline=None)
@given(kpi_inputs())
def test_bounded_rates_stay_in_unit_interval(data: KPIInput) -> None:
    metrics = compute(data).metrics
    for name in BOUNDED:
        value = metrics[name].value
        assert value is None or 0.0 <= float(value) <= 1.0, (name, value)


@settings(max_examples=150, deadline=None)
@given(kpi_inputs())
def test_every_metric_is_finite_or_undefined_with_reason_and_json_safe(data: KPIInput) -> None:
    result = compute(data)
    for metric in result.metrics.values():
        if metric.value is None:
            assert metric.reason
        else:
            assert math.isfinite(float(metric.value))
    json.dumps(compute_kpis(data))


@settings(max_examples=100, deadline=None)
@given(st.lists(kpi_inputs(complete=True), min_size=1, max_size=6))
def test_aggregate_equals_recomputation_from_summed_counts(parts: list[KPIInput]) -> None:
    keyed = {f"n{i}": p for i, p in enumerate(parts)}
    combined = aggregate(keyed)
    summed: dict[str, Any] = {name: sum(getattr(p, name) for p in parts) for name in FIELDS}
    for name in ("fee", "revenue"):
        summed[name] = sum((getattr(p, name) for p in parts), Decimal(0))
    for name in ("product_cost", "paid_media"):
        present = [getattr(p, name) for p in parts if getattr(p, name) is not None]
        summed[name] = sum(present, Decimal(0)) if present else None
    by_hand = KPIInput(**summed, parts=len(parts), tier=combined.tier)
    got = compute(combined).metrics
    want = compute(by_hand).metrics
    for name, metric in want.items():
        assert got[name].value == metric.value, name


@settings(max_examples=100, deadline=None)
@given(st.lists(kpi_inputs(complete=True), min_size=2, max_size=6))
def test_aggregate_engagement_rate_is_not_mean_of_rates_unless_equal_weights(parts: list[KPIInput]) -> None:
    combined = compute(aggregate({f"n{i}": p for i, p in enumerate(parts)})).metrics
    engagements = sum((p.likes or 0) + (p.comments or 0) + (p.saves or 0) + (p.shares or 0) for p in parts)
    impressions = sum(p.impressions or 0 for p in parts)
    value = combined["engagement_rate_by_impressions"].value
    if impressions == 0:
        assert value is None
    else:
        assert value == engagements / impressions


@settings(max_examples=200, deadline=None)
@given(present_counts, present_counts, present_counts)
def test_sentiment_shares_bounded(positive: int, neutral: int, negative: int) -> None:
    net = formulas.net_sentiment(positive, negative).value
    assert net is None or -1.0 <= float(net) <= 1.0
    share = formulas.positive_share(positive, neutral, negative).value
    assert share is None or 0.0 <= float(share) <= 1.0
    sov = formulas.share_of_voice(positive, positive + neutral).value
    assert sov is None or 0.0 <= float(sov) <= 1.0


@settings(max_examples=100, deadline=None)
@given(present_counts, present_counts, present_counts, present_counts, present_counts)
def test_emv_grows_with_every_count(
    impressions: int, likes: int, comments: int, saves: int, shares: int
) -> None:
    base = formulas.emv(impressions, likes, comments, saves, shares).value
    more = formulas.emv(impressions + 1000, likes + 1, comments, saves, shares).value
    assert isinstance(base, Decimal) and isinstance(more, Decimal)
    assert more > base
