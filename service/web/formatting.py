"""Display formatting for the pages (Jinja2 filters), pure functions.

JSON and exports carry fractions (0.053) and decimal strings for money; pages show percentages,
thousands separators and money with its currency. Every function accepts ``None`` (and the
strings the domain layer uses for decimals) and returns a dash for a missing value, so templates
never branch on missing data just to format it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

DASH = "–"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def pct(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.0537`` -> ``"5.4%"``."""
    number = _number(value)
    return DASH if number is None else f"{number * 100:.{digits}f}%"


def num(value: Any, digits: int = 2) -> str:
    """A count with thousands separators; non-integers with ``digits`` decimals."""
    number = _number(value)
    if number is None:
        return DASH
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.{digits}f}"


def compact(value: Any) -> str:
    """A count in the Chinese style used on XHS: 12,300 -> ``1.2万``, 250,000,000 -> ``2.5亿``."""
    number = _number(value)
    if number is None:
        return DASH
    if abs(number) >= 1e8:
        return f"{number / 1e8:.1f}亿"
    if abs(number) >= 1e4:
        return f"{number / 1e4:.1f}万"
    return num(number)


def money(value: Any, currency: str | None = None, digits: int = 2) -> str:
    """Money with its ISO currency code: ``("3920732.06", "CNY")`` -> ``"CNY 3,920,732.06"``."""
    number = _number(value)
    if number is None:
        return DASH
    shown = f"{number:,.{digits}f}"
    return f"{currency} {shown}" if currency else shown


def signed(value: Any, digits: int = 2) -> str:
    """A score in [-1, 1] with its sign: ``0.4615`` -> ``"+0.46"``."""
    number = _number(value)
    return DASH if number is None else f"{number:+.{digits}f}"


def ratio(value: Any, digits: int = 2) -> str:
    """A ratio such as ROAS: ``8.368`` -> ``"8.37×"``."""
    number = _number(value)
    return DASH if number is None else f"{number:,.{digits}f}×"


def metric(entry: Any) -> str:
    """A KPI entry of the KPI engine (``{"value", "unit", "currency"...}``) formatted by its unit."""
    if not isinstance(entry, Mapping) or entry.get("value") is None:
        return DASH
    value, unit = entry["value"], str(entry.get("unit", ""))
    currency = entry.get("currency")
    if unit == "fraction":
        return pct(value)
    if unit == "ratio":
        return ratio(value)
    if unit == "seconds":
        return f"{num(value, 1)} s"
    if unit == "points" or unit.startswith("score"):
        number = _number(value)
        return DASH if number is None else f"{number:,.2f}"
    if currency and unit == currency:
        return money(value, str(currency))
    if currency:  # "CNY per engagement": the metric's name says per what
        return money(value, str(currency))
    return num(value)


def metric_short(entry: Any) -> str:
    """Like :func:`metric`, for narrow table cells: money from 10,000 up in 万 (``CNY 91.5万``),
    from 1,000 up in whole units; the exact figure stays in :func:`metric`."""
    if isinstance(entry, Mapping) and entry.get("currency") and entry.get("unit") == entry.get("currency"):
        number = _number(entry.get("value"))
        if number is not None and abs(number) >= 10_000:
            return f"{entry['currency']} {compact(number)}"
        if number is not None and abs(number) >= 1000:
            return money(number, str(entry["currency"]), digits=0)
    return metric(entry)


def metric_sort_value(entry: Any) -> str:
    """The raw number of a KPI entry for client-side sorting (empty when undefined)."""
    if not isinstance(entry, Mapping):
        return ""
    number = _number(entry.get("value"))
    return "" if number is None else repr(number)


def sort_value(value: Any) -> str:
    """A raw number (or text) for a ``data-sort`` attribute."""
    number = _number(value)
    if number is not None:
        return repr(number)
    return "" if value is None else str(value)


def parse_moment(value: Any) -> date | datetime | str:
    """A date or datetime, or its ISO text parsed (a bare ``YYYY-MM-DD`` is a date); other text as given."""
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment.date() if len(text) <= 10 else moment


def when(value: Any, with_time: bool = True) -> str:
    """An ISO date or datetime as ``2026-03-01 23:30`` (as given: UTC for stored times)."""
    if value is None or value == "":
        return DASH
    moment = parse_moment(value)
    if isinstance(moment, str):
        return moment
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return moment.strftime("%Y-%m-%d %H:%M") if with_time else moment.date().isoformat()


def label(name: Any) -> str:
    """A snake_case name for people: ``purchase_intent`` -> ``purchase intent``."""
    return DASH if name is None else str(name).replace("_", " ")


def query_url(query: Any, default: Any, path: str) -> str:
    """A link to ``path`` with the fields of the dataclass ``query`` that differ from ``default``
    as query parameters (a field's ``param`` metadata names its parameter, e.g. ``from``)."""
    params = {
        item.metadata.get("param", item.name): ("1" if value is True else value)
        for item in fields(query)
        if (value := getattr(query, item.name)) != getattr(default, item.name)
    }
    return f"{path}?{urlencode(params)}" if params else path


FILTERS = {
    "pct": pct,
    "num": num,
    "compact": compact,
    "money": money,
    "signed": signed,
    "ratio": ratio,
    "metric": metric,
    "metric_short": metric_short,
    "metric_sort": metric_sort_value,
    "sortval": sort_value,
    "when": when,
    "label": label,
}
