"""What the templates show, assembled from the domain reports (pure: no database, no requests).

The vetting and campaign pages render the same JSON the API returns (``redlens.vetting/1``,
``redlens.campaign_report/1``); these functions pick what each section needs and draw its charts,
so templates only lay things out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.reports.charts import WORDS, daily_sentiment_chart, funnel_chart, hbar_chart, mix_bar
from service.web.charts import FlagWindow, NoteMark, bullet_chart, growth_chart, growth_points
from service.web.i18n import N_

MAX_FLAG_COMMENTS = 12
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
VERDICT_TEXT = {"recommend": N_("Recommend"), "caution": N_("Caution"), "avoid": N_("Avoid")}
#: Translates a message into the reader's language (identity: English).
Translate = Callable[[str], str]
CHART_TITLES = {
    "engagements_by_kol": N_("engagements by KOL"),
    "engagements_axis": N_("engagements (likes + saves + comments + shares, count)"),
    "save_rate_by_note": N_("save rate by note"),
    "save_rate_axis": N_("save rate, percent of views (else of impressions)"),
    "intent_shares": N_("share of analysed comments"),
    "intent_axis": N_("share of analysed comments (%)"),
}
BENCHMARKED = (
    ("engagement_rate_by_followers", "Engagement rate (by followers)"),
    ("save_rate_by_views", "Save rate (saves / views)"),
)


@dataclass(frozen=True)
class CommentInfo:
    """A stored comment as shown next to the flag that points at it."""

    platform_id: str
    text: str
    nickname: str | None
    created_at: str | None
    note_title: str | None
    sentiment: str | None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def flag_comment_ids(details: Mapping[str, Any]) -> list[str]:
    """Platform ids of the comments a flag's details point at (``comment_ids``, clustered copies)."""
    ids = [str(i) for i in details.get("comment_ids", []) or []]
    for cluster in details.get("clusters", []) or []:
        ids.extend(str(c.get("comment_id")) for c in cluster.get("comments", []) or [] if c.get("comment_id"))
    return list(dict.fromkeys(ids))


def _flags(authenticity: Mapping[str, Any], comments: Mapping[str, CommentInfo]) -> list[dict[str, Any]]:
    out = []
    for flag in sorted(
        authenticity.get("flags", []) or [], key=lambda f: SEVERITY_ORDER.get(str(f.get("severity")), 9)
    ):
        details = flag.get("details") or {}
        ids = flag_comment_ids(details)
        shown = [comments[i] for i in ids if i in comments][:MAX_FLAG_COMMENTS]
        clusters = [
            {
                "size": c.get("size"),
                "accounts": c.get("accounts"),
                "coordinated": c.get("coordinated"),
                "text": next((m.get("text") for m in c.get("comments", []) if m.get("text")), ""),
            }
            for c in details.get("clusters", []) or []
        ]
        out.append(
            {
                "code": flag.get("code"),
                "signal": flag.get("signal"),
                "severity": flag.get("severity"),
                "evidence": flag.get("evidence"),
                "window": (details.get("start"), details.get("end")) if details.get("start") else None,
                "comments": shown,
                "comments_total": len(ids),
                "clusters": clusters[:8],
            }
        )
    return out


def _growth(
    authenticity: Mapping[str, Any],
    snapshots: Sequence[Mapping[str, Any]],
    notes: Sequence[Mapping[str, Any]],
    words: Mapping[str, str] = WORDS,
) -> tuple[str, int]:
    """The growth chart and how many days it draws."""
    series = (authenticity.get("series") or {}).get("daily_followers") or []
    points = growth_points(series) or growth_points(snapshots)
    windows: list[FlagWindow] = []
    evidence: dict[date, str] = {}
    for flag in authenticity.get("flags", []) or []:
        details = flag.get("details") or {}
        start, end = _day(details.get("start")), _day(details.get("end"))
        if flag.get("signal") == "growth" and start and end:
            windows.append(
                FlagWindow(
                    start, end, str(flag.get("severity")), str(flag.get("code")), str(flag.get("evidence"))
                )
            )
            evidence.setdefault(end, str(flag.get("evidence")))
    marks = []
    for note in notes:
        day = _day(note.get("published_at"))
        if day is not None:
            kind = "sponsored note" if note.get("sponsored") else "note"
            marks.append(
                NoteMark(day, bool(note.get("sponsored")), f"{day} {kind}: {note.get('title') or ''}")
            )
    svg = growth_chart(points, windows=windows, notes=marks, evidence_by_day=evidence, words=words)
    return svg, len(points)


