"""Table-driven tests of the value parsers: counts, times, dates, rates, durations, money, lists."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.ingest import parsing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        (12, 12),
        (12.0, 12),
        ("1,234", 1234),
        ("1.2k", 1200),
        ("1.2K", 1200),
        ("2.1w", 21000),
        ("2.1W", 21000),
        ("1.5万", 15000),
        ("10万+", 100000),
        ("999+", 999),
        ("1.2亿", 120_000_000),
        ("1.23456万", 12346),
        ("0", 0),
        ("", None),
        ("-", None),
        ("None", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_count_accepts_xhs_spellings(raw: Any, expected: int | None) -> None:
    assert parsing.parse_count(raw) == expected


@pytest.mark.parametrize(
    "raw", ["abc", "很多", "-4", -4, "1.2x", True, "1..2", "99999999999999999999", "2亿亿"]
)
def test_parse_count_rejects_non_counts_with_the_value_in_the_message(raw: Any) -> None:
    with pytest.raises(ValueError, match=repr(str(raw)) if isinstance(raw, str) else str(raw)):
        parsing.parse_count(raw)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1714000000, utc(2024, 4, 24, 23, 6, 40)),
        ("1714000000", utc(2024, 4, 24, 23, 6, 40)),
        (1714000000000, utc(2024, 4, 24, 23, 6, 40)),
        ("1714000000123", utc(2024, 4, 24, 23, 6, 40, 123000)),
        (1714000000.5, utc(2024, 4, 24, 23, 6, 40, 500000)),
        ("2024-04-25 08:30:00", utc(2024, 4, 25, 0, 30)),  # UTC+8 when no zone
        ("2024/4/25 8:30", utc(2024, 4, 25, 0, 30)),
        ("2024-04-25", utc(2024, 4, 24, 16, 0)),
        ("2024-04-25T08:30:00+00:00", utc(2024, 4, 25, 8, 30)),
        ("2024-04-25T08:30:00Z", utc(2024, 4, 25, 8, 30)),
        ("2024-04-25 08:30:00 +0900", utc(2024, 4, 24, 23, 30)),
        ("2024-04-25T08:30:00.250+08:00", utc(2024, 4, 25, 0, 30, 0, 250000)),
        ("2025年12月30日10时13分09秒", utc(2025, 12, 30, 2, 13, 9)),
        ("2025年12月30日 10:13", utc(2025, 12, 30, 2, 13)),
        ("2025年1月3日", utc(2025, 1, 2, 16, 0)),
        (datetime(2024, 4, 25, 8, 30), utc(2024, 4, 25, 0, 30)),  # naive Excel cell: China time
        (0, None),  # MediaCrawler's "never updated"
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp_returns_utc(raw: Any, expected: datetime | None) -> None:
    parsed = parsing.parse_timestamp(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", ["yesterday", "3天前", "2024年13月45日", "2024-02-30 10:00", -5, "12:30"])
def test_parse_timestamp_rejects_what_it_cannot_place(raw: Any) -> None:
    with pytest.raises(ValueError, match="time"):
        parsing.parse_timestamp(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("2024-04-01 23:30:00", date(2024, 4, 1)),
        ("2024-04-01T20:00:00Z", date(2024, 4, 2)),  # 04:00 next day in China
        (date(2024, 4, 1), date(2024, 4, 1)),
        ("", None),
    ],
)
def test_parse_date_gives_the_china_calendar_day(raw: Any, expected: date | None) -> None:
    assert parsing.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.3%", 0.123), ("0%", 0.0), ("12.3", 0.123), (0.121, 0.121), ("100%", 1.0), ("", None)],
)
def test_parse_rate_gives_fractions(raw: Any, expected: float | None) -> None:
    assert parsing.parse_rate(raw) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (14, 14.0),
        ("14", 14.0),
        ("14秒", 14.0),
        ("14s", 14.0),
        ("2分46秒", 166.0),
        ("01:23", 83.0),
        ("1:02:03", 3723.0),
        ("18.5", 18.5),
        ("", None),
    ],
)
def test_parse_duration_seconds(raw: Any, expected: float | None) -> None:
    assert parsing.parse_duration_seconds(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("¥12,000", Decimal("12000.00")),
        ("18,240.00", Decimal("18240.00")),
        ("350.5", Decimal("350.50")),
        ("1.2万", Decimal("12000.00")),
        ("0.005", Decimal("0.01")),
        (8000, Decimal("8000.00")),
        ("", None),
    ],
)
def test_parse_money_gives_two_decimals(raw: Any, expected: Decimal | None) -> None:
    assert parsing.parse_money(raw) == expected


@pytest.mark.parametrize(
    ("parse", "raw", "match"),
    [
        (parsing.parse_date, "2024-04-32", "2024-04-32"),  # an impossible date
        (parsing.parse_rate, "150%", "150%"),  # above 100 percent
        (parsing.parse_duration_seconds, "long", "duration"),  # words
    ],
)
def test_parsers_name_what_they_refuse(parse: Callable[[Any], Any], raw: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse(raw)


@pytest.mark.parametrize("raw", ["abc", "-5", "1e20"])
def test_parse_money_rejects_bad_amounts(raw: str) -> None:
    with pytest.raises(ValueError):
        parsing.parse_money(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("防晒,护肤", ["防晒", "护肤"]),
        ("防晒，护肤", ["防晒", "护肤"]),
        (["a", "b"], ["a", "b"]),
        ('["a", "b"]', ["a", "b"]),
        ("['收纳', '小户型']", ["收纳", "小户型"]),  # Spider_XHS writes str(list) into Excel
        ("[]", None),
        ("None", None),
        ("", None),
    ],
)
def test_parse_list_reads_json_python_repr_and_commas(raw: Any, expected: list[str] | None) -> None:
    assert parsing.parse_list(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" x ", "x"), ("None", None), ("未知", None), (12, "12"), ("a\x00b", "ab"), ("好\ud83d", "好?")],
)
def test_clean_text_gives_storable_text(raw: Any, expected: str | None) -> None:
    assert parsing.clean_text(raw) == expected


@pytest.mark.parametrize("raw", ["2.5", 2.5, "0.5"])
def test_parse_count_refuses_a_fraction_without_a_multiplier(raw: Any) -> None:
    with pytest.raises(ValueError, match="is not a whole number >= 0, not a count"):
        parsing.parse_count(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-09-01", utc(2025, 8, 31, 16)),  # a date is midnight China time
        ("20250901", utc(2025, 8, 31, 16)),
        ("2025-09-01T20:30", utc(2025, 9, 1, 12, 30)),
        ("2025-09-01T20:30Z", utc(2025, 9, 1, 20, 30)),
        ("", None),
    ],
)
def test_parse_moment_reads_dates_and_times(raw: str, expected: datetime | None) -> None:
    assert parsing.parse_moment(raw) == expected


def test_parse_moment_names_what_it_expects() -> None:
    with pytest.raises(ValueError, match="'20/09/2025' is not an ISO date or time: expected 2025-12-30"):
        parsing.parse_moment("20/09/2025")


# --------------------------------------------------------------------------- totality

PARSERS = [
    parsing.parse_count,
    parsing.parse_float,
    parsing.parse_rate,
    parsing.parse_duration_seconds,
    parsing.parse_timestamp,
    parsing.parse_moment,
    parsing.parse_date,
    parsing.parse_money,
    parsing.parse_list,
    parsing.clean_text,
]

cells = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**4000)
    | st.floats()
    | st.text(max_size=30)
    | st.from_regex(r"\A-?[0-9]{1,5000}(\.[0-9]{1,50})?(e[+-]?[0-9]{1,4})?(k|w|万|亿|秒|小时)?\Z")
    | st.builds(lambda n: "[" * n + "]" * n, st.integers(min_value=0, max_value=5000))
)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda parser: parser.__name__)
@given(value=cells)
def test_every_parser_answers_a_value_or_a_value_error(parser: Any, value: Any) -> None:
    """Any cell, of any size: a value, or ValueError (which becomes the row's error), nothing else."""
    with contextlib.suppress(ValueError):
        parser(value)


@pytest.mark.parametrize(
    ("parser", "raw"),
    [
        (parsing.parse_count, "1" + "0" * 30),
        (parsing.parse_count, "9" * 5000),
        (parsing.parse_count, 1e30),
        (parsing.parse_count, "1" + "0" * 30 + "万"),
        (parsing.parse_money, "9" * 5000),
        (parsing.parse_money, 10**5000),
        (parsing.parse_float, 10**400),
        (parsing.parse_duration_seconds, 10**400),
        (parsing.parse_duration_seconds, "1e400"),
        (parsing.parse_duration_seconds, float("inf")),
        (parsing.parse_duration_seconds, "9" * 400 + "小时"),
        (parsing.parse_timestamp, 10**400),
    ],
    ids=lambda v: (
        getattr(v, "__name__", None)
        or f"{type(v).__name__}-{len(repr(v)) if isinstance(v, str) else v.__class__.__name__}"
    ),
)
def test_huge_numbers_are_refused_as_too_large(parser: Any, raw: Any) -> None:
    with pytest.raises(ValueError, match=r"too large|not a finite number|not a valid Unix time"):
        parser(raw)


def test_parse_list_refuses_deep_nesting() -> None:
    with pytest.raises(ValueError, match="nested deeper than"):
        parsing.parse_list("[" * 5000 + "]" * 5000)
