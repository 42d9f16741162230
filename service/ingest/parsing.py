"""Parsing of the values XHS tools write: counts, times, dates, rates, durations, money, lists.

Every parser takes the raw cell (``str``, ``int``, ``float``, ``datetime``, ``None``...) and returns
the typed value, ``None`` for an empty cell, or raises :class:`ValueError` with a message that
names the bad value and what is accepted (it becomes the row error shown to the user).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from models.limits import MAX_JSON_DEPTH, JSONLimitError, loads_json

#: XHS shows times in China time; a time written without a zone is read as UTC+8.
CHINA_TZ = timezone(timedelta(hours=8), "UTC+08:00")

_EMPTY = frozenset({"", "-", "--", "null", "none", "nan", "n/a", "na", "undefined", "未知"})
_LONGEST_EMPTY = max(len(s) for s in _EMPTY)

_MULTIPLIERS: dict[str, int] = {
    "k": 1_000,
    "千": 1_000,
    "w": 10_000,
    "万": 10_000,
    "m": 1_000_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
}
_COUNT_RE = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>k|w|m|千万|百万|千|万|亿)?\s*\+?$")

COUNT_EXAMPLES = "12, 1,234, 1.2k, 2.1w, 1.5万 or 10万+"


def _not_a_count(value: Any) -> ValueError:
    return ValueError(f"{str(value)!r} is not a whole number >= 0, not a count such as {COUNT_EXAMPLES}")


MAX_COUNT = 10**15  # far above any XHS count; keeps values inside BIGINT on every database
_MAX_NUMBER_TEXT = 40  # characters of a number written as text; longer ones are too large
MAX_DURATION_SECONDS = 10**7  # 115 days: far above any watch time


def is_empty(value: Any) -> bool:
    """True for ``None``, NaN and the "no value" placeholders of exports ("", "-", "None", "未知"...)."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or (len(text) <= _LONGEST_EMPTY and text.lower() in _EMPTY)
    if isinstance(value, float):
        return math.isnan(value)
    return False


def storable(text: str) -> str:
    """``text`` without what databases refuse: NUL characters (PostgreSQL) and unpaired UTF-16
    surrogates (half an emoji cut by a crawler; no database can encode them)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def clean_text(value: Any) -> str | None:
    """A stripped, storable string, or ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or (len(text) <= _LONGEST_EMPTY and text.lower() in _EMPTY):
            return None
        return storable(text)
    if isinstance(value, float) and math.isnan(value):
        return None
    return storable(str(value).strip()) or None


def parse_count(value: Any) -> int | None:
    """A non-negative count as XHS writes it.

    ``"1.2k"`` -> 1200, ``"2.1w"``/``"2.1万"`` -> 21000, ``"10万+"`` -> 100000 (a lower bound: XHS
    stops counting exactly there), ``"1,234"`` -> 1234, ``""`` -> ``None``. Fractions left after the
    multiplier are rounded half up (``"1.23456万"`` -> 12346); a fraction without one (``"2.5"``)
    is refused.
    """
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.isascii() and stripped.isdigit() and len(stripped) < 16:  # the common case, fast
            return int(stripped)
    return _checked_count(_parse_count(value), value)


