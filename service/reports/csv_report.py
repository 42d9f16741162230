"""The campaign report as one long CSV: ``section, item, metric, value, unit, note``.

One row per number, so every section fits one table that a spreadsheet can pivot. Text cells
(note titles, KOL names, theme keywords and comments are user content) go through
:func:`service.exports.safe_cell` in :func:`service.exports.write_csv`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from service.exports import to_csv_string

COLUMNS: tuple[str, ...] = ("section", "item", "metric", "value", "unit", "note")


def _row(section: str, item: Any, metric: str, value: Any, unit: str, note: str = "") -> dict[str, Any]:
    return {
        "section": section,
        "item": item,
        "metric": metric,
        "value": "" if value is None else value,
        "unit": unit,
        "note": note,
    }


def _metric_rows(section: str, item: str, metrics: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for name, entry in metrics.items():
        if not isinstance(entry, Mapping):
            continue
        verdicts = [b.get("verdict") for b in entry.get("benchmarks", []) if b.get("verdict")]
        note = entry.get("reason") or ""
        if verdicts:
            note = (note + "; " if note else "") + "benchmark: " + ", ".join(str(v) for v in verdicts)
        yield _row(section, item, name, entry.get("value"), entry.get("unit", ""), note)


def _overview(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    overview = report.get("overview", {})
    name = overview.get("campaign", {}).get("name", "")
    yield _row("overview", name, "notes", overview.get("notes"), "count")
    yield _row("overview", name, "kols", overview.get("kols"), "count")
    yield from _metric_rows("overview", str(name), overview.get("metrics", {}))


def _kols(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for row in report.get("kol_breakdown", []):
        item = str(row.get("kol_name") or row.get("kol_id"))
        yield from _metric_rows("kol_breakdown", item, row.get("metrics", {}))
        health = row.get("brand_health", {})
        for key in ("comments_analyzed", "net_sentiment", "positive_share", "purchase_intent_share"):
            unit = "count" if key == "comments_analyzed" else "fraction"
            yield _row("kol_breakdown", item, key, health.get(key), unit)


_CONTENT_UNITS = (
    ("rank", "rank"),
    ("save_rate", "fraction"),
    ("net_sentiment", "score"),
    ("engagements", "count"),
)


def _content(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for row in report.get("content_performance", {}).get("ranking", []):
        item = str(row.get("title") or row.get("note_id"))
        for key, unit in _CONTENT_UNITS:
            note = row.get("save_rate_basis", "") if key == "save_rate" else ""
            yield _row("content_performance", item, key, row.get(key), unit, note)


def _funnel_and_brand_health(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for step in report.get("funnel", {}).get("steps", []):
        item = f"{step.get('from')} -> {step.get('to')}"
        rate = step.get("rate", {})
        yield _row("funnel", item, "rate", rate.get("value"), "fraction", rate.get("reason") or "")
        yield _row("funnel", item, "drop_off", step.get("drop_off"), "fraction")
    for day in report.get("brand_health", {}).get("daily", []):
        for key in ("mentions", "positive", "neutral", "negative", "net_sentiment"):
            unit = "score" if key == "net_sentiment" else "count"
            yield _row("brand_health", day.get("date"), key, day.get(key), unit)


def _context_and_themes(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for group in report.get("competitive_context", {}).get("groups", []):
        item = f"{group.get('dimension')}={group.get('group')}"
        yield from _metric_rows("competitive_context", item, group.get("metrics", {}))
    for theme in (report.get("themes") or {}).get("themes", []):
        item = str(theme.get("label", ""))
        yield _row(
            "themes", item, "share", theme.get("share"), "fraction", " / ".join(theme.get("keywords", []))
        )
        for lang, text in (theme.get("summary") or {}).items():
            yield _row("themes", item, f"summary_{lang}", text, "text")
        for i, rep in enumerate(theme.get("representatives", []), start=1):
            labels = [rep.get("aspect_sentiment") or rep.get("sentiment") or "", *rep.get("intents", [])]
            yield _row(
                "themes",
                item,
                f"representative_{i}",
                rep.get("text", ""),
                "text",
                ", ".join(x for x in labels if x),
            )


def report_rows(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every number of the report, section by section, as ``COLUMNS`` rows."""
    for section in (_overview, _kols, _content, _funnel_and_brand_health, _context_and_themes):
        yield from section(report)


def render_csv(report: Mapping[str, Any]) -> str:
    """The report as CSV text (formula-safe)."""
    return to_csv_string(report_rows(report), COLUMNS)
