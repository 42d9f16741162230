"""Every KPI formula as a pure function returning a :class:`~models.kpi.metric.Metric`.

Conventions shared by all of them:

* Rates are fractions (0.053 means 5.3 %). Money is ``Decimal`` with a currency.
* A missing input (``None``) or a zero denominator gives an *undefined* metric with a reason,
  never 0 or infinity.
* Operands may be plain numbers or the Metric of another formula; an undefined operand makes the
  result undefined and its reason is carried along.
* Counts must be whole numbers >= 0 and amounts >= 0; anything else raises
  :class:`~models.kpi.metric.KPIInputError` naming the field.
* Rates that cannot exceed 100 % by construction (one like per person, one open per impression,
  a funnel step is a subset of the step before) are *bounded*: if the numerator exceeds the
  denominator the counts are inconsistent and the metric is undefined with that reason, rather
  than a 140 % like rate reaching a brand. Rates an audience can push past 1 (engagements per
  follower on a note that travelled beyond the followers, several comments per person) are not.

Sources: the XHS four-layer KOL dashboard (reach; engagement and content quality; conversion;
brand health) and the common influencer KPI set (ER, CPM/CPC/CPE/CPA/CAC, ROI, ROAS, EMV).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from models.kpi.metric import (
    MONEY_PLACES,
    UNIT_COST_PLACES,
    CurrencyMismatchError,
    KPIInputError,
    Metric,
    Money,
    Number,
    Operand,
    check_count,
    currency_code,
    quantize,
    resolve,
    to_decimal,
)

__all__ = [
    "CES_WEIGHTS",
    "DEFAULT_EMV_RATES",
    "DEFAULT_QUALITY_WEIGHTS",
    "EmvRates",
    "FunnelStep",
    "QualityWeights",
    "add_to_cart_rate",
    "average_watch_time",
    "branded_search_lift",
    "cac",
    "ces_score",
    "clv_to_cac",
    "comment_rate",
    "completion_rate",
    "content_quality_score",
    "count",
    "cover_ctr",
    "cpa",
    "cpc",
    "cpe",
    "cpm",
    "ctr",
    "cvr",
    "emv",
    "emv_return",
    "engagement_rate_by_followers",
    "engagement_rate_by_impressions",
    "engagement_rate_by_reach",
    "engagements",
    "follower_conversion_rate",
    "follower_growth_net",
    "follower_growth_rate",
    "frequency",
    "funnel",
    "like_rate",
    "mention_volume",
    "net_sentiment",
    "positive_share",
    "ratio",
    "reach_rate",
    "roas",
    "roi",
    "save_rate",
    "save_rate_by_views",
    "share_of_voice",
    "share_rate",
    "total_cost",
    "ugc_lift",
]

FRACTION: Final = "fraction"
RATIO: Final = "ratio"
COUNT: Final = "count"


# --------------------------------------------------------------------------------------------
# helpers


def _validated(label: str, operand: Operand) -> Operand:
    """Reject negative or fractional raw counts; Metrics and Money pass through."""
    if isinstance(operand, int) and not isinstance(operand, bool):
        check_count(label, operand)
    elif isinstance(operand, bool | float | Decimal):
        raise KPIInputError(f"{label}={operand!r} is not a whole number: counts must be integers >= 0")
    return operand


def ratio(
    name: str,
    numerator: Operand,
    denominator: Operand,
    *,
    num_label: str,
    den_label: str,
    expression: str,
    formula: str | None = None,
    unit: str = FRACTION,
    bounded: bool = False,
    note: str | None = None,
    counts: bool = True,
) -> Metric:
    """``numerator / denominator`` as a float, or undefined with the first reason that applies.

    The shared rule of every rate: a missing operand or a zero denominator gives an undefined
    metric with a reason; ``bounded`` rates whose numerator exceeds the denominator are undefined
    too. ``counts`` checks raw operands as whole numbers >= 0.
    """
    if counts:
        numerator = _validated(num_label, numerator)
        denominator = _validated(den_label, denominator)
    formula = formula or name
    num, num_reason = resolve(num_label, numerator)
    den, den_reason = resolve(den_label, denominator)
    reason = num_reason or den_reason
    if reason is None and den == 0:
        reason = f"{den_label} is 0, so {name} is undefined"
    if reason is None and bounded and num is not None and den is not None and num > den:
        reason = (
            f"{num_label} ({num}) exceed {den_label} ({den}): the counts are inconsistent, "
            f"{name} cannot be above 100 %"
        )
    if reason is not None or num is None or den is None:
        return Metric.undefined(
            name, unit=unit, formula=formula, expression=expression, reason=reason or "", note=note
        )
    if isinstance(num, Decimal) or isinstance(den, Decimal):
        value = float(Decimal(num) / Decimal(den))
    else:
        value = num / den
    return Metric(name, value, unit, formula, expression, note=note)


def _rate(
    name: str, num_label: str, numerator: Operand, den_label: str, denominator: Operand, **options: Any
) -> Metric:
    """:func:`ratio` of two raw counts named by their labels; the expression defaults to ``num / den``."""
    options.setdefault("expression", f"{num_label} / {den_label}")
    return ratio(name, numerator, denominator, num_label=num_label, den_label=den_label, **options)


def _resolved_counts(operands: dict[str, Operand]) -> tuple[dict[str, Number], str | None]:
    """Each raw count checked and resolved by label, or ``({}, reason)`` for the first missing one."""
    values: dict[str, Number] = {}
    for label, operand in operands.items():
        value, reason = resolve(label, _validated(label, operand))
        if reason is not None or value is None:
            return {}, reason or ""
        values[label] = value
    return values, None


def _weighted_count(
    name: str, terms: dict[str, tuple[Operand, int]], expression: str, *, unit: str = COUNT
) -> Metric:
    """Sum of ``weight x count`` over named raw counts; undefined if any count is missing."""
    values, reason = _resolved_counts({label: operand for label, (operand, _) in terms.items()})
    if reason is not None:
        return Metric.undefined(name, unit=unit, formula=name, expression=expression, reason=reason)
    total = sum(weight * int(values[label]) for label, (_, weight) in terms.items())
    return Metric(name, total, unit, name, expression)


def _money_operand(label: str, operand: Operand) -> tuple[Decimal | None, str | None, str | None]:
    """(amount, currency, reason-if-missing) of a Money or money-valued Metric."""
    if isinstance(operand, Metric):
        if operand.value is None:
            return None, operand.currency, f"{label} undefined ({operand.reason})"
        if not isinstance(operand.value, Decimal) or operand.currency is None:
            raise KPIInputError(f"{label} must be an amount of money, got the metric {operand.name}")
        return operand.value, operand.currency, None
    if isinstance(operand, Money):
        return operand.amount, operand.currency, None
    if operand is None:
        return None, None, f"{label} not given"
    raise KPIInputError(f"{label}={operand!r} must be Money (an amount with a currency)")


def _same_currency(*pairs: tuple[str, str | None]) -> None:
    known = [(label, cur) for label, cur in pairs if cur is not None]
    for label, cur in known[1:]:
        if cur != known[0][1]:
            raise CurrencyMismatchError(
                f"{known[0][0]} is in {known[0][1]} but {label} is in {cur}: RedLens converts no "
                "currencies, give both in one currency"
            )


def _money_ratio(
    name: str, numerator: Operand, denominator: Operand, *, num_label: str, den_label: str, expression: str
) -> Metric:
    """Money / money (same currency) as a float ratio."""
    num, num_cur, num_reason = _money_operand(num_label, numerator)
    den, den_cur, den_reason = _money_operand(den_label, denominator)
    _same_currency((num_label, num_cur), (den_label, den_cur))
    reason = num_reason or den_reason
    if reason is None and den == 0:
        reason = f"{den_label} is 0, so {name} is undefined"
    if reason is not None or num is None or den is None:
        return Metric.undefined(name, unit=RATIO, formula=name, expression=expression, reason=reason or "")
    return Metric(name, float(num / den), RATIO, name, expression)


def _cost_per(
    name: str, cost: Operand, quantity: Operand, *, per_label: str, per_unit: str, scale: int = 1
) -> Metric:
    """Cost per unit (or per ``scale`` units) as Decimal money, 4 decimal places."""
    expression = f"total cost / {per_label}" + (f" x {scale:,}" if scale != 1 else "")
    amount, currency, reason = _money_operand("total cost", cost)
    quantity = _validated(per_label, quantity)
    q, q_reason = resolve(per_label, quantity)
    unit_name = f"{currency or 'money'} per {per_unit}"
    reason = reason or q_reason
    if reason is None and q == 0:
        reason = f"{per_label} is 0, so {name} is undefined"
    if reason is not None or amount is None or q is None:
        return Metric.undefined(
            name, unit=unit_name, formula=name, expression=expression, reason=reason or "", currency=currency
        )
    value = quantize(amount * scale / Decimal(q), UNIT_COST_PLACES)
    return Metric(name, value, unit_name, name, expression, currency=currency)


def count(name: str, value: Operand, *, expression: str | None = None) -> Metric:
    """A raw count echoed as a metric (impressions, reach, views, ...). Unit: count."""
    number, reason = resolve(name, _validated(name, value))
    if reason is not None or number is None:
        return Metric.undefined(
            name, unit=COUNT, formula=name, expression=expression or "as reported", reason=reason or ""
        )
    return Metric(name, int(number), COUNT, name, expression or "as reported")


# --------------------------------------------------------------------------------------------
# engagement and content quality


def engagements(likes: Operand, comments: Operand, saves: Operand, shares: Operand) -> Metric:
    """Engagements = likes + comments + saves (收藏) + shares. Unit: count (interactions).

    Follows are not engagements here (they are a conversion into the audience, see
    :func:`follower_conversion_rate`); views are reach, not interaction.
    """
    return _weighted_count(
        "engagements",
        {"likes": (likes, 1), "comments": (comments, 1), "saves": (saves, 1), "shares": (shares, 1)},
        "likes + comments + saves + shares",
    )


def engagement_rate_by_followers(engagements: Operand, followers: Operand) -> Metric:
    """ER (followers) = engagements / followers. Unit: fraction.

    The tier benchmarks (top 1-3 %, mid 3-5 %, micro 5-10 %) use this basis, per note. Not bounded
    by 1: XHS distributes notes beyond the followers, so a small account's hit can exceed it.
    """
    return _rate("engagement_rate_by_followers", "engagements", engagements, "followers", followers)


def engagement_rate_by_reach(engagements: Operand, reach: Operand) -> Metric:
    """ER (reach) = engagements / reach (unique people who saw the note). Unit: fraction.

    Not bounded by 1: one person can like, save, comment and share.
    """
    return _rate("engagement_rate_by_reach", "engagements", engagements, "reach", reach)


def engagement_rate_by_impressions(engagements: Operand, impressions: Operand) -> Metric:
    """ER (impressions) = engagements / impressions (曝光). Unit: fraction."""
    return _rate("engagement_rate_by_impressions", "engagements", engagements, "impressions", impressions)


def like_rate(likes: Operand, impressions: Operand) -> Metric:
    """Like rate = likes / impressions. Unit: fraction in [0, 1] (one like per person)."""
    return _rate("like_rate", "likes", likes, "impressions", impressions, bounded=True)


def save_rate(saves: Operand, impressions: Operand) -> Metric:
    """Save rate = saves (收藏) / impressions. Unit: fraction in [0, 1] (one save per person)."""
    return _rate("save_rate", "saves", saves, "impressions", impressions, bounded=True)


def save_rate_by_views(saves: Operand, views: Operand) -> Metric:
    """Save rate (views) = saves / views (阅读/观看, people who opened the note). Unit: fraction in [0, 1].

    The beauty and skincare save-rate benchmark (5-15 %, tutorials above 20 %) is compared on this
    basis: per impression such rates are out of reach, since only about one impression in ten opens
    the note at all.
    """
    return _rate("save_rate_by_views", "saves", saves, "views", views, bounded=True)


def comment_rate(comments: Operand, impressions: Operand) -> Metric:
    """Comment rate = comments / impressions. Unit: fraction (not bounded: people comment repeatedly)."""
    return _rate("comment_rate", "comments", comments, "impressions", impressions)


def share_rate(shares: Operand, impressions: Operand) -> Metric:
    """Share rate = shares / impressions. Unit: fraction (not bounded: one person can share twice)."""
    return _rate("share_rate", "shares", shares, "impressions", impressions)


CES_WEIGHTS: Final = {"likes": 1, "saves": 1, "comments": 4, "shares": 4, "follows": 8}
"""Weights of the XHS CES interaction score (community convention, not an official XHS formula)."""


def ces_score(likes: Operand, saves: Operand, comments: Operand, shares: Operand, follows: Operand) -> Metric:
    """CES = likes + saves + 4 x comments + 4 x shares + 8 x follows. Unit: points.

    A community convention for how XHS's distribution weighs interactions (widely repeated by
    agencies, never published by XHS): a comment or share counts four times a like, a follow eight.
    """
    metric = _weighted_count(
        "ces_score",
        {
            "likes": (likes, CES_WEIGHTS["likes"]),
            "saves": (saves, CES_WEIGHTS["saves"]),
            "comments": (comments, CES_WEIGHTS["comments"]),
            "shares": (shares, CES_WEIGHTS["shares"]),
            "follows": (follows, CES_WEIGHTS["follows"]),
        },
        "likes + saves + 4 x comments + 4 x shares + 8 x follows",
        unit="points",
    )
    note = "community convention for the XHS interaction score, not an official XHS formula"
    return Metric(
        metric.name, metric.value, metric.unit, metric.formula, metric.expression, metric.reason, note=note
    )


@dataclass(frozen=True, slots=True)
class QualityWeights:
    """Weights of the content quality score. Defaults put saves and comments above likes.

    Why: on XHS a save (收藏) means the reader wants to come back to the note (a tutorial, a
    product list), and a comment costs effort; a like is one tap. Shares carry the note to new
    people, so they sit between. Workspaces can set their own weights (all >= 0, sum > 0).
    """

    likes: float = 1.0
    comments: float = 3.0
    saves: float = 3.0
    shares: float = 2.0

    def __post_init__(self) -> None:
        for field in ("likes", "comments", "saves", "shares"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise KPIInputError(f"quality weight {field}={value!r} must be a number >= 0")
        if self.total == 0:
            raise KPIInputError("quality weights are all 0: at least one must be positive")

    @property
    def total(self) -> float:
        return float(self.likes + self.comments + self.saves + self.shares)

    def to_dict(self) -> dict[str, float]:
        return {"likes": self.likes, "comments": self.comments, "saves": self.saves, "shares": self.shares}


DEFAULT_QUALITY_WEIGHTS: Final = QualityWeights()


def content_quality_score(
    likes: Operand,
    comments: Operand,
    saves: Operand,
    shares: Operand,
    impressions: Operand,
    weights: QualityWeights = DEFAULT_QUALITY_WEIGHTS,
) -> Metric:
    """Content quality score = (wl x likes + wc x comments + ws x saves + wsh x shares)
    / ((wl + wc + ws + wsh) x impressions).

    The weighted mean of the four per-impression action rates. Unit: fraction (weighted
    interactions per impression); comparable across notes of any size. Default weights
    likes 1, comments 3, saves 3, shares 2 (see :class:`QualityWeights`).
    """
    w = weights
    expression = (
        f"({w.likes:g} x likes + {w.comments:g} x comments + {w.saves:g} x saves + {w.shares:g} x shares) "
        f"/ ({w.total:g} x impressions)"
    )
    name = "content_quality_score"
    values, reason = _resolved_counts(
        {"likes": likes, "comments": comments, "saves": saves, "shares": shares}
    )
    if reason is not None:
        return Metric.undefined(name, unit=FRACTION, formula=name, expression=expression, reason=reason)
    weighted = 0.0
    for label, weight in (
        ("likes", w.likes),
        ("comments", w.comments),
        ("saves", w.saves),
        ("shares", w.shares),
    ):
        weighted += weight * float(values[label])
    return ratio(
        name,
        weighted / w.total,
        impressions,
        num_label="weighted interactions",
        den_label="impressions",
        expression=expression,
        counts=False,
        note="weights " + ", ".join(f"{k} {v:g}" for k, v in w.to_dict().items()),
    )


# --------------------------------------------------------------------------------------------
# reach and audience


def reach_rate(reach: Operand, followers: Operand) -> Metric:
    """Reach rate = reach / followers. Unit: fraction; not bounded (XHS shows notes beyond followers)."""
    return _rate("reach_rate", "reach", reach, "followers", followers)


def frequency(impressions: Operand, reach: Operand) -> Metric:
    """Frequency = impressions / reach. Unit: impressions per person reached, >= 1.

    Below 1 is impossible (every person reached saw the note at least once), so impressions below
    reach make the metric undefined.
    """
    impressions = _validated("impressions", impressions)
    reach = _validated("reach", reach)
    imp, _ = resolve("impressions", impressions)
    rch, _ = resolve("reach", reach)
    if imp is not None and rch is not None and rch > 0 and imp < rch:
        return Metric.undefined(
            "frequency",
            unit="impressions per person",
            formula="frequency",
            expression="impressions / reach",
            reason=f"impressions ({imp}) below reach ({rch}): the counts are inconsistent",
        )
    return _rate("frequency", "impressions", impressions, "reach", reach, unit="impressions per person")


def follower_growth_net(followers_start: Operand, followers_end: Operand) -> Metric:
    """Net follower growth = followers at the end - followers at the start. Unit: count (may be < 0)."""
    start, reason = resolve("followers_start", _validated("followers_start", followers_start))
    end, end_reason = resolve("followers", _validated("followers", followers_end))
    reason = reason or end_reason
    expression = "followers at end - followers at start"
    if reason is not None or start is None or end is None:
        return Metric.undefined(
            "follower_growth_net",
            unit=COUNT,
            formula="follower_growth_net",
            expression=expression,
            reason=reason or "",
        )
    return Metric("follower_growth_net", int(end) - int(start), COUNT, "follower_growth_net", expression)


def follower_growth_rate(followers_start: Operand, followers_end: Operand) -> Metric:
    """Follower growth rate = (followers at end - followers at start) / followers at start. Unit: fraction."""
    net = follower_growth_net(followers_start, followers_end)
    return ratio(
        "follower_growth_rate",
        net,
        _validated("followers_start", followers_start),
        num_label="net follower growth",
        den_label="followers_start",
        expression="(followers at end - followers at start) / followers at start",
        counts=False,
    )


def follower_conversion_rate(follows: Operand, reach: Operand) -> Metric:
    """Follower conversion rate = new followers from the note (涨粉) / reach. Unit: fraction in [0, 1]."""
    return _rate(
        "follower_conversion_rate",
        "follows",
        follows,
        "reach",
        reach,
        expression="new followers / reach",
        bounded=True,
    )


# --------------------------------------------------------------------------------------------
# conversion


def ctr(clicks: Operand, impressions: Operand, views: Operand = None) -> Metric:
    """CTR = clicks / impressions; when impressions are missing or 0, clicks / views.

    Unit: fraction in [0, 1]. ``formula`` says which denominator was used
    (``ctr_by_impressions`` or ``ctr_by_views``).
    """
    imp, _ = resolve("impressions", _validated("impressions", impressions))
    vws, _ = resolve("views", _validated("views", views))
    if (imp is None or imp == 0) and vws is not None and vws > 0:
        return ratio(
            "ctr",
            clicks,
            views,
            num_label="clicks",
            den_label="views",
            expression="clicks / views (no impressions reported)",
            formula="ctr_by_views",
            bounded=True,
        )
    return _rate(
        "ctr", "clicks", clicks, "impressions", impressions, formula="ctr_by_impressions", bounded=True
    )


def cover_ctr(views: Operand, impressions: Operand) -> Metric:
    """Cover CTR (封面点击率) = views / impressions: the share of impressions that opened the note.

    Unit: fraction in [0, 1]. Views also count opens from search, the profile and links, while
    XHS's creator centre counts only opens from the surfaces that showed the cover, so its own
    figure is lower: on 86 real creator-centre notes its median was 0.082 against 0.175 here.
    """
    metric = ratio(
        "cover_ctr",
        views,
        impressions,
        num_label="views",
        den_label="impressions",
        expression="views / impressions",
        bounded=True,
    )
    note = (
        "views count opens from every source; XHS's creator-centre cover CTR counts feed opens only (lower)"
    )
    return Metric(
        metric.name, metric.value, metric.unit, metric.formula, metric.expression, metric.reason, note=note
    )


def cvr(orders: Operand, clicks: Operand) -> Metric:
    """CVR = conversions (attributed orders) / clicks. Unit: fraction in [0, 1].

    Orders that never went through a click (a promo code typed in the shop) can push orders above
    clicks; the metric is then undefined with that reason instead of exceeding 100 %.
    """
    return _rate("cvr", "orders", orders, "clicks", clicks, bounded=True)


def add_to_cart_rate(add_to_carts: Operand, clicks: Operand) -> Metric:
    """Add-to-cart rate = add-to-carts / clicks. Unit: fraction in [0, 1]."""
    return _rate("add_to_cart_rate", "add_to_carts", add_to_carts, "clicks", clicks, bounded=True)


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """One step of the funnel: ``rate = to_count / from_count``."""

    source: str
    target: str
    source_count: int | None
    target_count: int | None
    rate: Metric

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.target,
            "from_count": self.source_count,
            "to_count": self.target_count,
            "rate": self.rate.to_dict(),
        }


FUNNEL_STAGES: Final = ("impressions", "clicks", "add_to_carts", "orders")


def funnel(impressions: Operand, clicks: Operand, add_to_carts: Operand, orders: Operand) -> list[FunnelStep]:
    """Funnel impressions -> clicks -> add-to-carts -> orders, each step's rate = next / previous,
    plus the overall step impressions -> orders. Units: fractions in [0, 1].

    Each step is a subset of the one before; where it is not (orders through "buy now" or a promo
    code that skipped the cart) the step's rate is undefined with that reason.
    """
    values = dict(zip(FUNNEL_STAGES, (impressions, clicks, add_to_carts, orders), strict=True))
    counts: dict[str, int | None] = {}
    for stage, operand in values.items():
        number, _ = resolve(stage, _validated(stage, operand))
        counts[stage] = None if number is None else int(number)
    pairs = [*itertools.pairwise(FUNNEL_STAGES), ("impressions", "orders")]
    steps = []
    for source, target in pairs:
        name = f"{target}_per_{source.rstrip('s') if source != 'add_to_carts' else 'add_to_cart'}"
        rate = ratio(
            name,
            values[target],
            values[source],
            num_label=target,
            den_label=source,
            expression=f"{target} / {source}",
            bounded=True,
        )
        steps.append(FunnelStep(source, target, counts[source], counts[target], rate))
    return steps


# --------------------------------------------------------------------------------------------
# cost


def total_cost(
    fee: Number | None,
    product_cost: Number | None,
    paid_media: Number | None,
    agency_cost: Number | None = None,
    *,
    currency: str = "CNY",
) -> Metric:
    """Total cost = fee + product cost + paid media (+ agency cost when given). Unit: currency.

    A component that is not given counts as 0 (a gifted-product-free deal has no product cost) and
    the metric's note lists it; with no component at all the total is undefined.
    """
    code = currency_code(currency)
    parts = {
        "fee": to_decimal("fee", fee),
        "product_cost": to_decimal("product_cost", product_cost),
        "paid_media": to_decimal("paid_media", paid_media),
        "agency_cost": to_decimal("agency_cost", agency_cost),
    }
    expression = "fee + product_cost + paid_media (+ agency_cost)"
    given = {k: v for k, v in parts.items() if v is not None}
    if not given:
        return Metric.undefined(
            "total_cost",
            unit=code,
            formula="total_cost",
            expression=expression,
            reason="no cost given (fee, product_cost, paid_media, agency_cost)",
            currency=code,
        )
    absent = [k for k in ("fee", "product_cost", "paid_media") if parts[k] is None]
    note = f"not given, counted as 0: {', '.join(absent)}" if absent else None
    amount = quantize(sum(given.values(), Decimal(0)), MONEY_PLACES)
    return Metric("total_cost", amount, code, "total_cost", expression, currency=code, note=note)


def cpm(cost: Operand, impressions: Operand) -> Metric:
    """CPM = total cost / impressions x 1,000. Unit: currency per 1,000 impressions."""
    return _cost_per(
        "cpm", cost, impressions, per_label="impressions", per_unit="1,000 impressions", scale=1000
    )


def cpc(cost: Operand, clicks: Operand) -> Metric:
    """CPC = total cost / clicks. Unit: currency per click."""
    return _cost_per("cpc", cost, clicks, per_label="clicks", per_unit="click")


def cpe(cost: Operand, engagements: Operand) -> Metric:
    """CPE = total cost / engagements. Unit: currency per engagement."""
    return _cost_per("cpe", cost, engagements, per_label="engagements", per_unit="engagement")


def cpa(cost: Operand, orders: Operand) -> Metric:
    """CPA = total cost / attributed purchases (orders, each counted once). Unit: currency per order."""
    return _cost_per("cpa", cost, orders, per_label="orders", per_unit="order")


def cac(cost: Operand, new_customers: Operand) -> Metric:
    """CAC = total cost / new customers. Unit: currency per new customer."""
    return _cost_per("cac", cost, new_customers, per_label="new_customers", per_unit="new customer")


# --------------------------------------------------------------------------------------------
# return


def roi(revenue: Operand, cost: Operand) -> Metric:
    """ROI = (revenue - cost) / cost. Unit: fraction (0.5 = earned half the cost back on top; >= -1)."""
    rev, rev_cur, rev_reason = _money_operand("revenue", revenue)
    cst, cst_cur, cst_reason = _money_operand("total cost", cost)
    _same_currency(("revenue", rev_cur), ("total cost", cst_cur))
    expression = "(revenue - total cost) / total cost"
    reason = rev_reason or cst_reason
    if reason is None and cst == 0:
        reason = "total cost is 0, so roi is undefined"
    if reason is not None or rev is None or cst is None:
        return Metric.undefined(
            "roi", unit=FRACTION, formula="roi", expression=expression, reason=reason or ""
        )
    return Metric("roi", float((rev - cst) / cst), FRACTION, "roi", expression)


def roas(revenue: Operand, ad_spend: Operand) -> Metric:
    """ROAS = revenue / ad spend. Unit: ratio (3.0 = three of revenue per one spent)."""
    return _money_ratio(
        "roas", revenue, ad_spend, num_label="revenue", den_label="ad spend", expression="revenue / ad spend"
    )


def clv_to_cac(clv: Operand, cac_value: Operand) -> Metric:
    """CLV:CAC = customer lifetime value / CAC. Unit: ratio (3.0 reads "3:1")."""
    return _money_ratio(
        "clv_to_cac", clv, cac_value, num_label="clv", den_label="cac", expression="clv / cac"
    )


@dataclass(frozen=True, slots=True)
class EmvRates:
    """Earned-media-value rate card of a workspace, in one currency.

    ``cpm`` is the price of 1,000 impressions; the others are the value of one action.
    ``source`` says where the numbers come from, shown next to every EMV.
    """

    currency: str = "CNY"
    cpm: Decimal = Decimal("5")
    like: Decimal = Decimal("0.50")
    comment: Decimal = Decimal("0.50")
    save: Decimal = Decimal("0.50")
    share: Decimal = Decimal("0.50")
    source: str = (
        "placeholder rates from the framework's worked example (CNY 5 per 1,000 impressions, "
        "0.50 per action), not market prices: set the workspace's own rate card"
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", currency_code(self.currency, field="EMV rate currency"))
        for field in ("cpm", "like", "comment", "save", "share"):
            object.__setattr__(self, field, to_decimal(f"EMV rate {field}", getattr(self, field)))

    def to_dict(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "cpm": format(self.cpm, "f"),
            "like": format(self.like, "f"),
            "comment": format(self.comment, "f"),
            "save": format(self.save, "f"),
            "share": format(self.share, "f"),
            "source": self.source,
        }


DEFAULT_EMV_RATES: Final = EmvRates()


def emv(
    impressions: Operand,
    likes: Operand,
    comments: Operand,
    saves: Operand,
    shares: Operand,
    rates: EmvRates = DEFAULT_EMV_RATES,
) -> Metric:
    """EMV = impressions / 1,000 x CPM rate + sum over likes, comments, saves, shares of
    count x value per action. Unit: the rate card's currency.

    Worked example: 1,000,000 impressions at CNY 5 per mille (5,000) + 50,000 engagements at
    CNY 0.50 (25,000) = CNY 30,000.
    """
    expression = (
        "impressions / 1000 x cpm_rate + likes x like_value + comments x comment_value "
        "+ saves x save_value + shares x share_value"
    )
    values, reason = _resolved_counts(
        {"impressions": impressions, "likes": likes, "comments": comments, "saves": saves, "shares": shares}
    )
    if reason is not None:
        return Metric.undefined(
            "emv",
            unit=rates.currency,
            formula="emv",
            expression=expression,
            reason=reason,
            currency=rates.currency,
            note=rates.source,
        )
    amount = Decimal(0)
    for label, rate in (
        ("impressions", rates.cpm / 1000),
        ("likes", rates.like),
        ("comments", rates.comment),
        ("saves", rates.save),
        ("shares", rates.share),
    ):
        amount += Decimal(int(values[label])) * rate
    return Metric(
        "emv",
        quantize(amount, MONEY_PLACES),
        rates.currency,
        "emv",
        expression,
        currency=rates.currency,
        note=rates.source,
    )


def emv_return(emv_value: Operand, cost: Operand) -> Metric:
    """EMV return = EMV / total cost. Unit: ratio (EMV earned per one spent)."""
    return _money_ratio(
        "emv_return", emv_value, cost, num_label="emv", den_label="total cost", expression="emv / total cost"
    )


# --------------------------------------------------------------------------------------------
# video


def completion_rate(completions: Operand, views: Operand) -> Metric:
    """Completion rate = completions (views watched to the end) / views. Unit: fraction in [0, 1]."""
    return _rate("completion_rate", "completions", completions, "views", views, bounded=True)


def average_watch_time(avg_watch_seconds: float | None) -> Metric:
    """Average watch time = total watch time / views, as reported (人均观看时长). Unit: seconds.

    Aggregates weight each note's average by its views (see :mod:`models.kpi.aggregate`).
    """
    expression = "total watch seconds / views"
    if avg_watch_seconds is None:
        return Metric.undefined(
            "avg_watch_seconds",
            unit="seconds",
            formula="average_watch_time",
            expression=expression,
            reason="avg_watch_seconds not given",
        )
    return Metric("avg_watch_seconds", float(avg_watch_seconds), "seconds", "average_watch_time", expression)


# --------------------------------------------------------------------------------------------
# brand health


def mention_volume(positive: Operand, neutral: Operand, negative: Operand) -> Metric:
    """Mention volume = positive + neutral + negative mentions of the brand. Unit: count."""
    return _weighted_count(
        "mention_volume",
        {"positive": (positive, 1), "neutral": (neutral, 1), "negative": (negative, 1)},
        "positive + neutral + negative mentions",
    )


def net_sentiment(positive: Operand, negative: Operand) -> Metric:
    """Net sentiment = (positive - negative) / (positive + negative). Unit: score in [-1, 1].

    Neutral mentions are left out on purpose: they would pull every brand towards 0.
    """
    pos, reason = resolve("positive", _validated("positive", positive))
    neg, neg_reason = resolve("negative", _validated("negative", negative))
    reason = reason or neg_reason
    expression = "(positive - negative) / (positive + negative)"
    if reason is None and pos is not None and neg is not None:
        return ratio(
            "net_sentiment",
            int(pos) - int(neg),
            int(pos) + int(neg),
            num_label="positive - negative",
            den_label="positive + negative mentions",
            expression=expression,
            unit="score in [-1, 1]",
            counts=False,
        )
    return Metric.undefined(
        "net_sentiment",
        unit="score in [-1, 1]",
        formula="net_sentiment",
        expression=expression,
        reason=reason or "",
    )


def positive_share(positive: Operand, neutral: Operand, negative: Operand) -> Metric:
    """Positive share = positive / (positive + neutral + negative mentions). Unit: fraction in [0, 1]."""
    volume = mention_volume(positive, neutral, negative)
    return ratio(
        "positive_share",
        _validated("positive", positive),
        volume,
        num_label="positive",
        den_label="mention volume",
        expression="positive / (positive + neutral + negative)",
        bounded=True,
        counts=False,
    )


def share_of_voice(own_mentions: Operand, all_mentions: Operand) -> Metric:
    """Share of voice = own mentions / all tracked brands' mentions (own included).

    Unit: fraction in [0, 1].
    """
    return _rate(
        "share_of_voice",
        "own mentions",
        own_mentions,
        "all tracked mentions",
        all_mentions,
        expression="own mentions / all tracked brands' mentions",
        bounded=True,
    )


def _lift(name: str, before: Operand, after: Operand, what: str) -> Metric:
    """``after / before - 1`` of a count (a fraction, may be < 0), undefined with the ratio's reason."""
    lift = ratio(
        name,
        after,
        before,
        num_label=f"{what} after",
        den_label=f"{what} before",
        expression="after / before - 1",
        unit=RATIO,
    )
    if lift.value is None:
        return Metric.undefined(
            name, unit=FRACTION, formula=name, expression="after / before - 1", reason=lift.reason or ""
        )
    return Metric(name, float(lift.value) - 1.0, FRACTION, name, "after / before - 1")


def branded_search_lift(before: Operand, after: Operand) -> Metric:
    """Branded search lift = searches after / searches before - 1.

    Unit: fraction (0.25 = +25 %; may be < 0).
    """
    return _lift("branded_search_lift", before, after, "branded searches")


def ugc_lift(before: Operand, after: Operand) -> Metric:
    """UGC re-creation lift = notes mentioning the brand by non-campaign creators in the window
    after the campaign's first note / in the same-length window before - 1.

    Unit: fraction (1.0 = twice as many; may be < 0).
    """
    return _lift("ugc_lift", before, after, "UGC notes")