def _shown(raw: Any) -> str:
    """A value as the user wrote it, shortened (and never converted whole: a 5,000-digit integer
    cannot even be printed)."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 128:
        return f"a number of about {int(raw.bit_length() * 0.30103):,} digits"
    text = str(raw)
    return repr(text if len(text) <= 40 else f"{text[:40]}... ({len(text):,} characters)")


def _checked_count(count: int | None, raw: Any) -> int | None:
    if count is not None and count > MAX_COUNT:
        raise ValueError(f"{_shown(raw)} is too large for a count (at most {MAX_COUNT:,})")
    return count


def _parse_count(value: Any) -> int | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise _not_a_count(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative: counts are >= 0")
        return value
    if isinstance(value, float):
        if value < 0 or not value.is_integer():
            raise _not_a_count(value)
        return int(value)
    text = str(value).strip().lower().replace(",", "").replace("，", "").replace(" ", "")
    match = _COUNT_RE.match(text)
    if match is None:
        raise _not_a_count(value)
    number = Decimal(match["num"][: _MAX_NUMBER_TEXT + 1]) * _MULTIPLIERS.get(match["unit"] or "", 1)
    if len(match["num"]) > _MAX_NUMBER_TEXT or number > MAX_COUNT:
        raise ValueError(f"{_shown(value)} is too large for a count (at most {MAX_COUNT:,})")
    if match["unit"] is None and number % 1:
        raise _not_a_count(value)
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_float(value: Any) -> float | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = (
            float(str(value).strip().replace(",", "")) if not isinstance(value, int | float) else float(value)
        )
    except ValueError:
        raise ValueError(f"{_shown(value)} is not a number") from None
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{_shown(value)} is not a finite number")
    return number


def parse_rate(value: Any) -> float | None:
    """A rate as a fraction: ``"12.3%"`` -> 0.123; a bare number above 1 is read as a percentage
    (``12.3`` -> 0.123), one from 0 to 1 as a fraction already (``0.123``)."""
    if is_empty(value):
        return None
    text = str(value).strip()
    if text.endswith(("%", "％")):
        number = parse_float(text[:-1])
        if number is None:
            return None
        fraction = number / 100.0
    else:
        number = parse_float(value)
        if number is None:
            return None
        fraction = number / 100.0 if number > 1 else number
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"{text!r} is not a rate between 0% and 100%")
    return round(fraction, 6)


_DURATION_HMS = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$")
_DURATION_ZH = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|时|h))?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒钟|秒|s|sec))?$"
)


def parse_duration_seconds(value: Any) -> float | None:
    """A duration in seconds: ``14``, ``"14秒"``, ``"1分23秒"``, ``"01:23"``, ``"1:02:03"``, ``"14s"``."""
    if is_empty(value):
        return None
    seconds = _duration(value)
    if not math.isfinite(seconds) or seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"{_shown(value)} is too large for a duration (at most {MAX_DURATION_SECONDS:,} s)")
    return seconds


def _duration(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{_shown(value)} is negative: durations are >= 0")
        return math.inf if isinstance(value, int) and value > MAX_DURATION_SECONDS else float(value)
    text = str(value).strip().lower().replace(" ", "")
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise ValueError(f"{_shown(text)} is negative: durations are >= 0")
        return seconds
    match = _DURATION_HMS.match(text)
    if match is None:
        match = _DURATION_ZH.match(text)
        if match is None or not any(match.groupdict().values()):
            raise ValueError(f"{_shown(value)} is not a duration: expected seconds (14), 1分23秒 or 01:23")
    parts = match.groupdict()
    return float(parts["h"] or 0) * 3600 + float(parts["m"] or 0) * 60 + float(parts["s"] or 0)


# --------------------------------------------------------------------------- times

_EPOCH_MS_FROM = 100_000_000_000  # 1e11 s is the year 5138: above it a number is in milliseconds
_EPOCH_US_FROM = 100_000_000_000_000

_ZH_DATETIME = re.compile(
    r"^(?P<y>\d{4})年(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]\s*"
    r"(?:(?P<h>\d{1,2})(?:时|点|:)(?:(?P<mi>\d{1,2})(?:分|:)?(?:(?P<s>\d{1,2})秒?)?)?)?$"
)
_NUMERIC_DATETIME = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?P<frac>\.\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC|GMT)?$",
    re.IGNORECASE,
)

TIMESTAMP_HELP = (
    "a Unix time in seconds or milliseconds, 2025-12-30 10:13:09 (UTC+8 unless a zone is given), "
    "an ISO 8601 time, or 2025年12月30日10时13分09秒"
)


def _from_epoch(number: float) -> datetime:
    if number >= _EPOCH_US_FROM:
        number /= 1_000_000
    elif number >= _EPOCH_MS_FROM:
        number /= 1_000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{number!r} is not a valid Unix time") from None


def _zone(text: str | None) -> timezone:
    if text is None:
        return CHINA_TZ
    text = text.upper()
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_timestamp(value: Any) -> datetime | None:
    """A point in time, returned timezone-aware in UTC.

    Numbers are Unix times: seconds, or milliseconds when above 1e11 (what the XHS API returns).
    Strings without a zone are China time (UTC+8), the time XHS and its exports show.
    ``0`` means "never set" in MediaCrawler exports and gives ``None``.
    """
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)
        return aware.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=CHINA_TZ).astimezone(UTC)
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time: expected {TIMESTAMP_HELP}")
    if isinstance(value, int | float):
        if value == 0:
            return None
        if isinstance(value, int) and value >= _EPOCH_US_FROM * 1_000_000:
            raise ValueError(f"{_shown(value)} is not a valid Unix time")
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"{_shown(value)} is not a time: expected {TIMESTAMP_HELP}")
        return _from_epoch(float(value))
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = float(text)
        return None if number == 0 else _from_epoch(number)
    match = _NUMERIC_DATETIME.match(text) or _ZH_DATETIME.match(text)
    if match is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a time: expected {TIMESTAMP_HELP}") from None
        return parse_timestamp(parsed)
    parts = match.groupdict()
    try:
        frac = parts.get("frac")
        local = datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            round(float(frac) * 1_000_000) if frac else 0,
            tzinfo=_zone(parts.get("tz")),
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid time ({exc})") from None
    return local.astimezone(UTC)


DATE_HELP = "2025-12-30 or 2025-12-30T20:30 (also 2025/12/30 and 2025年12月30日)"


def parse_moment(value: Any) -> datetime | None:
    """A date or a date-time, returned timezone-aware in UTC: a date alone is midnight China time
    (UTC+8), like a date-time without a zone. ``20251230`` is a date, not a Unix time."""
    if is_empty(value):
        return None
    if isinstance(value, date | datetime):
        return parse_timestamp(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):  # 20251230
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return parse_timestamp(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date or time: expected {DATE_HELP}") from None


def parse_date(value: Any) -> date | None:
    """A calendar date. A date-time is converted to its China (UTC+8) date."""
    moment = parse_moment(value)
    return None if moment is None else moment.astimezone(CHINA_TZ).date()


# --------------------------------------------------------------------------- money and lists

_MONEY_RE = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>k|w|万)?$")
MONEY_HELP = "an amount such as 1200, 1,200.50, ¥1200 or 1.2万"


def parse_money(value: Any) -> Decimal | None:
    """A non-negative amount with two decimals (currency symbols and thousands separators ignored)."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount: expected {MONEY_HELP}")
    if isinstance(value, int) and value.bit_length() > 128:
        raise ValueError(f"{_shown(value)} is too large (at most 999,999,999,999.99)")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        text = str(value).strip().lower()
        for symbol in ("¥", "￥", "rmb", "cny", "元", "$", "usd", ",", "，", " "):
            text = text.replace(symbol, "")
        match = _MONEY_RE.match(text)
        if match is None:
            raise ValueError(f"{_shown(value)} is not an amount: expected {MONEY_HELP}")
        if len(match["num"]) > _MAX_NUMBER_TEXT:
            raise ValueError(f"{_shown(value)} is too large (at most 999,999,999,999.99)")
        number = Decimal(match["num"]) * _MULTIPLIERS.get(match["unit"] or "", 1)
    if not number.is_finite():
        raise ValueError(f"{_shown(value)} is not an amount: expected {MONEY_HELP}")
    if number >= Decimal("1e12"):
        raise ValueError(f"{_shown(value)} is too large (at most 999,999,999,999.99)")
    try:
        amount = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{_shown(value)} is not an amount: expected {MONEY_HELP}") from None
    if amount < 0:
        raise ValueError(f"{str(value)!r} is negative: amounts are >= 0")
    if amount >= Decimal("1e12"):
        raise ValueError(f"{str(value)!r} is too large (at most 999,999,999,999.99)")
    return amount


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")


def parse_list(value: Any) -> list[str] | None:
    """A list of strings from a JSON list, a Python list printed as text (Spider_XHS Excel cells:
    ``"['a', 'b']"``), or a comma-separated string (MediaCrawler). Never evaluates code."""
    if is_empty(value):
        return None
    if isinstance(value, list | tuple):
        items = [storable(str(v).strip()) for v in value if not is_empty(v)]
        return items or None
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            loaded = loads_json(text)
        except JSONLimitError:
            raise ValueError(f"{_shown(text)} is nested deeper than {MAX_JSON_DEPTH} levels") from None
        except ValueError:
            items = [a or b for a, b in _QUOTED.findall(text)]
        else:
            items = [str(v) for v in loaded] if isinstance(loaded, list) else [text]
    else:
        items = re.split(r"[,，]", text)
    cleaned = [storable(item.strip()) for item in items if item and item.strip()]
    return cleaned or None
