"""Compute every KPI of one :class:`~models.kpi.inputs.KPIInput` and compare with benchmarks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from models.benchmarks import Comparison, Segment, default_benchmarks
from models.kpi import formulas as f
from models.kpi.inputs import KPIConfig, KPIInput
from models.kpi.metric import MONEY_PLACES, KPIInputError, Metric, Operand, quantize

__all__ = ["LAYERS", "SCHEMA", "KPIResult", "compute", "compute_kpis", "compute_metrics", "segment_of"]

SCHEMA: Final = "redlens.kpis/1"

LAYERS: Final[Mapping[str, tuple[str, ...]]] = {
    "reach": (
        "followers",
        "impressions",
        "reach",
        "views",
        "reach_rate",
        "frequency",
        "follower_growth_net",
        "follower_growth_rate",
        "follower_conversion_rate",
    ),
    "engagement": (
        "engagements",
        "engagement_rate_by_followers",
        "engagement_rate_by_reach",
        "engagement_rate_by_impressions",
        "like_rate",
        "save_rate",
        "save_rate_by_views",
        "comment_rate",
        "share_rate",
        "ces_score",
        "content_quality_score",
        "completion_rate",
        "avg_watch_seconds",
    ),
    "conversion": (
        "clicks",
        "ctr",
        "cover_ctr",
        "add_to_carts",
        "add_to_cart_rate",
        "orders",
        "cvr",
        "new_customers",
    ),
    "economics": (
        "total_cost",
        "revenue",
        "cpm",
        "cpc",
        "cpe",
        "cpa",
        "cac",
        "roi",
        "roas",
        "clv_to_cac",
        "emv",
        "emv_return",
    ),
}
"""Metric names by dashboard layer. Brand health, the fourth XHS layer, is computed from mention
counts by :func:`models.kpi.brand.compute_brand_health`."""


def _operand(data: KPIInput, name: str) -> Operand:
    """A field as a formula operand: missing fields with a known cause carry it as the reason."""
    value = getattr(data, name)
    if value is None and name in data.missing:
        return Metric.undefined(
            name, unit="count", formula=name, expression="input", reason=data.missing[name]
        )
    return value


def _money_metric(data: KPIInput, name: str) -> Metric:
    value = data.money(name)
    if value is None:
        reason = data.missing.get(name, f"{name} not given")
        return Metric.undefined(
            name,
            unit=data.currency,
            formula=name,
            expression="as reported",
            reason=reason,
            currency=data.currency,
        )
    amount = quantize(value.amount, MONEY_PLACES)
    return Metric(name, amount, data.currency, name, "as reported", currency=data.currency)


def _money_operand(data: KPIInput, name: str) -> Operand:
    """Money field as a formula operand (a missing field with a known cause carries it)."""
    value = data.money(name)
    if value is None and name in data.missing:
        return _money_metric(data, name)
    return value


def segment_of(data: KPIInput, config: KPIConfig) -> tuple[Segment, str | None]:
    """The segment for benchmarks and the source of its tier (``given``, ``followers`` or ``None``).

    The tier is read from ``followers`` only for a single note or account: aggregates sum followers
    per note, so their tier must be given (aggregation keeps it when all parts share one).
    """
    tier, source = data.tier, "given" if data.tier else None
    if tier is not None and tier not in config.tiers.names:
        raise KPIInputError(f"tier={tier!r} is not in the workspace's tiers {list(config.tiers.names)}")
    if tier is None and data.parts == 1 and data.followers is not None:
        tier, source = config.tiers.tier_for(data.followers), "followers"
    return Segment(tier, data.category, data.content_format, data.content_type), source


def compute_metrics(data: KPIInput, config: KPIConfig | None = None) -> dict[str, Metric]:
    """Every metric of :data:`LAYERS`, keyed by name, in layer order."""
    config = config or KPIConfig()

    def op(name: str) -> Operand:
        return _operand(data, name)

    m: dict[str, Metric] = {}
    for name in (
        "followers",
        "impressions",
        "reach",
        "views",
        "clicks",
        "add_to_carts",
        "orders",
        "new_customers",
    ):
        expression = "as reported" if data.parts == 1 else f"sum over {data.parts} notes"
        m[name] = f.count(name, op(name), expression=expression)
    eng = f.engagements(op("likes"), op("comments"), op("saves"), op("shares"))
    m["engagements"] = eng
    m["reach_rate"] = f.reach_rate(op("reach"), op("followers"))
    m["frequency"] = f.frequency(op("impressions"), op("reach"))
    start = op("followers_start")
    m["follower_growth_net"] = f.follower_growth_net(start, op("followers"))
    m["follower_growth_rate"] = f.follower_growth_rate(start, op("followers"))
    m["follower_conversion_rate"] = f.follower_conversion_rate(op("follows"), op("reach"))

    m["engagement_rate_by_followers"] = f.engagement_rate_by_followers(eng, op("followers"))
    m["engagement_rate_by_reach"] = f.engagement_rate_by_reach(eng, op("reach"))
    m["engagement_rate_by_impressions"] = f.engagement_rate_by_impressions(eng, op("impressions"))
    m["like_rate"] = f.like_rate(op("likes"), op("impressions"))
    m["save_rate"] = f.save_rate(op("saves"), op("impressions"))
    m["save_rate_by_views"] = f.save_rate_by_views(op("saves"), op("views"))
    m["comment_rate"] = f.comment_rate(op("comments"), op("impressions"))
    m["share_rate"] = f.share_rate(op("shares"), op("impressions"))
    m["ces_score"] = f.ces_score(op("likes"), op("saves"), op("comments"), op("shares"), op("follows"))
    m["content_quality_score"] = f.content_quality_score(
        op("likes"), op("comments"), op("saves"), op("shares"), op("impressions"), config.quality_weights
    )
    m["completion_rate"] = f.completion_rate(op("completions"), op("views"))
    watch = f.average_watch_time(data.avg_watch_seconds)
    if watch.value is None and "avg_watch_seconds" in data.missing:
        watch = Metric.undefined(
            watch.name,
            unit=watch.unit,
            formula=watch.formula,
            expression=watch.expression,
            reason=data.missing["avg_watch_seconds"],
        )
    m["avg_watch_seconds"] = watch

    m["ctr"] = f.ctr(op("clicks"), op("impressions"), op("views"))
    m["cover_ctr"] = f.cover_ctr(op("views"), op("impressions"))
    m["add_to_cart_rate"] = f.add_to_cart_rate(op("add_to_carts"), op("clicks"))
    m["cvr"] = f.cvr(op("orders"), op("clicks"))

    cost = f.total_cost(
        data.fee, data.product_cost, data.paid_media, data.agency_cost, currency=data.currency
    )
    m["total_cost"] = cost
    revenue = _money_metric(data, "revenue")
    m["revenue"] = revenue
    m["cpm"] = f.cpm(cost, op("impressions"))
    m["cpc"] = f.cpc(cost, op("clicks"))
    m["cpe"] = f.cpe(cost, eng)
    m["cpa"] = f.cpa(cost, op("orders"))
    cac = f.cac(cost, op("new_customers"))
    m["cac"] = cac
    m["roi"] = f.roi(_money_operand(data, "revenue"), cost)
    ad_spend: Operand = data.money("ad_spend") or cost
    roas = f.roas(_money_operand(data, "revenue"), ad_spend)
    if data.ad_spend is None:
        roas = Metric(
            roas.name,
            roas.value,
            roas.unit,
            roas.formula,
            roas.expression,
            roas.reason,
            note="ad spend = total cost (no separate ad_spend given)",
        )
    m["roas"] = roas
    m["clv_to_cac"] = f.clv_to_cac(_money_operand(data, "clv"), cac)
    rates = config.emv_rates.get(data.currency)
    if rates is None:
        emv = Metric.undefined(
            "emv",
            unit=data.currency,
            formula="emv",
            expression="impressions / 1000 x cpm_rate + sum of action count x action value",
            reason=f"no EMV rate card in {data.currency}: configure one for the workspace (no conversion)",
            currency=data.currency,
        )
    else:
        emv = f.emv(op("impressions"), op("likes"), op("comments"), op("saves"), op("shares"), rates)
    m["emv"] = emv
    m["emv_return"] = f.emv_return(emv, cost)

    if data.parts > 1:
        note = f"followers summed over {data.parts} notes: an audience-weighted per-note rate"
        for name in ("engagement_rate_by_followers", "reach_rate"):
            old = m[name]
            m[name] = Metric(
                old.name, old.value, old.unit, old.formula, old.expression, old.reason, note=note
            )
    ordered = {name: m[name] for names in LAYERS.values() for name in names}
    assert len(ordered) == len(m), sorted(set(m) - set(ordered))
    return ordered


@dataclass(frozen=True)
class KPIResult:
    """Metrics of one input with their benchmark comparisons; :meth:`to_dict` is the JSON shape."""

    currency: str
    segment: Segment
    tier_source: str | None
    parts: int
    metrics: dict[str, Metric]
    comparisons: dict[str, list[Comparison]]
    funnel: list[f.FunnelStep]
    warnings: list[str] = field(default_factory=list)
    emv_rates: f.EmvRates | None = None

    def value(self, name: str) -> Any:
        return self.metrics[name].value

    def to_dict(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {}
        for layer, names in LAYERS.items():
            for name in names:
                entry = self.metrics[name].to_dict()
                entry["layer"] = layer
                if self.comparisons.get(name):
                    entry["benchmarks"] = [c.to_dict() for c in self.comparisons[name]]
                metrics[name] = entry
        return {
            "schema": SCHEMA,
            "currency": self.currency,
            "segment": {**self.segment.to_dict(), "tier_source": self.tier_source},
            "parts": self.parts,
            "metrics": metrics,
            "layers": {layer: list(names) for layer, names in LAYERS.items()},
            "funnel": [step.to_dict() for step in self.funnel],
            "emv_rates": None if self.emv_rates is None else self.emv_rates.to_dict(),
            "warnings": list(self.warnings),
        }


def compute(data: KPIInput, config: KPIConfig | None = None) -> KPIResult:
    """All metrics of ``data``, benchmark comparisons for its segment, the funnel and warnings."""
    config = config or KPIConfig()
    metrics = compute_metrics(data, config)
    segment, tier_source = segment_of(data, config)
    warnings: list[str] = []
    if tier_source == "given" and data.parts == 1 and data.followers is not None:
        derived = config.tiers.tier_for(data.followers)
        if derived != segment.tier:
            warnings.append(
                f"tier {segment.tier!r} was given but {data.followers:,} followers make {derived!r}; "
                f"benchmarks use {segment.tier!r}"
            )
    table = config.benchmarks if config.benchmarks is not None else default_benchmarks()
    comparisons: dict[str, list[Comparison]] = {}
    for name in table.metrics:
        if name not in metrics:
            continue
        metric = metrics[name]
        value = None if metric.value is None else float(metric.value)
        found = table.compare(name, value, segment)
        if found:
            comparisons[name] = found
    funnel = f.funnel(
        _operand(data, "impressions"),
        _operand(data, "clicks"),
        _operand(data, "add_to_carts"),
        _operand(data, "orders"),
    )
    return KPIResult(
        currency=data.currency,
        segment=segment,
        tier_source=tier_source,
        parts=data.parts,
        metrics=metrics,
        comparisons=comparisons,
        funnel=funnel,
        warnings=warnings,
        emv_rates=config.emv_rates.get(data.currency),
    )


def compute_kpis(data: KPIInput | Mapping[str, Any], config: KPIConfig | None = None) -> dict[str, Any]:
    """JSON-serialisable KPIs of ``data`` (a :class:`KPIInput` or its JSON object). See the package doc."""
    if not isinstance(data, KPIInput):
        data = KPIInput.from_dict(data)
    return compute(data, config).to_dict()
