"""Display formatting of the pages: percentages, money with currency, compact counts, KPI entries."""

from __future__ import annotations

from datetime import date

import pytest

from service.web.formatting import (
    compact,
    metric,
    metric_short,
    metric_sort_value,
    money,
    num,
    pct,
    signed,
    when,
)


def test_rates_are_percentages_and_missing_values_a_dash() -> None:
    assert pct(0.0537) == "5.4%"
    assert pct("0.5", 0) == "50%"
    assert pct(None) == "–" and pct("n/a") == "–" and pct(True) == "–"


def test_money_carries_its_currency() -> None:
    assert money("3920732.06", "CNY") == "CNY 3,920,732.06"
    assert money(12, "USD", digits=0) == "USD 12"
    assert money(None, "CNY") == "–"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(9_999, "9,999"), (12_300, "1.2万"), (420_000, "42.0万"), (250_000_000, "2.5亿"), (None, "–")],
)
def test_compact_counts_use_wan_and_yi(value: int | None, shown: str) -> None:
    assert compact(value) == shown


def test_numbers_and_scores() -> None:
    assert num(1234567) == "1,234,567" and num(2.5) == "2.50"
    assert signed(0.4615) == "+0.46" and signed(-0.2) == "-0.20"


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ({"value": 0.0368, "unit": "fraction"}, "3.7%"),
        ({"value": 8.368, "unit": "ratio"}, "8.37×"),
        ({"value": "468512.69", "unit": "CNY", "currency": "CNY"}, "CNY 468,512.69"),
        ({"value": "2.2999", "unit": "CNY per engagement", "currency": "CNY"}, "CNY 2.30"),
        ({"value": 0.82, "unit": "score in [-1, 1]"}, "0.82"),
        ({"value": 203714, "unit": "count"}, "203,714"),
        ({"value": None, "unit": "count", "reason": "missing"}, "–"),
        (None, "–"),
    ],
)
def test_kpi_entries_are_formatted_by_unit(entry: object, shown: str) -> None:
    assert metric(entry) == shown


def test_short_money_and_sort_values() -> None:
    entry = {"value": "915228.87", "unit": "CNY", "currency": "CNY"}
    assert metric_short(entry) == "CNY 91.5万"
    assert metric_short({"value": "5228.4", "unit": "CNY", "currency": "CNY"}) == "CNY 5,228"
    assert metric_short({"value": "12.5", "unit": "CNY", "currency": "CNY"}) == "CNY 12.50"
    assert metric_sort_value(entry) == "915228.87"
    assert metric_sort_value({"value": None}) == "" and metric_sort_value("x") == ""


def test_times_are_shown_without_seconds() -> None:
    assert when("2026-03-01T23:30:12+00:00") == "2026-03-01 23:30"
    assert when("2026-03-01T23:30:12Z", with_time=False) == "2026-03-01"
    assert when("2026-03-01") == "2026-03-01" and when(date(2026, 1, 2)) == "2026-01-02"
    assert when(None) == "–" and when("soon") == "soon"