def _benchmarks(kpis: Mapping[str, Any], words: Mapping[str, str] = WORDS) -> list[dict[str, Any]]:
    out = []
    metrics = kpis.get("metrics") or {}
    for name, title in BENCHMARKED:
        entry = metrics.get(name) or {}
        bench = next(iter(entry.get("benchmarks") or []), None)
        low, high = (bench.get("range") or [None, None]) if bench else (None, None)
        segment = None
        if bench:
            segment = " · ".join(
                str(bench[k]) for k in ("tier", "category", "content_format", "content_type") if bench.get(k)
            )
        out.append(
            {
                "name": name,
                "title": title,
                "value": entry.get("value"),
                "reason": entry.get("reason"),
                "low": low,
                "high": high,
                "verdict": bench.get("verdict") if bench else None,
                "segment": segment,
                "source": bench.get("source") if bench else None,
                "svg": bullet_chart(
                    entry.get("value"),
                    low,
                    high,
                    label=title,
                    verdict=bench.get("verdict") if bench else None,
                    words=words,
                ),
            }
        )
    return out


def _identity(message: str) -> str:
    return message


def chart_words(tr: Translate) -> dict[str, str]:
    """The charts' words (axis titles, legends) in the reader's language."""
    return {key: tr(text) for key, text in WORDS.items()}


def note_label(note: Mapping[str, Any]) -> str:
    """A note as a chart names it: its title truncated, then its publication day."""
    title = str(note.get("title") or note.get("note_id") or "")
    day = str(note.get("published_at") or "")[:10]
    short = title if len(title) <= 12 else title[:11] + "…"
    return f"{short} · {day}" if day else short


def _breakdown(comments: Mapping[str, Any], tr: Translate = _identity) -> dict[str, str]:
    sentiment = comments.get("sentiment_shares") or {}
    intents = comments.get("intent_shares") or {}
    items = [(name.replace("_", " "), intents.get(name)) for name in intents]
    items.append(("low effort", comments.get("low_effort_share")))
    return {
        "sentiment": mix_bar(sentiment, width=600, height=22) if sentiment else "",
        "intents": hbar_chart(
            items,
            title=tr(CHART_TITLES["intent_shares"]),
            axis=tr(CHART_TITLES["intent_axis"]),
            value_format="percent",
        ),
    }


def vetting_view(
    vetting: Mapping[str, Any],
    *,
    comments: Mapping[str, CommentInfo],
    snapshots: Sequence[Mapping[str, Any]],
    notes: Sequence[Mapping[str, Any]],
    tr: Translate = _identity,
) -> dict[str, Any]:
    """Sections of the vetting page from a ``redlens.vetting/1`` report.

    ``comments`` maps platform comment ids to the stored comments a flag may point at;
    ``snapshots`` are the stored follower counts (drawn when authenticity has no series);
    ``notes`` the recent notes (ticks under the curve).
    """
    authenticity = vetting.get("authenticity") or {}
    signals = [
        {
            "name": name,
            "status": s.get("status"),
            # status says whether the data sufficed, the finding what the signal found
            "data": "sufficient" if s.get("status") == "ok" else "insufficient",
            "finding": s.get("finding") or "",
            "score": s.get("score"),
            "coverage": s.get("coverage"),
            "missing": s.get("missing") or [],
        }
        for name, s in (authenticity.get("signals") or {}).items()
    ]
    growth_svg, growth_days = _growth(authenticity, snapshots, notes, chart_words(tr))
    return {
        "growth_svg": growth_svg,
        "growth_days": growth_days,
        "flags": _flags(authenticity, comments),
        "signals": signals,
        "benchmarks": _benchmarks(vetting.get("kpis") or {}, chart_words(tr)),
        "breakdown": _breakdown(vetting.get("comments") or {}, tr),
    }


