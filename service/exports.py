"""Spreadsheet-safe exports.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return that some spreadsheet
programs skip) is read as a formula when a CSV is opened in Excel or WPS. Comment text is user
input, so every exported text cell goes through :func:`safe_cell`, which prefixes such values with a
single quote (the OWASP recommendation). Numbers, and strings that are plain numbers such as
``-0.25``, are left alone so that negative figures stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: io.TextIOBase | Any) -> int:
    """Write ``rows`` as CSV with neutralised text cells; returns the number of data rows."""
    writer = csv.writer(out)
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([safe_cell(row.get(col, "")) for col in columns])
        n += 1
    return n


def to_csv_string(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    write_csv(rows, columns, buf)
    return buf.getvalue()
