"""Commenter regions: the ``ip_location`` XHS shows under each comment, aggregated per KOL.

XHS shows a province for mainland commenters (``广东``), ``中国香港`` / ``中国澳门`` / ``中国台湾``,
a country name abroad (``美国``), and sometimes nothing or ``未知``. :func:`place_of` sorts a raw
value into a mainland province, a place outside the mainland tier list (Hong Kong, Macau, Taiwan,
foreign countries: bucket :data:`OUTSIDE`) or unknown.

:func:`commenter_regions` counts each commenter once (its latest known location), so a fan who
comments fifty times weighs as much as one who comments once, and states the coverage: the share of
commenters with a known location. City tiers are derived from provinces with the population method
of ``province_tiers.csv`` (its header says the sources and their years): a commenter in 广东
counts 28.8% tier 1, 15.8% new tier 1 and 55.4% tier 2 and below.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

TIER_FILE: Final = "province_tiers.csv"
OUTSIDE: Final = "outside_mainland"
#: City-tier buckets derivable from a province (the platform's finer tiers collapse onto these).
DERIVED_TIERS: Final = ("tier1", "new_tier1", "tier2_below")
UNKNOWN_VALUES: Final = frozenset({"", "未知", "unknown", "其他", "中国", "none", "null", "-"})
_OUTSIDE_PREFIXES: Final = ("中国香港", "中国澳门", "中国台湾", "香港", "澳门", "台湾")
_SUFFIXES: Final = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True)
class ProvinceTiers:
    """One province's population (millions) and the part living in tier-1 and new-tier-1 cities;
    ``population`` is the census bulletin's resident count in persons."""

    province: str
    population_m: float
    tier1_m: float
    new_tier1_m: float
    population: int

    def shares(self) -> dict[str, float]:
        tier1 = self.tier1_m / self.population_m
        new_tier1 = self.new_tier1_m / self.population_m
        return {"tier1": tier1, "new_tier1": new_tier1, "tier2_below": max(0.0, 1.0 - tier1 - new_tier1)}


@cache
def province_tiers() -> dict[str, ProvinceTiers]:
    """The shipped province table (read once)."""
    text = resources.files("models.market").joinpath(TIER_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    out: dict[str, ProvinceTiers] = {}
    for row in csv.DictReader(lines):
        out[row["province"]] = ProvinceTiers(
            row["province"],
            float(row["population_m"]),
            float(row["tier1_population_m"]),
            float(row["new_tier1_population_m"]),
            int(row["population"]),
        )
    return out


def normalize_province(value: Any) -> str | None:
    """``广东省`` -> ``广东``; ``None`` for text that is not a mainland province."""
    text = str(value or "").strip()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text if text in province_tiers() else None


def place_of(ip_location: Any) -> str | None:
    """A mainland province, :data:`OUTSIDE` (HK, Macau, Taiwan, abroad) or ``None`` (unknown)."""
    text = str(ip_location or "").strip()
    if text.lower() in UNKNOWN_VALUES:
        return None
    province = normalize_province(text)
    if province is not None:
        return province
    if text.startswith(_OUTSIDE_PREFIXES) or not text.startswith("中国"):
        return OUTSIDE
    return None


def tiers_of(province_shares: Mapping[str, float]) -> dict[str, float]:
    """City-tier shares of an audience spread over provinces (shares of mainland commenters)."""
    table = province_tiers()
    total = sum(v for p, v in province_shares.items() if p in table)
    out = dict.fromkeys(DERIVED_TIERS, 0.0)
    if total <= 0:
        return out
    for province, share in province_shares.items():
        if province in table:
            for tier, part in table[province].shares().items():
                out[tier] += share / total * part
    return out


@dataclass
class RegionSummary:
    """Commenter regions of one KOL: shares of commenters with a known place, and the coverage."""

    commenters: int
    located: int
    provinces: dict[str, float] = field(default_factory=dict)
    outside_mainland: float = 0.0
    city_tiers: dict[str, float] = field(default_factory=dict)

    @property
    def coverage(self) -> float | None:
        return self.located / self.commenters if self.commenters else None

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "coverage": self.coverage,
            "city_tier_method": "province population share in tier-1 / new-tier-1 cities (2023 list, 2020 census)",
        }


def commenter_regions(commenters: Iterable[tuple[str, Any]]) -> RegionSummary:
    """Regions of ``(commenter key, ip_location)`` pairs in time order (later places win).

    Provinces and ``outside_mainland`` are shares of located commenters (they sum to 1);
    ``city_tiers`` are shares of mainland commenters.
    """
    latest: dict[str, str | None] = {}
    for key, raw in commenters:
        place = place_of(raw)
        if place is not None or key not in latest:
            latest[key] = place
    located = [p for p in latest.values() if p is not None]
    summary = RegionSummary(commenters=len(latest), located=len(located))
    if not located:
        return summary
    counts: dict[str, int] = {}
    for place in located:
        counts[place] = counts.get(place, 0) + 1
    outside = counts.pop(OUTSIDE, 0)
    summary.outside_mainland = outside / len(located)
    summary.provinces = {p: n / len(located) for p, n in sorted(counts.items(), key=lambda kv: -kv[1])}
    summary.city_tiers = tiers_of(summary.provinces)
    return summary
