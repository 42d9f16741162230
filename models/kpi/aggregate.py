"""Aggregation of KPI inputs: per KOL, per campaign, and by tier, category or content format.

Aggregates add up raw counts and money and the KPIs are then recomputed from the sums, never
averaged from per-note rates (an average of rates gives a 50-like note the same weight as a
50,000-like one). Rules, each chosen so that a partial sum never passes for a total:

* A count is summed when every part has it; if any part lacks it the total is ``None`` and
  ``missing`` says which parts ("clicks missing for 2 of 5 notes: n3, n4").
* ``followers`` are summed per note, so "engagements / followers" of an aggregate is the
  audience-weighted per-note engagement rate, comparable with per-note tier benchmarks.
* ``followers_start`` (account growth) is not added over notes: it is ``None`` for aggregates.
* ``avg_watch_seconds`` is the views-weighted mean: sum(avg x views) / sum(views).
* Money must be in one currency among the parts that carry money
  (:class:`~models.kpi.metric.CurrencyMismatchError` otherwise). Cost components a part does not
  give count as 0 for it (as in :func:`~models.kpi.formulas.total_cost`); ``revenue`` must be
  given by every part that has money; ``ad_spend`` sums each part's ad spend or, where absent,
  its total cost; ``clv`` (per customer) is kept only when all parts agree.
* Tier, category, content format and content type are kept when all parts share one value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from models.kpi.formulas import total_cost
from models.kpi.inputs import COST_FIELDS, COUNT_FIELDS, SEGMENT_FIELDS, KPIInput
from models.kpi.metric import CurrencyMismatchError, KPIInputError
from models.kpi.tiers import DEFAULT_TIERS, TierScheme

__all__ = ["GROUP_KEYS", "aggregate", "effective_tier", "group_by"]

GROUP_KEYS = ("tier", "category", "content_format", "content_type")
UNKNOWN = "unknown"


def _listing(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def effective_tier(data: KPIInput, tiers: TierScheme = DEFAULT_TIERS) -> str | None:
    """The given tier, else the tier of ``followers`` for a single note or account, else ``None``."""
    if data.tier is not None:
        return data.tier
    if data.parts == 1 and data.followers is not None:
        return tiers.tier_for(data.followers)
    return None


def _currency(parts: Mapping[str, KPIInput]) -> str:
    with_money = {key: p.currency for key, p in parts.items() if p.has_money}
    pool = with_money or {key: p.currency for key, p in parts.items()}
    codes = sorted(set(pool.values()))
    if len(codes) > 1:
        by_code = {code: [k for k, c in pool.items() if c == code] for code in codes}
        detail = "; ".join(f"{code}: {_listing(keys)}" for code, keys in by_code.items())
        raise CurrencyMismatchError(
            f"cannot aggregate amounts in different currencies ({detail}): RedLens converts no "
            "currencies, so aggregate each currency separately"
        )
    return codes[0]


def aggregate(
    parts: Mapping[str, KPIInput], *, label: str = "notes", tiers: TierScheme = DEFAULT_TIERS
) -> KPIInput:
    """One input that sums ``parts`` (keyed by note, KOL or campaign id) by the module's rules."""
    if not parts:
        raise KPIInputError(f"nothing to aggregate: no {label} given")
    n = len(parts)
    missing: dict[str, str] = {}
    values: dict[str, Any] = {}

    for name in COUNT_FIELDS:
        if name == "followers_start":
            continue
        lacking = [key for key, p in parts.items() if getattr(p, name) is None]
        if lacking:
            values[name] = None
            missing[name] = f"{name} missing for {len(lacking)} of {n} {label}: {_listing(lacking)}"
        else:
            values[name] = sum(getattr(p, name) for p in parts.values())
    if n == 1:
        values["followers_start"] = next(iter(parts.values())).followers_start
    else:
        values["followers_start"] = None
        missing["followers_start"] = "follower growth is an account figure; it is not added over notes"

    lacking_watch = [k for k, p in parts.items() if p.avg_watch_seconds is None or p.views is None]
    if lacking_watch:
        values["avg_watch_seconds"] = None
        missing["avg_watch_seconds"] = (
            f"avg_watch_seconds or views missing for {len(lacking_watch)} of {n} {label}: "
            f"{_listing(lacking_watch)}"
        )
    else:
        total_views = sum(p.views or 0 for p in parts.values())
        if total_views == 0:
            values["avg_watch_seconds"] = None
            missing["avg_watch_seconds"] = f"views sum to 0 over the {label}: no watch time to average"
        else:
            watched = sum((p.avg_watch_seconds or 0.0) * (p.views or 0) for p in parts.values())
            values["avg_watch_seconds"] = watched / total_views

    currency = _currency(parts)
    money_parts = {key: p for key, p in parts.items() if p.has_money}
    for name in COST_FIELDS:
        amounts = [getattr(p, name) for p in money_parts.values() if getattr(p, name) is not None]
        values[name] = sum(amounts, Decimal(0)) if amounts else None
    lacking_revenue = [key for key, p in money_parts.items() if p.revenue is None]
    if not money_parts or len(lacking_revenue) == len(money_parts):
        values["revenue"] = None
    elif lacking_revenue:
        values["revenue"] = None
        missing["revenue"] = (
            f"revenue missing for {len(lacking_revenue)} of {len(money_parts)} {label} with money: "
            f"{_listing(lacking_revenue)}"
        )
    else:
        values["revenue"] = sum(
            (p.revenue for p in money_parts.values() if p.revenue is not None), Decimal(0)
        )
    if any(p.ad_spend is not None for p in money_parts.values()):
        spend = Decimal(0)
        for key, p in money_parts.items():
            if p.ad_spend is not None:
                spend += p.ad_spend
                continue
            cost = total_cost(p.fee, p.product_cost, p.paid_media, p.agency_cost, currency=p.currency)
            if not isinstance(cost.value, Decimal):
                raise KPIInputError(f"{key}: ad_spend not given and no cost to stand in for it")
            spend += cost.value
        values["ad_spend"] = spend
    else:
        values["ad_spend"] = None
    clvs = {p.clv for p in money_parts.values() if p.clv is not None}
    if len(clvs) == 1:
        values["clv"] = clvs.pop()
    else:
        values["clv"] = None
        if len(clvs) > 1:
            missing["clv"] = f"clv differs between the {label}: CLV is per customer and is not added up"

    for name in SEGMENT_FIELDS:
        if name == "tier":
            found = {effective_tier(p, tiers) for p in parts.values()}
        else:
            found = {getattr(p, name) for p in parts.values()}
        if len(found) == 1:
            values[name] = found.pop()
        else:
            values[name] = None
            shown = sorted(str(v) if v is not None else UNKNOWN for v in found)
            missing[name] = f"mixed {name}: {', '.join(shown)}"

    return KPIInput(
        currency=currency,
        parts=sum(p.parts for p in parts.values()),
        missing=missing,
        **values,
    )


def group_by(
    parts: Mapping[str, KPIInput],
    key: str | Callable[[str, KPIInput], str | None],
    *,
    label: str = "notes",
    tiers: TierScheme = DEFAULT_TIERS,
) -> dict[str, KPIInput]:
    """Aggregate ``parts`` per group. ``key`` is one of :data:`GROUP_KEYS` or a function of
    (id, input); parts without a value go to the group ``"unknown"``. Groups come out sorted."""
    key_fn: Callable[[str, KPIInput], str | None]
    if isinstance(key, str):
        if key not in GROUP_KEYS:
            raise KPIInputError(f"cannot group by {key!r}: use one of {list(GROUP_KEYS)}")
        field_name = key

        def by_field(_: str, data: KPIInput) -> str | None:
            if field_name == "tier":
                return effective_tier(data, tiers)
            value = getattr(data, field_name)
            return None if value is None else str(value)

        key_fn = by_field
    else:
        key_fn = key
    groups: dict[str, dict[str, KPIInput]] = {}
    for part_id, data in parts.items():
        groups.setdefault(key_fn(part_id, data) or UNKNOWN, {})[part_id] = data
    return {name: aggregate(groups[name], label=label, tiers=tiers) for name in sorted(groups)}
