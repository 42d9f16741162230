"""KPI benchmark ranges by tier, category, content format and content type, and comparisons.

The table ships as ``models/kpi_benchmarks.json`` (every row carries a ``source`` note) and loads
lazily on first use. A workspace can replace it with its own table (:meth:`BenchmarkTable.from_dict`).

Matching: a row's ``None`` dimension matches any value; among matching rows only the most specific
(most non-``None`` dimensions) are used, so a beauty tutorial is held to the tutorial range, not to
the general beauty one. The table is the one truth for a range: two rows for the same metric and
segment are refused, so the verdict's reasons, the vetting page's charts and the authenticity
score's engagement bands (:func:`engagement_band`) all read the same range.

A comparison's verdict is ``below`` (value < low), ``within`` (low <= value <= high) or ``above``
(value > high); an open range (``high`` is ``None``) has no ``above``.

This module imports nothing from :mod:`models.kpi` so both can use it without cycles; the segment
normalisers (Chinese aliases such as 美妆, 视频, 教程) live here for the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

__all__ = [
    "BENCHMARK_FILE",
    "CONTENT_FORMATS",
    "ENGAGEMENT_RATE",
    "BenchmarkError",
    "BenchmarkRow",
    "BenchmarkTable",
    "Comparison",
    "Segment",
    "Verdict",
    "default_benchmarks",
    "engagement_band",
    "normalize_category",
    "normalize_content_format",
    "normalize_content_type",
    "verdict",
]

BENCHMARK_FILE: Final = "kpi_benchmarks.json"

Verdict = Literal["below", "within", "above"]

CONTENT_FORMATS: Final = ("video", "image")

_FORMAT_ALIASES: Final = {
    "video": "video",
    "视频": "video",
    "视频笔记": "video",
    "image": "image",
    "图文": "image",
    "图文笔记": "image",
    "normal": "image",
    "note": "image",
}

_CATEGORY_ALIASES: Final = {
    "美妆": "beauty",
    "彩妆": "beauty",
    "makeup": "beauty",
    "护肤": "skincare",
    "skin care": "skincare",
    "skin_care": "skincare",
    "skin-care": "skincare",
}

_CONTENT_TYPE_ALIASES: Final = {"教程": "tutorial", "tutorials": "tutorial", "how-to": "tutorial"}


class BenchmarkError(ValueError):
    """A benchmark table that cannot be used (bad row, missing source)."""


def _clean(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BenchmarkError(f"{field}={value!r} must be text")
    text = " ".join(value.split()).lower()
    return text or None


def normalize_content_format(value: object) -> str | None:
    """``video`` or ``image`` (XHS 图文) from English or Chinese spellings; ``None`` stays ``None``."""
    text = _clean(value, "content_format")
    if text is None:
        return None
    try:
        return _FORMAT_ALIASES[text]
    except KeyError:
        raise BenchmarkError(
            f"content_format={value!r} is not known: use video (视频) or image (图文)"
        ) from None


def normalize_category(value: object) -> str | None:
    """Lower-case category with Chinese aliases mapped (美妆 -> beauty, 护肤 -> skincare)."""
    text = _clean(value, "category")
    return None if text is None else _CATEGORY_ALIASES.get(text, text)


def normalize_content_type(value: object) -> str | None:
    """Lower-case content type with aliases mapped (教程 -> tutorial)."""
    text = _clean(value, "content_type")
    return None if text is None else _CONTENT_TYPE_ALIASES.get(text, text)


@dataclass(frozen=True, slots=True)
class Segment:
    """What a KPI result is about, for benchmark matching. ``None`` means unknown or mixed."""

    tier: str | None = None
    category: str | None = None
    content_format: str | None = None
    content_type: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "tier": self.tier,
            "category": self.category,
            "content_format": self.content_format,
            "content_type": self.content_type,
        }


_DIMENSIONS: Final = ("tier", "category", "content_format", "content_type")


@dataclass(frozen=True, slots=True)
class BenchmarkRow:
    metric: str
    low: float
    high: float | None
    source: str
    tier: str | None = None
    category: str | None = None
    content_format: str | None = None
    content_type: str | None = None
    #: the source note in Simplified Chinese, for the pages (not part of :meth:`to_dict`)
    source_zh: str | None = None

    def __post_init__(self) -> None:
        if not self.source or not self.source.strip():
            raise BenchmarkError(f"benchmark row for {self.metric!r} has no source note")
        if self.high is not None and self.high < self.low:
            raise BenchmarkError(
                f"benchmark row for {self.metric!r}: high {self.high} is below low {self.low}"
            )

    def matches(self, segment: Segment) -> bool:
        return all(getattr(self, d) is None or getattr(self, d) == getattr(segment, d) for d in _DIMENSIONS)

    @property
    def specificity(self) -> int:
        return sum(getattr(self, d) is not None for d in _DIMENSIONS)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["source_zh"]
        return out


def verdict(value: float, low: float, high: float | None) -> Verdict:
    """``below`` / ``within`` / ``above`` the inclusive range ``[low, high]`` (``high`` None: open)."""
    if value < low:
        return "below"
    if high is not None and value > high:
        return "above"
    return "within"


@dataclass(frozen=True, slots=True)
class Comparison:
    """A metric value against one benchmark row; ``verdict`` is ``None`` when the value is undefined."""

    metric: str
    value: float | None
    verdict: Verdict | None
    row: BenchmarkRow

    def to_dict(self) -> dict[str, Any]:
        out = self.row.to_dict()
        for key in ("metric", "low", "high"):
            del out[key]
        return {"verdict": self.verdict, "range": [self.row.low, self.row.high], **out}


class BenchmarkTable:
    """Benchmark rows with lookup by metric and segment."""

    def __init__(self, rows: Iterable[BenchmarkRow]) -> None:
        self.rows: tuple[BenchmarkRow, ...] = tuple(rows)
        seen: dict[tuple[str | None, ...], BenchmarkRow] = {}
        for row in self.rows:
            key = (row.metric, *(getattr(row, d) for d in _DIMENSIONS))
            if key in seen:
                raise BenchmarkError(
                    f"two benchmark rows for {row.metric!r} and the same segment "
                    f"{dict(zip(_DIMENSIONS, key[1:], strict=True))}: {seen[key].low}-{seen[key].high} and "
                    f"{row.low}-{row.high}; keep one range per segment"
                )
            seen[key] = row

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchmarkTable:
        """Build from the JSON layout of ``kpi_benchmarks.json`` (``{"rows": [...]}``)."""
        raw_rows = data.get("rows")
        if not isinstance(raw_rows, list):
            raise BenchmarkError('a benchmark table needs a "rows" list')
        rows = []
        for index, raw in enumerate(raw_rows):
            if not isinstance(raw, Mapping):
                raise BenchmarkError(f"benchmark row {index} is not an object")
            unknown = set(raw) - {"metric", "low", "high", "source", "source_zh", *_DIMENSIONS}
            if unknown:
                raise BenchmarkError(f"benchmark row {index} has unknown keys {sorted(unknown)}")
            try:
                low = float(raw["low"])
                high = None if raw.get("high") is None else float(raw["high"])
                metric = str(raw["metric"])
                source = str(raw["source"])
            except (KeyError, TypeError, ValueError) as exc:
                raise BenchmarkError(f"benchmark row {index}: {exc!r}; needs metric, low, source") from None
            rows.append(
                BenchmarkRow(
                    metric=metric,
                    low=low,
                    high=high,
                    source=source,
                    tier=_clean(raw.get("tier"), "tier"),
                    category=normalize_category(raw.get("category")),
                    content_format=normalize_content_format(raw.get("content_format")),
                    content_type=normalize_content_type(raw.get("content_type")),
                    source_zh=None if raw.get("source_zh") is None else str(raw["source_zh"]),
                )
            )
        return cls(rows)

    @property
    def metrics(self) -> frozenset[str]:
        return frozenset(row.metric for row in self.rows)

    def rows_for(self, metric: str, segment: Segment) -> list[BenchmarkRow]:
        """The most specific rows for ``metric`` that match ``segment`` (file order among ties)."""
        matching = [row for row in self.rows if row.metric == metric and row.matches(segment)]
        if not matching:
            return []
        best = max(row.specificity for row in matching)
        return [row for row in matching if row.specificity == best]

    def compare(self, metric: str, value: float | None, segment: Segment) -> list[Comparison]:
        """Compare ``value`` with every most-specific row; no rows gives an empty list."""
        return [
            Comparison(metric, value, None if value is None else verdict(value, row.low, row.high), row)
            for row in self.rows_for(metric, segment)
        ]

    def range_for(self, metric: str, segment: Segment) -> BenchmarkRow | None:
        """The one range that applies: the first of the most specific matching rows."""
        rows = self.rows_for(metric, segment)
        return rows[0] if rows else None


ENGAGEMENT_RATE: Final = "engagement_rate_by_followers"


def engagement_band(tier: str, table: BenchmarkTable | None = None) -> BenchmarkRow | None:
    """The engagement-rate range of a follower tier (any category, format and type)."""
    return (table or default_benchmarks()).range_for(ENGAGEMENT_RATE, Segment(tier=tier))


@cache
def default_benchmarks() -> BenchmarkTable:
    """The shipped table (read once, on first call)."""
    text = resources.files("models").joinpath(BENCHMARK_FILE).read_text(encoding="utf-8")
    return BenchmarkTable.from_dict(json.loads(text))
