"""The campaign report as a spreadsheet: one row per KOL (``by="kol"``), per note (``by="note"``)
or per comment-theme aspect (``by="theme"``), one column per metric.

Rates are fractions, money is in the campaign's currency (the ``currency`` column), counts are
counts. The KOL rows also carry the KOL's audience fit (0-100, its driving dimension or why there
is none, and the commenters' location coverage) and, per product aspect of the campaign's comment
themes, the share of the KOL's comments that mention it and the net sentiment about it; the theme
rows compare each
aspect before and after the campaign's first note and across the KOLs. Text cells (titles, names
are user content) go through the formula-safe writer :func:`service.exports.to_csv_string`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from models.campaign_report import KOL_METRICS
from service.exports import to_csv_string

CsvLayout = Literal["kol", "note", "theme"]
LAYOUTS: tuple[str, ...] = ("kol", "note", "theme")
COMMENT_COLUMNS = ("comments_analyzed", "net_sentiment", "positive_share", "purchase_intent_share")
#: The KOL's audience fit (``report["audience_fit"]``): score 0-100, the dimension driving it, why
#: there is none, and the share of its campaign commenters that show a location.
FIT_COLUMNS = ("audience_fit", "audience_fit_driver", "audience_fit_reason", "commenter_location_coverage")
NOTE_COLUMNS: tuple[str, ...] = (
    "rank",
    "note_id",
    "title",
    "kol_id",
    "kol_name",
    "published_at",
    "note_url",
    "save_rate",
    "save_rate_basis",
    "views",
    *KOL_METRICS,
    "comments_analyzed",
    "net_sentiment",
    "currency",
)


def _value(entry: Any) -> Any:
    if isinstance(entry, Mapping):
        entry = entry.get("value")
    return "" if entry is None else entry


def _aspect_columns(comparison: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(aspect, column prefix) of the campaign's by-KOL theme comparison, most mentioned first."""
    rows = ((comparison or {}).get("by_kol") or {}).get("rows") or []
    return [(str(r["aspect"]), f"theme_{r['aspect']}") for r in rows]


def _fit_cells(fit: Mapping[str, Any] | None) -> dict[str, Any]:
    if fit is None:
        return dict.fromkeys(FIT_COLUMNS, "")
    return {
        "audience_fit": _value(fit.get("score")),
        "audience_fit_driver": _value(fit.get("driver")),
        "audience_fit_reason": _value(fit.get("reason")),
        "commenter_location_coverage": _value(fit.get("coverage")),
    }


def _kol_rows(report: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    comparison = report.get("theme_comparison")
    aspects = _aspect_columns(comparison)
    by_aspect = {str(r["aspect"]): r for r in ((comparison or {}).get("by_kol") or {}).get("rows") or []}
    fits = {str(f["kol_id"]): f for f in (report.get("audience_fit") or {}).get("kols") or []}
    columns = [
        "kol_id",
        "kol_name",
        "tier",
        "notes",
        *KOL_METRICS,
        *COMMENT_COLUMNS,
        *FIT_COLUMNS,
        "currency",
    ]
    for _, prefix in aspects:
        columns += [f"{prefix}_share", f"{prefix}_net_sentiment"]
    out = []
    for k in report.get("kol_breakdown") or []:
        name = str(k.get("kol_name") or k.get("kol_id"))
        row: dict[str, Any] = {
            "kol_id": k.get("kol_id"),
            "kol_name": k.get("kol_name"),
            "tier": k.get("tier"),
            "notes": k.get("notes"),
            "currency": report.get("currency"),
            **{m: _value((k.get("metrics") or {}).get(m)) for m in KOL_METRICS},
            **{c: _value((k.get("brand_health") or {}).get(c)) for c in COMMENT_COLUMNS},
            **_fit_cells(fits.get(str(k.get("kol_id")))),
        }
        for aspect, prefix in aspects:
            groups = by_aspect[aspect].get("groups") or {}
            stats: Mapping[str, Any] = groups.get(name) or next(
                (v for g, v in groups.items() if g.startswith(f"{name} (")), {}
            )
            row[f"{prefix}_share"] = _value(stats.get("share"))
            row[f"{prefix}_net_sentiment"] = _value(stats.get("net_sentiment"))
        out.append(row)
    return out, columns


def _note_rows(report: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    out = []
    for n in (report.get("content_performance") or {}).get("ranking") or []:
        row = {c: _value(n.get(c)) for c in NOTE_COLUMNS}
        row.update({m: _value((n.get("metrics") or {}).get(m)) for m in KOL_METRICS})
        row["currency"] = report.get("currency")
        out.append(row)
    return out, list(NOTE_COLUMNS)


def _theme_rows(report: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    comparison = report.get("theme_comparison") or {}
    before_after = {str(r["aspect"]): r for r in (comparison.get("before_after") or {}).get("rows") or []}
    by_kol = {str(r["aspect"]): r for r in (comparison.get("by_kol") or {}).get("rows") or []}
    kols: Sequence[str] = list(((comparison.get("by_kol") or {}).get("sides") or {}).keys())
    columns = [
        "aspect",
        "name_zh",
        "name_en",
        "share_before",
        "share_after",
        "change_pts",
        "net_sentiment_before",
        "net_sentiment_after",
        *(f"share_{kol}" for kol in kols),
        "summary_zh",
        "summary_en",
    ]
    out = []
    for aspect in [*before_after, *(a for a in by_kol if a not in before_after)]:
        ba, bk = before_after.get(aspect) or {}, by_kol.get(aspect) or {}
        name = ba.get("name") or bk.get("name") or {}
        line = ba.get("line") or bk.get("line") or {}
        row: dict[str, Any] = {
            "aspect": aspect,
            "name_zh": name.get("zh"),
            "name_en": name.get("en"),
            "share_before": _value((ba.get("before") or {}).get("share")),
            "share_after": _value((ba.get("after") or {}).get("share")),
            "change_pts": _value(ba.get("change_pts")),
            "net_sentiment_before": _value((ba.get("before") or {}).get("net_sentiment")),
            "net_sentiment_after": _value((ba.get("after") or {}).get("net_sentiment")),
            "summary_zh": line.get("zh"),
            "summary_en": line.get("en"),
        }
        for kol in kols:
            row[f"share_{kol}"] = _value(((bk.get("groups") or {}).get(kol) or {}).get("share"))
        out.append(row)
    return out, columns


def report_table(report: Mapping[str, Any], by: str = "kol") -> tuple[list[dict[str, Any]], list[str]]:
    """The rows and columns of the ``by`` layout."""
    builders = {"kol": _kol_rows, "note": _note_rows, "theme": _theme_rows}
    if by not in builders:
        raise ValueError(f"CSV layout {by!r} is not one of {', '.join(LAYOUTS)}")
    return builders[by](report)


def render_csv(report: Mapping[str, Any], by: str = "kol") -> str:
    """The report as CSV text (formula-safe), one row per KOL, note or theme aspect."""
    rows, columns = report_table(report, by)
    return to_csv_string(iter(rows), tuple(columns))


__all__ = ["LAYOUTS", "CsvLayout", "render_csv", "report_table"]
