"""RedLens KPI engine: every formula of the KOL measurement frameworks as pure functions.

No web, no database, no file I/O (the benchmark table is package data read on first use). Used by
reports, vetting, the ``redlens kpis`` command and ``POST /v1/kpis``. The metric column names of
RedLens's own files are defined here too (:mod:`models.kpi.inputs`).

Public interface
================

Input and settings (:mod:`models.kpi.inputs`)
    ``KPIInput(**fields)`` / ``KPIInput.from_dict(json_object)``: raw counts (followers,
    impressions, reach, views, likes, comments, saves, shares, follows, completions, clicks,
    add_to_carts, orders, new_customers, followers_start), ``avg_watch_seconds``, money as
    ``Decimal`` (fee, product_cost, paid_media, agency_cost, revenue, ad_spend, clv) in one
    ``currency`` (default ``"CNY"``), and segment (tier, category, content_format, content_type).
    Every field is optional; ``KPIInputJSON`` is the same as a TypedDict for the API schema
    (pydantic reads it directly). Negative or fractional counts, unparseable money, unknown fields and
    bad currency codes raise :class:`KPIInputError` (a ``ValueError``) whose message names the field.

    ``KPIConfig(emv_rates={"CNY": EmvRates(...)}, tiers=TierScheme, quality_weights=QualityWeights,
    benchmarks=BenchmarkTable | None)``: the workspace's rate cards, tier boundaries, content
    quality weights and benchmark table. ``KPIConfig()`` is the default (CNY placeholder EMV card,
    default tiers, shipped benchmarks).

Compute (:mod:`models.kpi.compute`)
    ``compute_kpis(data: KPIInput | Mapping, config: KPIConfig | None = None) -> dict``: the JSON
    result (shape below). ``compute(data, config) -> KPIResult`` is the typed form
    (``result.metrics[name].value``); ``compute_metrics(data, config) -> dict[str, Metric]``
    skips benchmarks.

Aggregate (:mod:`models.kpi.aggregate`)
    ``aggregate(parts: Mapping[id, KPIInput], label="notes") -> KPIInput`` sums counts and money
    (not rates) per KOL or campaign; ``group_by(parts, "tier" | "category" | "content_format" |
    "content_type" | fn) -> dict[group, KPIInput]``. Mixed currencies raise
    :class:`CurrencyMismatchError`. Feed the result to ``compute_kpis``.

Windows (:mod:`models.kpi.windows`)
    ``window_report(published_at, [Snapshot(taken_at, KPIInput), ...]) -> WindowReport``: values
    at 48h / 7d / 30d / 90d, ``engagement_share_by_day7``, ``long_tail_share`` and a warning when
    the newest snapshot is before day 7. ``.to_dict()`` for JSON.

Reports (:mod:`models.kpi.report`)
    ``build_kpi_report(KPIFileInputs, config)``: notes (with windows), KOLs, campaigns and segment
    groups of the note-metrics and economics files ``redlens kpis`` reads; ``group_results`` (KPIs
    per group of notes, also used by the campaign report) and ``report_rows`` (long format).

Attribution (:mod:`models.kpi.attribution`)
    ``attribute_orders([OrderTouch(order_id, channel, ordered_at, revenue: Money, new_customer)],
    window_start=..., window_days=..., currency=...) -> AttributionResult``: each order once by id
    across promo code, UTM and affiliate reports, inside the window.

Brand health (:mod:`models.kpi.brand`)
    ``compute_brand_health(BrandHealthInput(positive, neutral, negative, competitor_mentions,
    branded_searches_before, branded_searches_after) | Mapping) -> dict``.

Formulas (:mod:`models.kpi.formulas`)
    One function per KPI, each documenting formula and unit, each returning a :class:`Metric`:
    ``engagements``, ``engagement_rate_by_followers|reach|impressions``, ``like_rate``,
    ``save_rate``, ``save_rate_by_views``, ``comment_rate``, ``share_rate``, ``ces_score``,
    ``content_quality_score``, ``reach_rate``, ``frequency``, ``follower_growth_net|rate``,
    ``follower_conversion_rate``, ``ctr``, ``cover_ctr``, ``cvr``, ``add_to_cart_rate``,
    ``funnel``, ``total_cost``, ``cpm``, ``cpc``, ``cpe``, ``cpa``, ``cac``, ``roi``, ``roas``,
    ``clv_to_cac``, ``emv``, ``emv_return``, ``completion_rate``, ``average_watch_time``,
    ``mention_volume``, ``net_sentiment``, ``positive_share``, ``share_of_voice``,
    ``branded_search_lift``. Tiers: ``tier_for(followers, scheme=DEFAULT_TIERS)``.
    Benchmarks: :mod:`models.benchmarks` (``default_benchmarks()``, ``BenchmarkTable``).

Result shape (``compute_kpis``)
===============================

::

    {
      "schema": "redlens.kpis/1",
      "currency": "CNY",
      "segment": {"tier": "micro", "category": "beauty", "content_format": "video",
                  "content_type": null, "tier_source": "followers"},
      "parts": 1,
      "metrics": {
        "engagement_rate_by_followers": {
          "value": 0.062, "unit": "fraction", "formula": "engagement_rate_by_followers",
          "expression": "engagements / followers", "reason": null, "layer": "engagement",
          "benchmarks": [{"verdict": "within", "range": [0.05, 0.1], "tier": "micro",
                          "category": null, "content_format": null, "content_type": null,
                          "source": "..."}]
        },
        "cpe": {"value": "0.4200", "unit": "CNY per engagement", "currency": "CNY", ...},
        "roi": {"value": null, "reason": "revenue not given", ...},
        ...
      },
      "layers": {"reach": [...], "engagement": [...], "conversion": [...], "economics": [...]},
      "funnel": [{"from": "impressions", "to": "clicks", "from_count": 1000, "to_count": 12,
                  "rate": {...metric...}}, ...],
      "emv_rates": {"currency": "CNY", "cpm": "5", ..., "source": "..."},
      "warnings": []
    }

Values: counts are ints, rates and ratios floats (fractions: 0.053, never 5.3), money a decimal
string with ``currency`` (totals 2 places, per-unit costs 4). Undefined metrics have ``value``
``null`` and a ``reason``; nothing is ever reported as 0 or infinity for lack of a denominator.
"""

