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


def _metric_rows(section: str, item: str, metrics: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for name, entry in metrics.items():
        if not isinstance(entry, Mapping):
            continue
        verdicts = [b.get("verdict") for b in entry.get("benchmarks", []) if b.get("verdict")]
        note = entry.get("reason") or ""
        if verdicts:
            note = (note + "; " if note else "") + "benchmark: " + ", ".join(str(v) for v in verdicts)
        yield {
            "section": section,
            "item": item,
            "metric": name,
            "value": "" if entry.get("value") is None else entry.get("value"),
            "unit": entry.get("unit", ""),
            "note": note,
        }


def report_rows(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    overview = report.get("overview", {})
    campaign = overview.get("campaign", {})
    yield {
        "section": "overview",
        "item": campaign.get("name", ""),
        "metric": "notes",
        "value": overview.get("notes"),
        "unit": "count",
        "note": "",
    }
    yield {
        "section": "overview",
        "item": campaign.get("name", ""),
        "metric": "kols",
        "value": overview.get("kols"),
        "unit": "count",
        "note": "",
    }
    yield from _metric_rows("overview", str(campaign.get("name", "")), overview.get("metrics", {}))
    for row in report.get("kol_breakdown", []):
        item = str(row.get("kol_name") or row.get("kol_id"))
        yield from _metric_rows("kol_breakdown", item, row.get("metrics", {}))
        health = row.get("brand_health", {})
        for key in ("comments_analyzed", "net_sentiment", "positive_share", "purchase_intent_share"):
            yield {
                "section": "kol_breakdown",
                "item": item,
                "metric": key,
                "value": "" if health.get(key) is None else health.get(key),
                "unit": "count" if key == "comments_analyzed" else "fraction",
                "note": "",
            }
    for row in report.get("content_performance", {}).get("ranking", []):
        item = str(row.get("title") or row.get("note_id"))
        for key, unit in (
            ("rank", "rank"),
            ("save_rate", "fraction"),
            ("net_sentiment", "score"),
            ("engagements", "count"),
        ):
            value = row.get(key)
            yield {
                "section": "content_performance",
                "item": item,
                "metric": key,
                "value": "" if value is None else value,
                "unit": unit,
                "note": row.get("save_rate_basis", "") if key == "save_rate" else "",
            }
    for step in report.get("funnel", {}).get("steps", []):
        item = f"{step.get('from')} -> {step.get('to')}"
        rate = step.get("rate", {})
        yield {
            "section": "funnel",
            "item": item,
            "metric": "rate",
            "value": "" if rate.get("value") is None else rate.get("value"),
            "unit": "fraction",
            "note": rate.get("reason") or "",
        }
        yield {
            "section": "funnel",
            "item": item,
            "metric": "drop_off",
            "value": "" if step.get("drop_off") is None else step.get("drop_off"),
            "unit": "fraction",
            "note": "",
        }
    for day in report.get("brand_health", {}).get("daily", []):
        for key in ("mentions", "positive", "neutral", "negative", "net_sentiment"):
            value = day.get(key)
            yield {
                "section": "brand_health",
                "item": day.get("date"),
                "metric": key,
                "value": "" if value is None else value,
                "unit": "score" if key == "net_sentiment" else "count",
                "note": "",
            }
    for group in report.get("competitive_context", {}).get("groups", []):
        item = f"{group.get('dimension')}={group.get('group')}"
        yield from _metric_rows("competitive_context", item, group.get("metrics", {}))
    themes = report.get("themes") or {}
    for theme in themes.get("themes", []):
        item = str(theme.get("label", ""))
        yield {
            "section": "themes",
            "item": item,
            "metric": "share",
            "value": theme.get("share"),
            "unit": "fraction",
            "note": " / ".join(theme.get("keywords", [])),
        }
        for lang, text in (theme.get("summary") or {}).items():
            yield {
                "section": "themes",
                "item": item,
                "metric": f"summary_{lang}",
                "value": text,
                "unit": "text",
                "note": "",
            }
        for i, rep in enumerate(theme.get("representatives", []), start=1):
            labels = [rep.get("aspect_sentiment") or rep.get("sentiment") or "", *rep.get("intents", [])]
            yield {
                "section": "themes",
                "item": item,
                "metric": f"representative_{i}",
                "value": rep.get("text", ""),
                "unit": "text",
                "note": ", ".join(x for x in labels if x),
            }


def render_csv(report: Mapping[str, Any]) -> str:
    """The report as CSV text (formula-safe)."""
    return to_csv_string(report_rows(report), COLUMNS)
