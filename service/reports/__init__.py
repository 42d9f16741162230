"""Campaign report renderers: JSON (the report itself), CSV and offline HTML.

``render(report, fmt)`` returns the body and its media type for ``json``, ``csv`` and ``html``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from service.reports.csv_report import render_csv
from service.reports.html_report import render_html

ReportFormat = Literal["json", "csv", "html"]
FORMATS: tuple[str, ...] = ("json", "csv", "html")
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def render(report: Mapping[str, Any], fmt: str) -> tuple[str, str]:
    """The report as text in ``fmt`` and its media type."""
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2, default=str), MEDIA_TYPES["json"]
    if fmt == "csv":
        return render_csv(report), MEDIA_TYPES["csv"]
    if fmt == "html":
        return render_html(report), MEDIA_TYPES["html"]
    raise ValueError(f"report format {fmt!r} is not one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "MEDIA_TYPES", "ReportFormat", "render", "render_csv", "render_html"]
