"""The campaign report: the six dashboard sections of the XHS measurement frameworks, plus themes.

Pure computation over plain dataclasses (:class:`CampaignReportInput`); :mod:`service.campaigns`
loads the rows and maps them here. Every KPI comes from :mod:`models.kpi` (sums first, rates
recomputed from the sums, undefined values carry a reason), so the report never averages rates.

Sections (keys of :func:`build_report`'s result)

``overview``
    Campaign totals: reach, impressions, engagements, attributed orders and revenue ("attributed
    sales"), total cost, ROAS, ROI and EMV, plus note/KOL counts.
``kol_breakdown``
    One row per KOL: reach, engagement (engagements, engagement rate by followers against the
    tier range), conversion (clicks, orders, revenue, ROAS, CPE), brand health (net sentiment,
    positive share and purchase-intent share of its notes' comments). Sorted by engagements.
``content_performance``
    Notes ranked by save rate (saves / views, the basis of the category benchmarks; saves /
    impressions when views are unknown) and then by net comment sentiment; the top and bottom
    ``top_n`` and the full ranking.
``funnel``
    impressions -> clicks -> add-to-cart -> orders with each step's rate and drop-off
    (``drop_off = 1 - rate``) over the campaign totals.
``brand_health``
    Daily mentions (comments on the campaign's notes) by sentiment with daily net sentiment, and
    the period's brand-health metrics.
``competitive_context``
    The campaign's notes grouped by tier and by category, each group's engagement rate and save
    rate against the benchmark ranges for that segment, with the ranges' sources.
``themes``
    Comment themes (:mod:`models.themes`), passed through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from models.kpi import KPIConfig, KPIInput, aggregate, compute, compute_brand_health, group_by
from models.kpi.compute import KPIResult
from models.kpi.report import group_results
from models.labels import INTENTS, SENTIMENTS
from models.themes import ThemeSummary

SCHEMA = "redlens.campaign_report/1"

OVERVIEW_METRICS: tuple[str, ...] = (
    "reach",
    "impressions",
    "views",
    "engagements",
    "engagement_rate_by_impressions",
    "clicks",
    "orders",
    "revenue",
    "total_cost",
    "roas",
    "roi",
    "emv",
    "emv_return",
    "cpe",
)
KOL_METRICS: tuple[str, ...] = (
    "followers",
    "reach",
    "impressions",
    "engagements",
    "engagement_rate_by_followers",
    "clicks",
    "orders",
    "revenue",
    "total_cost",
    "roas",
    "cpe",
    "emv",
)
CONTEXT_METRICS: tuple[str, ...] = ("engagement_rate_by_followers", "save_rate_by_views", "completion_rate")


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    name: str
    brand: str | None
    start_date: date | None
    end_date: date | None
    currency: str


@dataclass(frozen=True)
class ReportNote:
    """One campaign note: its KPI input (counts and money) and its comments' analysis counts."""

    note_id: str
    title: str
    kol_id: str | None
    kol_name: str | None
    published_at: datetime | None
    metrics: KPIInput
    sentiment_counts: Mapping[str, int] = field(default_factory=dict)
    intent_counts: Mapping[str, int] = field(default_factory=dict)
    comments_analyzed: int = 0
    note_url: str | None = None


@dataclass(frozen=True)
class DailyMentions:
    """Comments on the campaign's notes posted on one day (China time), by sentiment."""

    day: date
    positive: int
    neutral: int
    negative: int


@dataclass(frozen=True)
class CampaignReportInput:
    campaign: CampaignInfo
    notes: Sequence[ReportNote]
    daily: Sequence[DailyMentions] = ()
    themes: ThemeSummary | None = None
    config: KPIConfig = field(default_factory=KPIConfig)
    warnings: Sequence[str] = ()


def _metric(result: KPIResult, name: str) -> dict[str, Any]:
    entry = result.metrics[name].to_dict()
    comparisons = result.comparisons.get(name)
    if comparisons:
        entry["benchmarks"] = [c.to_dict() for c in comparisons]
    return entry


def _net(pos: int, neg: int) -> float | None:
    return round((pos - neg) / (pos + neg), 4) if pos + neg else None