from __future__ import annotations

from models.benchmarks import BenchmarkTable, Comparison, Segment, default_benchmarks
from models.kpi.aggregate import aggregate, effective_tier, group_by
from models.kpi.attribution import AttributionResult, OrderTouch, attribute_orders
from models.kpi.brand import BrandHealthInput, compute_brand_health
from models.kpi.compute import LAYERS, KPIResult, compute, compute_kpis, compute_metrics
from models.kpi.formulas import (
    DEFAULT_EMV_RATES,
    DEFAULT_QUALITY_WEIGHTS,
    EmvRates,
    FunnelStep,
    QualityWeights,
)
from models.kpi.inputs import KPIConfig, KPIInput, KPIInputJSON
from models.kpi.metric import CurrencyMismatchError, KPIInputError, Metric, Money
from models.kpi.tiers import DEFAULT_TIERS, TierScheme, tier_for
from models.kpi.windows import Snapshot, WindowReport, window_report

__all__ = [
    "DEFAULT_EMV_RATES",
    "DEFAULT_QUALITY_WEIGHTS",
    "DEFAULT_TIERS",
    "LAYERS",
    "AttributionResult",
    "BenchmarkTable",
    "BrandHealthInput",
    "Comparison",
    "CurrencyMismatchError",
    "EmvRates",
    "FunnelStep",
    "KPIConfig",
    "KPIInput",
    "KPIInputError",
    "KPIInputJSON",
    "KPIResult",
    "Metric",
    "Money",
    "OrderTouch",
    "QualityWeights",
    "Segment",
    "Snapshot",
    "TierScheme",
    "WindowReport",
    "aggregate",
    "attribute_orders",
    "compute",
    "compute_brand_health",
    "compute_kpis",
    "compute_metrics",
    "default_benchmarks",
    "effective_tier",
    "group_by",
    "tier_for",
    "window_report",
]
