"""Attribution: one order counted once across promo code, UTM and affiliate, inside the window."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from models.kpi import KPIInputError, Money, OrderTouch, attribute_orders

START = datetime(2025, 9, 1)


def touch(order: str, channel: str, day: float, amount: str = "100", new: bool = False) -> OrderTouch:
    return OrderTouch(order, channel, START + timedelta(days=day), Money(Decimal(amount), "CNY"), new)  # type: ignore[arg-type]


def test_order_reached_by_three_channels_counts_once() -> None:
    touches = [
        touch("o1", "promo_code", 1),
        touch("o1", "utm", 1),
        touch("o1", "affiliate", 1),
        touch("o2", "utm", 2),
    ]
    result = attribute_orders(touches, window_start=START, window_days=7)
    assert result.orders == 2
    assert result.revenue == Money(Decimal("200"), "CNY")
    assert result.duplicate_touches == 2
    assert result.by_channel == {"promo_code": 1, "utm": 2, "affiliate": 1}


def test_attribution_window_excludes_late_orders() -> None:
    touches = [touch("o1", "utm", 6.9), touch("o2", "utm", 7), touch("o3", "utm", 30)]
    result = attribute_orders(touches, window_start=START, window_days=7)
    assert result.orders == 1
    assert result.outside_window == 2


def test_new_customers_counted_per_order() -> None:
    touches = [touch("o1", "utm", 1, new=True), touch("o1", "promo_code", 1, new=True), touch("o2", "utm", 1)]
    assert attribute_orders(touches, window_start=START, window_days=30).new_customers == 1


def test_conflicting_reports_of_one_order_rejected() -> None:
    with pytest.raises(KPIInputError, match="o1 is reported twice"):
        attribute_orders(
            [touch("o1", "utm", 1, "100"), touch("o1", "promo_code", 1, "90")],
            window_start=START,
            window_days=7,
        )


def test_attribution_rejects_bad_window_channel_and_currency() -> None:
    with pytest.raises(KPIInputError, match="window_days"):
        attribute_orders([], window_start=START, window_days=0)
    with pytest.raises(KPIInputError, match="channel='email'"):
        touch("o1", "email", 1)
    usd = OrderTouch("o9", "utm", START, Money(Decimal(1), "USD"))
    with pytest.raises(KPIInputError, match="expected CNY"):
        attribute_orders([usd], window_start=START, window_days=7, currency="CNY")