def _sentiment_block(
    sentiment: Mapping[str, int], intents: Mapping[str, int], analyzed: int
) -> dict[str, Any]:
    pos, neg = int(sentiment.get("positive", 0)), int(sentiment.get("negative", 0))
    return {
        "comments_analyzed": analyzed,
        "sentiment_counts": {s: int(sentiment.get(s, 0)) for s in SENTIMENTS},
        "net_sentiment": _net(pos, neg),
        "positive_share": round(pos / analyzed, 4) if analyzed else None,
        "purchase_intent_share": round(intents.get("purchase_intent", 0) / analyzed, 4) if analyzed else None,
        "intent_counts": {i: int(intents.get(i, 0)) for i in INTENTS},
    }


def _sum_counts(rows: Sequence[Mapping[str, int]], labels: Sequence[str]) -> dict[str, int]:
    return {label: sum(int(r.get(label, 0)) for r in rows) for label in labels}


def _overview(data: CampaignReportInput, total: KPIResult) -> dict[str, Any]:
    kols = {n.kol_id for n in data.notes if n.kol_id}
    c = data.campaign
    return {
        "campaign": {
            "id": c.id,
            "name": c.name,
            "brand": c.brand,
            "start_date": c.start_date.isoformat() if c.start_date else None,
            "end_date": c.end_date.isoformat() if c.end_date else None,
            "currency": c.currency,
        },
        "notes": len(data.notes),
        "kols": len(kols),
        "metrics": {name: _metric(total, name) for name in OVERVIEW_METRICS},
        "attributed_sales": {
            "orders": _metric(total, "orders"),
            "revenue": _metric(total, "revenue"),
            "note": "orders and revenue as attributed per note in the campaign economics (promo codes, links)",
        },
        "emv_rates": None if total.emv_rates is None else total.emv_rates.to_dict(),
    }


def _kol_rows(data: CampaignReportInput, parts: Mapping[str, KPIInput]) -> list[dict[str, Any]]:
    notes = {n.note_id: n for n in data.notes}
    rows = []
    for kol_id, members, result in group_results(
        parts, lambda note_id: notes[note_id].kol_id or "unknown", data.config, label="kol"
    ):
        kol_notes = [notes[m] for m in members]
        rows.append(
            {
                "kol_id": kol_id,
                "kol_name": next((n.kol_name for n in kol_notes if n.kol_name), None),
                "tier": result.segment.tier,
                "notes": len(kol_notes),
                "metrics": {name: _metric(result, name) for name in KOL_METRICS},
                "brand_health": _sentiment_block(
                    _sum_counts([n.sentiment_counts for n in kol_notes], SENTIMENTS),
                    _sum_counts([n.intent_counts for n in kol_notes], INTENTS),
                    sum(n.comments_analyzed for n in kol_notes),
                ),
            }
        )

    def order(row: dict[str, Any]) -> tuple[int, str]:
        engagements = row["metrics"]["engagements"]["value"]
        return (-int(engagements or 0), str(row["kol_name"] or row["kol_id"]))

    rows.sort(key=order)
    return rows


def _save_rate(result: KPIResult) -> tuple[float | None, str]:
    by_views = result.metrics["save_rate_by_views"].value
    if by_views is not None:
        return float(by_views), "saves / views"
    by_impressions = result.metrics["save_rate"].value
    if by_impressions is not None:
        return float(by_impressions), "saves / impressions"
    return None, "unknown"


