"""Report renderers: JSON (the report itself), CSV, standalone HTML and PDF (the HTML printed by Chromium).

``render(report, fmt)`` (campaign) and ``render_vetting(vetting, evidence, fmt)`` return the body
and its media type. PDF needs the ``[pdf]`` extra and a Chromium; without them it raises
:class:`service.errors.PdfUnavailable` naming the HTML report (``html_url``) that always works.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from service.reports.csv_report import LAYOUTS, render_csv
from service.reports.html_report import VettingEvidence, render_html, render_vetting_html, vetting_evidence

ReportFormat = Literal["json", "csv", "html", "pdf"]
FORMATS: tuple[str, ...] = ("json", "csv", "html", "pdf")
VETTING_FORMATS: tuple[str, ...] = ("json", "html", "pdf")
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
#: What a downloaded HTML report may load: nothing but its own inline styles and data images.
HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _printed(html: str, chromium: Path | None, html_url: str) -> bytes:
    from service.errors import PdfUnavailable
    from service.reports.pdf import html_to_pdf

    try:
        return html_to_pdf(html, chromium=chromium)
    except PdfUnavailable as exc:
        raise PdfUnavailable(
            f"{exc.detail}; the HTML report is available at {html_url}", html_url=html_url
        ) from exc


@dataclass(frozen=True)
class RenderOptions:
    """How a report is rendered: the HTML/PDF language, the CSV layout, the Chromium that prints the
    PDF and where the HTML report is (named when the PDF cannot be made)."""

    locale: str = "en"
    by: str = "kol"
    chromium: Path | None = None
    html_url: str = "format=html"


def _document(html: Callable[[], str], fmt: str, options: RenderOptions) -> tuple[str | bytes, str]:
    page = html()
    return (page if fmt == "html" else _printed(page, options.chromium, options.html_url)), MEDIA_TYPES[fmt]


def _json(data: Mapping[str, Any]) -> tuple[str, str]:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str), MEDIA_TYPES["json"]


def render(
    report: Mapping[str, Any], fmt: str, options: RenderOptions = RenderOptions()
) -> tuple[str | bytes, str]:
    """The campaign report in ``fmt`` and its media type."""
    if fmt == "json":
        return _json(report)
    if fmt == "csv":
        return render_csv(report, options.by), MEDIA_TYPES["csv"]
    if fmt in ("html", "pdf"):
        return _document(lambda: render_html(report, options.locale), fmt, options)
    raise ValueError(f"report format {fmt!r} is not one of {', '.join(FORMATS)}")


def render_vetting(
    vetting: Mapping[str, Any],
    evidence: VettingEvidence | None,
    fmt: str,
    options: RenderOptions = RenderOptions(),
) -> tuple[str | bytes, str]:
    """The vetting report in ``fmt`` (json, html or pdf) and its media type."""
    if fmt == "json":
        return _json(vetting)
    if fmt in ("html", "pdf"):
        return _document(lambda: render_vetting_html(vetting, evidence, options.locale), fmt, options)
    raise ValueError(f"vetting report format {fmt!r} is not one of {', '.join(VETTING_FORMATS)}")


__all__ = [
    "FORMATS",
    "HTML_CSP",
    "LAYOUTS",
    "MEDIA_TYPES",
    "VETTING_FORMATS",
    "RenderOptions",
    "ReportFormat",
    "VettingEvidence",
    "render",
    "render_csv",
    "render_html",
    "render_vetting",
    "vetting_evidence",
]
