"""Brand health, the fourth layer of the XHS dashboard: mentions, sentiment, share of voice, search lift.

Mention counts by sentiment come from the comment classifier (labels ``positive``, ``neutral``,
``negative`` of :mod:`models.labels`); competitor mentions and branded-search counts come from the
brand's own tracking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from models.kpi import formulas as f
from models.kpi.metric import KPIInputError, Metric, check_count

__all__ = ["BrandHealthInput", "brand_health_metrics", "compute_brand_health"]


@dataclass(frozen=True, slots=True)
class BrandHealthInput:
    """Mention counts of the brand by sentiment, competitors' mentions, branded searches."""

    positive: int
    neutral: int
    negative: int
    competitor_mentions: Mapping[str, int] = field(default_factory=dict)
    branded_searches_before: int | None = None
    branded_searches_after: int | None = None

    def __post_init__(self) -> None:
        for name in ("positive", "neutral", "negative", "branded_searches_before", "branded_searches_after"):
            check_count(name, getattr(self, name))
        for brand, count in self.competitor_mentions.items():
            if not isinstance(brand, str) or not brand.strip():
                raise KPIInputError(f"competitor name {brand!r} must be non-empty text")
            check_count(f"competitor_mentions[{brand!r}]", count)
        object.__setattr__(self, "competitor_mentions", dict(self.competitor_mentions))


def brand_health_metrics(data: BrandHealthInput) -> dict[str, Metric]:
    volume = f.mention_volume(data.positive, data.neutral, data.negative)
    if data.competitor_mentions:
        all_mentions: int | None = (
            data.positive + data.neutral + data.negative + sum(data.competitor_mentions.values())
        )
        sov = f.share_of_voice(volume, all_mentions)
    else:
        sov = Metric.undefined(
            "share_of_voice",
            unit="fraction",
            formula="share_of_voice",
            expression="own mentions / all tracked brands' mentions",
            reason="no competitor mentions tracked",
        )
    return {
        "mention_volume": volume,
        "net_sentiment": f.net_sentiment(data.positive, data.negative),
        "positive_share": f.positive_share(data.positive, data.neutral, data.negative),
        "share_of_voice": sov,
        "branded_search_lift": f.branded_search_lift(
            data.branded_searches_before, data.branded_searches_after
        ),
    }


def compute_brand_health(data: BrandHealthInput | Mapping[str, Any]) -> dict[str, Any]:
    """JSON-serialisable brand-health metrics (each with value, unit, formula, reason)."""
    if not isinstance(data, BrandHealthInput):
        known = {
            "positive",
            "neutral",
            "negative",
            "competitor_mentions",
            "branded_searches_before",
            "branded_searches_after",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise KPIInputError(f"unknown field(s) {unknown}: accepted fields are {sorted(known)}")
        data = BrandHealthInput(**dict(data))
    return {
        "layer": "brand_health",
        "metrics": {name: metric.to_dict() for name, metric in brand_health_metrics(data).items()},
    }