def _content(data: CampaignReportInput, parts: Mapping[str, KPIInput], top_n: int) -> dict[str, Any]:
    ranked = []
    for note in data.notes:
        result = compute(parts[note.note_id], data.config)
        rate, basis = _save_rate(result)
        block = _sentiment_block(note.sentiment_counts, note.intent_counts, note.comments_analyzed)
        ranked.append(
            {
                "note_id": note.note_id,
                "title": note.title,
                "kol_id": note.kol_id,
                "kol_name": note.kol_name,
                "published_at": note.published_at.isoformat() if note.published_at else None,
                "note_url": note.note_url,
                "save_rate": None if rate is None else round(rate, 4),
                "save_rate_basis": basis,
                "net_sentiment": block["net_sentiment"],
                "comments_analyzed": note.comments_analyzed,
                "engagements": result.metrics["engagements"].value,
                "views": result.metrics["views"].value,
                "metrics": {name: _metric(result, name) for name in KOL_METRICS},
            }
        )

    def key(row: dict[str, Any]) -> tuple[int, float, int, float, str]:
        rate, net = row["save_rate"], row["net_sentiment"]
        return (
            0 if rate is not None else 1,
            -(rate or 0.0),
            0 if net is not None else 1,
            -(net or 0.0),
            row["note_id"],
        )

    ranked.sort(key=key)
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position
    rated = [r for r in ranked if r["save_rate"] is not None]
    return {
        "rank_basis": "save rate (saves / views; saves / impressions when views are unknown), then net comment sentiment",
        "top": rated[:top_n],
        "bottom": list(reversed(rated[-top_n:])) if len(rated) > top_n else [],
        "unrated": [r for r in ranked if r["save_rate"] is None],
        "ranking": ranked,
    }


def _funnel(total: KPIResult) -> dict[str, Any]:
    steps = []
    for step in total.funnel:
        rate = step.rate.value
        steps.append(
            {
                **step.to_dict(),
                "drop_off": None if rate is None else round(1.0 - float(rate), 6),
            }
        )
    return {"stages": ["impressions", "clicks", "add_to_carts", "orders"], "steps": steps}


def _brand_health(data: CampaignReportInput) -> dict[str, Any]:
    daily = sorted(data.daily, key=lambda d: d.day)
    series = [
        {
            "date": d.day.isoformat(),
            "mentions": d.positive + d.neutral + d.negative,
            "positive": d.positive,
            "neutral": d.neutral,
            "negative": d.negative,
            "net_sentiment": _net(d.positive, d.negative),
        }
        for d in daily
    ]
    totals = {
        "positive": sum(d.positive for d in daily),
        "neutral": sum(d.neutral for d in daily),
        "negative": sum(d.negative for d in daily),
    }
    return {
        "daily": series,
        "totals": totals,
        "metrics": compute_brand_health(totals),
        "mention_definition": "a comment on one of the campaign's notes, dated by when it was posted (China time)",
    }


def _context(data: CampaignReportInput, parts: Mapping[str, KPIInput]) -> dict[str, Any]:
    groups = []
    for dimension in ("tier", "category"):
        for name, agg in group_by(parts, dimension, tiers=data.config.tiers).items():
            value = None if name == "unknown" else name
            segment_input = replace(agg, tier=value) if dimension == "tier" else replace(agg, category=value)
            result = compute(segment_input, data.config)
            groups.append(
                {
                    "dimension": dimension,
                    "group": name,
                    "notes": agg.parts,
                    "metrics": {m: _metric(result, m) for m in CONTEXT_METRICS},
                }
            )
    return {
        "groups": groups,
        "note": "benchmark ranges come from the XHS measurement frameworks (each with its source); "
        "a segment without a range has no comparison",
    }


def build_report(data: CampaignReportInput, *, top_n: int = 5) -> dict[str, Any]:
    """The JSON report (schema :data:`SCHEMA`): six sections plus themes and warnings."""
    if top_n < 1:
        raise ValueError(f"top_n={top_n} must be >= 1")
    warnings = list(data.warnings)
    parts = {n.note_id: n.metrics for n in data.notes}
    if parts:
        total = compute(aggregate(parts, tiers=data.config.tiers), data.config)
    else:
        total = compute(KPIInput(currency=data.campaign.currency), data.config)
        warnings.append("the campaign has no notes yet: import its economics (redlens_campaign CSV)")
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "currency": data.campaign.currency,
        "overview": _overview(data, total),
        "kol_breakdown": _kol_rows(data, parts) if parts else [],
        "content_performance": _content(data, parts, top_n),
        "funnel": _funnel(total),
        "brand_health": _brand_health(data),
        "competitive_context": _context(data, parts) if parts else {"groups": [], "note": "no notes"},
        "themes": data.themes.to_dict() if data.themes is not None else None,
        "warnings": warnings + list(total.warnings),
    }
    return report
