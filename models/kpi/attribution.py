"""Order attribution: each order counted once, inside an attribution window.

A buyer can reach the same order through a KOL's promo code, a UTM link and an affiliate link;
the shop then reports the order three times. Attribution keys on the order id, so the order and
its revenue count once, while ``by_channel`` still shows every channel that touched it (those
counts may add up to more than ``orders``). An order counts when
``window_start <= ordered_at < window_start + window_days``; the window usually starts when the
note is published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from models.kpi.metric import KPIInputError, Money, check_count, currency_code

__all__ = ["CHANNELS", "AttributionResult", "Channel", "OrderTouch", "attribute_orders"]

Channel = Literal["promo_code", "utm", "affiliate"]
CHANNELS: Final[tuple[str, ...]] = get_args(Channel)


@dataclass(frozen=True, slots=True)
class OrderTouch:
    """One report of an order through one channel."""

    order_id: str
    channel: Channel
    ordered_at: datetime
    revenue: Money
    new_customer: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.order_id, str) or not self.order_id.strip():
            raise KPIInputError(f"order_id={self.order_id!r} must be a non-empty text id")
        if self.channel not in CHANNELS:
            raise KPIInputError(f"channel={self.channel!r} is not known: use one of {list(CHANNELS)}")
        if not isinstance(self.ordered_at, datetime):
            raise KPIInputError(f"ordered_at={self.ordered_at!r} must be a datetime")
        if not isinstance(self.revenue, Money) or self.revenue.amount < 0:
            raise KPIInputError(f"revenue={self.revenue!r} must be Money >= 0")


@dataclass(frozen=True, slots=True)
class AttributionResult:
    """Deduplicated orders inside the window."""

    orders: int
    revenue: Money
    new_customers: int
    by_channel: dict[str, int]
    duplicate_touches: int
    outside_window: int
    window_start: datetime
    window_days: int
    order_ids: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "revenue": self.revenue.to_dict(),
            "new_customers": self.new_customers,
            "by_channel": dict(self.by_channel),
            "duplicate_touches": self.duplicate_touches,
            "outside_window": self.outside_window,
            "window_start": self.window_start.isoformat(),
            "window_days": self.window_days,
        }


def attribute_orders(
    touches: Iterable[OrderTouch],
    *,
    window_start: datetime | date,
    window_days: int,
    currency: str = "CNY",
) -> AttributionResult:
    """Count orders once by order id within ``window_days`` days of ``window_start``.

    Touches of one order must agree on time, revenue and new-customer flag (a disagreement is a
    data error, reported by order id). All revenue must be in ``currency``.
    """
    days = check_count("window_days", window_days)
    if not days:
        raise KPIInputError(f"window_days={window_days!r} must be a whole number of days >= 1")
    start = (
        window_start
        if isinstance(window_start, datetime)
        else datetime.combine(window_start, datetime.min.time())
    )
    end = start + timedelta(days=days)
    code = currency_code(currency)

    orders: dict[str, OrderTouch] = {}
    channels: dict[str, set[str]] = {}
    touches_seen = 0
    for touch in touches:
        touches_seen += 1
        if touch.revenue.currency != code:
            raise KPIInputError(
                f"order {touch.order_id}: revenue in {touch.revenue.currency}, expected {code} "
                "(no conversion)"
            )
        first = orders.get(touch.order_id)
        if first is None:
            orders[touch.order_id] = touch
        elif (first.ordered_at, first.revenue, first.new_customer) != (
            touch.ordered_at,
            touch.revenue,
            touch.new_customer,
        ):
            raise KPIInputError(
                f"order {touch.order_id} is reported twice with different details "
                f"({first.channel}: {first.ordered_at.isoformat()}, {first.revenue.amount}; "
                f"{touch.channel}: {touch.ordered_at.isoformat()}, {touch.revenue.amount}): "
                "fix the source data"
            )
        channels.setdefault(touch.order_id, set()).add(touch.channel)

    try:
        inside = {oid: t for oid, t in orders.items() if start <= t.ordered_at < end}
    except TypeError:
        raise KPIInputError(
            "order times and window_start mix time zones with naive times: give all with a zone or none"
        ) from None
    by_channel = {channel: 0 for channel in CHANNELS}
    for oid in inside:
        for channel in channels[oid]:
            by_channel[channel] += 1
    revenue = Money(sum((t.revenue.amount for t in inside.values()), Decimal(0)), code)
    return AttributionResult(
        orders=len(inside),
        revenue=revenue,
        new_customers=sum(1 for t in inside.values() if t.new_customer),
        by_channel=by_channel,
        duplicate_touches=touches_seen - len(orders),
        outside_window=len(orders) - len(inside),
        window_start=start,
        window_days=days,
        order_ids=tuple(sorted(inside)),
    )
