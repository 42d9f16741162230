"""The input of the KPI engine (:class:`KPIInput`) and the workspace settings (:class:`KPIConfig`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Final

from typing_extensions import TypedDict  # pydantic reads only this TypedDict on Python < 3.12

from models.benchmarks import (
    BenchmarkError,
    BenchmarkTable,
    normalize_category,
    normalize_content_format,
    normalize_content_type,
)
from models.kpi.formulas import DEFAULT_EMV_RATES, DEFAULT_QUALITY_WEIGHTS, EmvRates, QualityWeights
from models.kpi.metric import KPIInputError, Money, check_count, currency_code, to_decimal
from models.kpi.tiers import DEFAULT_TIERS, TierScheme

__all__ = [
    "COST_FIELDS",
    "COUNT_FIELDS",
    "ECONOMICS_COLUMNS",
    "ECONOMICS_COUNTS",
    "ECONOMICS_MONEY",
    "ECONOMICS_OPTIONAL",
    "MONEY_FIELDS",
    "NOTE_METRICS_COLUMNS",
    "NOTE_METRICS_OPTIONAL",
    "NOTE_METRIC_COUNTS",
    "NOTE_SEGMENT_COLUMNS",
    "SEGMENT_FIELDS",
    "KPIConfig",
    "KPIInput",
    "KPIInputJSON",
]

COUNT_FIELDS: Final = (
    "followers",
    "followers_start",
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "saves",
    "shares",
    "follows",
    "completions",
    "clicks",
    "add_to_carts",
    "orders",
    "new_customers",
)
COST_FIELDS: Final = ("fee", "product_cost", "paid_media", "agency_cost")
MONEY_FIELDS: Final = (*COST_FIELDS, "revenue", "ad_spend", "clv")
SEGMENT_FIELDS: Final = ("tier", "category", "content_format", "content_type")

# The metric column vocabulary of RedLens's own files, defined here once and imported by the
# ingest formats and loader, the simulator and ``redlens kpis`` (service/ingest/FORMATS.md).

#: Counts every note-metrics snapshot carries (``redlens_note_metrics``, ``note_metrics_snapshot``).
NOTE_METRIC_COUNTS: Final = (
    "impressions",
    "reach",
    "views",
    "likes",
    "saves",
    "comments",
    "shares",
    "follows",
)
#: Columns of a note-metrics snapshot file: one row per note and date (a day or a moment).
NOTE_METRICS_COLUMNS: Final = ("note_id", "kol_id", "date", *NOTE_METRIC_COUNTS)
NOTE_METRICS_OPTIONAL: Final = ("completions", "avg_watch_seconds", "clicks")
#: Read from a note-metrics file by the KPI report (account size, publication, benchmark segment).
NOTE_SEGMENT_COLUMNS: Final = ("followers", "published_at", *SEGMENT_FIELDS)
#: Campaign economics: one row per campaign and note, money in ``currency``.
ECONOMICS_MONEY: Final = (*COST_FIELDS, "revenue")
ECONOMICS_COUNTS: Final = ("clicks", "add_to_carts", "orders", "new_customers")
ECONOMICS_COLUMNS: Final = (
    "campaign",
    "note_id",
    "kol_id",
    "fee",
    "product_cost",
    "paid_media",
    "promo_code",
    "clicks",
    "add_to_carts",
    "orders",
    "revenue",
    "new_customers",
    "currency",
)
ECONOMICS_OPTIONAL: Final = ("agency_cost",)


class KPIInputJSON(TypedDict, total=False):
    """The JSON body of ``POST /v1/kpis``: every key optional, same meaning as :class:`KPIInput`.

    Pydantic validates and documents it directly (``TypeAdapter(KPIInputJSON)``); money may come as
    a decimal string ("1200.50", exact) or a number. Pass the parsed dict to
    :meth:`KPIInput.from_dict`.
    """

    followers: int | None
    followers_start: int | None
    impressions: int | None
    reach: int | None
    views: int | None
    likes: int | None
    comments: int | None
    saves: int | None
    shares: int | None
    follows: int | None
    completions: int | None
    clicks: int | None
    add_to_carts: int | None
    orders: int | None
    new_customers: int | None
    avg_watch_seconds: float | None
    currency: str
    fee: Decimal | None
    product_cost: Decimal | None
    paid_media: Decimal | None
    agency_cost: Decimal | None
    revenue: Decimal | None
    ad_spend: Decimal | None
    clv: Decimal | None
    tier: str | None
    category: str | None
    content_format: str | None
    content_type: str | None


@dataclass(frozen=True, slots=True)
class KPIInput:
    """Raw numbers for one note, KOL, campaign or group. Every field is optional: a KPI whose inputs
    are missing comes out undefined with a reason.

    Counts (whole numbers >= 0)
        ``followers`` (of the account when the note ran; summed over notes in aggregates, so that
        aggregate engagement rates are audience-weighted per-note rates, comparable with per-note
        benchmarks), ``followers_start`` (account followers at the start of a period, for growth),
        ``impressions`` (曝光), ``reach`` (unique people), ``views`` (opens / plays, 阅读/观看),
        ``likes``, ``comments``, ``saves`` (收藏), ``shares``, ``follows`` (new followers from the
        note, 涨粉), ``completions`` (video plays to the end), ``clicks`` (link or product clicks),
        ``add_to_carts``, ``orders`` (attributed purchases, each order once), ``new_customers``.
    Video
        ``avg_watch_seconds`` (人均观看时长, seconds >= 0).
    Money (``Decimal``; ints, decimal strings and floats are converted; >= 0), all in ``currency``
        ``fee``, ``product_cost``, ``paid_media``, ``agency_cost``, ``revenue``, ``ad_spend``
        (ROAS denominator; defaults to total cost), ``clv`` (customer lifetime value, per customer).
    Segment (for benchmarks and grouping)
        ``tier`` (overrides the tier from ``followers``), ``category`` (beauty, skincare, ...;
        美妆/护肤 accepted), ``content_format`` (video or image; 视频/图文 accepted),
        ``content_type`` (e.g. tutorial; 教程 accepted).
    Set by aggregation
        ``parts`` (how many notes this input sums) and ``missing`` (why a field is ``None``).
    """

    followers: int | None = None
    followers_start: int | None = None
    impressions: int | None = None
    reach: int | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    saves: int | None = None
    shares: int | None = None
    follows: int | None = None
    completions: int | None = None
    clicks: int | None = None
    add_to_carts: int | None = None
    orders: int | None = None
    new_customers: int | None = None
    avg_watch_seconds: float | None = None
    currency: str = "CNY"
    fee: Decimal | None = None
    product_cost: Decimal | None = None
    paid_media: Decimal | None = None
    agency_cost: Decimal | None = None
    revenue: Decimal | None = None
    ad_spend: Decimal | None = None
    clv: Decimal | None = None
    tier: str | None = None
    category: str | None = None
    content_format: str | None = None
    content_type: str | None = None
    parts: int = 1
    missing: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in COUNT_FIELDS:
            check_count(name, getattr(self, name))
        for name in MONEY_FIELDS:
            object.__setattr__(self, name, to_decimal(name, getattr(self, name)))
        object.__setattr__(self, "currency", currency_code(self.currency))
        watch = self.avg_watch_seconds
        if watch is not None:
            if isinstance(watch, bool) or not isinstance(watch, int | float | Decimal):
                raise KPIInputError(f"avg_watch_seconds={watch!r} is not a number of seconds")
            watch = float(watch)
            if not math.isfinite(watch) or watch < 0:
                raise KPIInputError(f"avg_watch_seconds={watch!r} must be a finite number of seconds >= 0")
            object.__setattr__(self, "avg_watch_seconds", watch)
        try:
            object.__setattr__(self, "category", normalize_category(self.category))
            object.__setattr__(self, "content_format", normalize_content_format(self.content_format))
            object.__setattr__(self, "content_type", normalize_content_type(self.content_type))
        except BenchmarkError as exc:
            raise KPIInputError(str(exc)) from None
        if self.tier is not None:
            if not isinstance(self.tier, str) or not self.tier.strip():
                raise KPIInputError(f"tier={self.tier!r} must be a tier name such as micro or mid")
            object.__setattr__(self, "tier", self.tier.strip().lower())
        if isinstance(self.parts, bool) or not isinstance(self.parts, int) or self.parts < 1:
            raise KPIInputError(f"parts={self.parts!r} must be a whole number >= 1")
        object.__setattr__(self, "missing", dict(self.missing))

    @classmethod
    def from_dict(cls, data: KPIInputJSON | Mapping[str, Any]) -> KPIInput:
        """Build from a JSON object (API body); unknown keys are refused by name."""
        allowed = {f.name for f in fields(cls)} - {"parts", "missing"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise KPIInputError(f"unknown field(s) {unknown}: accepted fields are {sorted(allowed)}")
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable echo (money as decimal strings)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decimal):
                value = format(value, "f")
            elif f.name == "missing":
                value = dict(value)
            out[f.name] = value
        return out

    @property
    def has_money(self) -> bool:
        return any(getattr(self, name) is not None for name in MONEY_FIELDS)

    def money(self, name: str) -> Money | None:
        value = getattr(self, name)
        return None if value is None else Money(value, self.currency)


def _default_emv_rates() -> dict[str, EmvRates]:
    return {DEFAULT_EMV_RATES.currency: DEFAULT_EMV_RATES}


@dataclass(frozen=True)
class KPIConfig:
    """Workspace settings of the KPI engine.

    ``emv_rates`` maps a currency code to that currency's rate card (a note in USD needs a USD
    card; without one its EMV is undefined, never converted). ``benchmarks`` ``None`` means the
    shipped table; pass ``BenchmarkTable([])`` to switch comparisons off.
    """

    emv_rates: Mapping[str, EmvRates] = field(default_factory=_default_emv_rates)
    tiers: TierScheme = DEFAULT_TIERS
    quality_weights: QualityWeights = DEFAULT_QUALITY_WEIGHTS
    benchmarks: BenchmarkTable | None = None

    def __post_init__(self) -> None:
        for code, rates in self.emv_rates.items():
            if currency_code(code, field="emv_rates key") != rates.currency:
                raise KPIInputError(
                    f"EMV rate card filed under {code!r} is in {rates.currency}: key it by its own currency"
                )

    @classmethod
    def with_emv_rates(cls, *cards: EmvRates, **kwargs: Any) -> KPIConfig:
        """Config whose EMV rate cards are exactly ``cards`` (one per currency)."""
        return cls(emv_rates={card.currency: card for card in cards}, **kwargs)