def campaign_view(report: Mapping[str, Any], tr: Translate = _identity) -> dict[str, Any]:
    """Charts and table rows of the campaign dashboard from a ``redlens.campaign_report/1`` report."""
    kols = report.get("kol_breakdown") or []
    funnel_counts: list[tuple[str, int | None]] = []
    for i, step in enumerate((report.get("funnel") or {}).get("steps", [])[:3]):
        if i == 0:
            funnel_counts.append((str(step.get("from")).replace("_", " "), step.get("from_count")))
        funnel_counts.append((str(step.get("to")).replace("_", " "), step.get("to_count")))
    ranking = (report.get("content_performance") or {}).get("ranking") or []
    words = chart_words(tr)
    return {
        "kol_chart": hbar_chart(
            [
                (
                    str(k.get("kol_name") or k.get("kol_id")),
                    (k.get("metrics") or {}).get("engagements", {}).get("value"),
                )
                for k in kols
            ],
            title=tr(CHART_TITLES["engagements_by_kol"]),
            axis=tr(CHART_TITLES["engagements_axis"]),
        ),
        "save_rate_chart": hbar_chart(
            [(note_label(n), n.get("save_rate")) for n in ranking[:12]],
            title=tr(CHART_TITLES["save_rate_by_note"]),
            axis=tr(CHART_TITLES["save_rate_axis"]),
            value_format="percent",
        ),
        "funnel_chart": funnel_chart(funnel_counts, words=words),
        "daily_chart": daily_sentiment_chart(
            (report.get("brand_health") or {}).get("daily") or [], words=words
        ),
    }


# --------------------------------------------------------------------------- model cards


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_shown(v)}" for k, v in value.items())
    return str(value)


def _summary(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(name, _shown(v)) for name, v in values.items() if v is not None]


def _metric_sets(metrics: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Test sets of a model card's metrics as tables: per-class or per-intent rows and, for
    sentiment, the confusion matrix with each cell's share of its true-class row."""
    out = []
    for name, entry in (metrics or {}).items():
        if not isinstance(entry, Mapping):
            continue
        block: dict[str, Any] = {"name": name, "n": entry.get("n")}
        sentiment = entry.get("sentiment")
        intents = entry.get("intents")
        if isinstance(sentiment, Mapping):
            block["summary"] = _summary(
                {
                    "accuracy": sentiment.get("accuracy"),
                    "macro F1": sentiment.get("macro_f1"),
                    "ECE": sentiment.get("ece"),
                }
            )
            block["rows"] = [
                {"label": label, **values} for label, values in (sentiment.get("per_class") or {}).items()
            ]
            matrix = sentiment.get("confusion_matrix") or {}
            labels = matrix.get("labels") or []
            cells = matrix.get("rows_true_cols_pred") or []
            if labels and cells:
                block["confusion"] = {
                    "labels": labels,
                    "rows": [
                        {
                            "label": labels[i],
                            "cells": [
                                {
                                    "count": count,
                                    "share": count / sum(row) if sum(row) else 0.0,
                                    "heat": min(int(10 * count / sum(row)), 9) if sum(row) else 0,
                                    "diagonal": i == j,
                                }
                                for j, count in enumerate(row)
                            ],
                        }
                        for i, row in enumerate(cells)
                    ],
                }
        elif isinstance(intents, Mapping):
            block["summary"] = _summary({"macro F1": intents.get("macro_f1")})
            block["rows"] = [
                {"label": label, **values} for label, values in (intents.get("per_intent") or {}).items()
            ]
        else:
            block["summary"] = _summary(
                {
                    k: v
                    for k, v in entry.items()
                    if isinstance(v, int | float) and not isinstance(v, bool) and k != "n"
                }
            )
            block["note"] = entry.get("note")
        out.append(block)
    return out


def model_version_view(
    row: Any,
    card: Mapping[str, Any] | None,
    *,
    current: str | None,
    deployment: str | None,
    promoted_here: bool,
    trained_by: str | None = None,
) -> dict[str, Any]:
    """One model version with its card for the models page. ``current`` is the version serving
    the workspace, ``deployment`` the deployment's current one; ``promoted_here`` says the workspace
    chose it (and so can roll it back); ``trained_by`` is the slug of the workspace that trained it. A workspace can promote its own versions, and the
    deployment's current one (to end its own choice), nothing else."""
    card = card or {}
    metrics = row.metrics if row.metrics else card.get("metrics")
    return {
        "task": row.task,
        "version": row.version,
        "origin": "shipped" if row.workspace_id is None else "this workspace",
        "trained_by": trained_by,
        "is_current": row.version == current,
        "created_at": row.created_at,
        "promoted_at": row.promoted_at,
        "can_roll_back": row.version == current and promoted_here,
        "can_promote": row.version != current and (row.workspace_id is not None or row.version == deployment),
        "description": card.get("description"),
        "training_data": [
            f"{k.replace('_', ' ')}: {_shown(v)}" for k, v in (card.get("training_data") or {}).items()
        ],
        "thresholds": card.get("thresholds") or {},
        "git_commit": card.get("git_commit"),
        "card_error": card.get("_error"),
        "sets": _metric_sets(metrics),
    }
