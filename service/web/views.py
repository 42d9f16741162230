"""What the templates show, assembled from the domain reports (pure: no database, no requests).

The vetting and campaign pages render the same JSON the API returns (``redlens.vetting/1``,
``redlens.campaign_report/1``); these functions pick what each section needs and draw its charts,
so templates only lay things out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from service.reports.charts import WORDS, daily_sentiment_chart, funnel_chart, hbar_chart, mix_bar
from service.web.charts import (
    FlagWindow,
    GrowthPoint,
    NoteMark,
    anomaly_word,
    bullet_chart,
    growth_chart,
    growth_points,
)
from service.web.i18n import N_, Translate, as_is
from service.web.reasons import flag_text
from service.web.sentences import locale_of

MAX_FLAG_COMMENTS = 12
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
VERDICT_TEXT = {"recommend": N_("Recommend"), "caution": N_("Caution"), "avoid": N_("Avoid")}
CHART_TITLES = {
    "engagements_by_kol": N_("engagements by KOL"),
    "engagements_axis": N_("engagements (likes + saves + comments + shares, count)"),
    "save_rate_by_note": N_("save rate by note"),
    "save_rate_axis": N_("save rate, percent of views (else of impressions)"),
    "intent_shares": N_("share of analysed comments"),
    "intent_axis": N_("share of analysed comments (%)"),
    "funnel": N_("conversion funnel"),
    "daily_mentions": N_("daily mentions by sentiment and net sentiment"),
}
BENCHMARKED = (
    ("engagement_rate_by_followers", N_("Engagement rate (by followers)")),
    ("save_rate_by_views", N_("Save rate (saves / views)")),
)
#: Whether a signal had enough data (shown through the ``t`` filter).
SIGNAL_DATA = {True: N_("sufficient"), False: N_("insufficient")}
#: At most this many rows in a chart's data table (first, last and anomalies always kept).
MAX_CHART_ROWS = 40


def chart_data(
    caption: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    """A chart's numbers as a table (its text alternative): ``columns`` are (title, kind) pairs,
    kind one of ``text``, ``num``, ``pct``, ``signed``, ``date``; the template formats each cell."""
    return {"caption": caption, "columns": list(columns), "rows": [list(r) for r in rows]}


def chart_words(tr: Translate) -> dict[str, str]:
    """The charts' words (axis titles, legends) in the reader's language."""
    return {key: tr(text) for key, text in WORDS.items()}


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


def _flags(authenticity: Mapping[str, Any], comments: Mapping[str, Any]) -> list[dict[str, Any]]:
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
                "details": details,
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
    tr: Translate = as_is,
) -> tuple[str, list[GrowthPoint]]:
    """The growth chart and the days it draws; ``tr`` translates its words."""
    series = (authenticity.get("series") or {}).get("daily_followers") or []
    points = growth_points(series) or growth_points(snapshots)
    windows: list[FlagWindow] = []
    evidence: dict[date, str] = {}
    locale = locale_of(tr)
    for flag in authenticity.get("flags", []) or []:
        details = flag.get("details") or {}
        start, end = _day(details.get("start")), _day(details.get("end"))
        if flag.get("signal") == "growth" and start and end:
            said = flag_text(flag, locale)
            windows.append(FlagWindow(start, end, str(flag.get("severity")), str(flag.get("code")), said))
            evidence.setdefault(end, said)
    marks = []
    for note in notes:
        day = _day(note.get("published_at"))
        if day is not None:
            kind = tr(N_("sponsored note")) if note.get("sponsored") else tr(N_("note"))
            marks.append(
                NoteMark(day, bool(note.get("sponsored")), f"{day} {kind}: {note.get('title') or ''}")
            )
    svg = growth_chart(points, windows=windows, notes=marks, evidence_by_day=evidence, words=chart_words(tr))
    return svg, points


def _growth_table(points: Sequence[GrowthPoint], tr: Translate) -> dict[str, Any]:
    """Observed follower counts (evenly thinned to :data:`MAX_CHART_ROWS`, anomalies kept)."""
    words = chart_words(tr)
    observed = [p for p in points if p.observed or p.anomaly]
    step = max(1, -(-len(observed) // MAX_CHART_ROWS))
    kept = [p for i, p in enumerate(observed) if i % step == 0 or p.anomaly or i == len(observed) - 1]
    return chart_data(
        tr(N_("Followers by day")),
        [(tr(N_("Date")), "date"), (tr(N_("Followers")), "num"), (tr(N_("Anomaly")), "text")],
        [(p.day.isoformat(), p.followers, anomaly_word(p.anomaly, words) if p.anomaly else "") for p in kept],
    )


def _benchmarks(kpis: Mapping[str, Any], tr: Translate = as_is) -> list[dict[str, Any]]:
    words = chart_words(tr)
    out = []
    metrics = kpis.get("metrics") or {}
    for name, title in BENCHMARKED:
        entry = metrics.get(name) or {}
        bench = next(iter(entry.get("benchmarks") or []), None)
        low, high = (bench.get("range") or [None, None]) if bench else (None, None)
        segment = None
        if bench:
            segment = " · ".join(
                tr(str(bench[k]))
                for k in ("tier", "category", "content_format", "content_type")
                if bench.get(k)
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
                    label=tr(title),
                    verdict=bench.get("verdict") if bench else None,
                    words=words,
                ),
            }
        )
    return out


def note_label(note: Mapping[str, Any]) -> str:
    """A note as a chart names it: its title truncated, then its publication day."""
    title = str(note.get("title") or note.get("note_id") or "")
    day = str(note.get("published_at") or "")[:10]
    short = title if len(title) <= 12 else title[:11] + "…"
    return f"{short} · {day}" if day else short


def _breakdown(comments: Mapping[str, Any], tr: Translate = as_is) -> dict[str, Any]:
    sentiment = comments.get("sentiment_shares") or {}
    intents = comments.get("intent_shares") or {}
    items = [(tr(name.replace("_", " ")), intents.get(name)) for name in intents]
    items.append((tr(N_("low effort")), comments.get("low_effort_share")))
    title = tr(CHART_TITLES["intent_shares"])
    return {
        "sentiment": mix_bar(sentiment, width=600, height=22, words=chart_words(tr)) if sentiment else "",
        "intents": hbar_chart(
            items,
            title=title,
            axis=tr(CHART_TITLES["intent_axis"]),
            value_format="percent",
            words=chart_words(tr),
        ),
        "intents_data": chart_data(title, [(tr(N_("Intent")), "text"), (tr(N_("Share")), "pct")], items),
    }


def vetting_view(
    vetting: Mapping[str, Any],
    *,
    comments: Mapping[str, Any],
    snapshots: Sequence[Mapping[str, Any]],
    notes: Sequence[Mapping[str, Any]],
    tr: Translate = as_is,
) -> dict[str, Any]:
    """Sections of the vetting page from a ``redlens.vetting/1`` report.

    ``comments`` maps platform comment ids to the comment-table rows a flag may point at;
    ``snapshots`` are the stored follower counts (drawn when authenticity has no series);
    ``notes`` the recent notes (ticks under the curve); ``tr`` translates the charts' words.
    Each chart comes with its numbers as a table (``growth_data``, ``breakdown.intents_data``).
    """
    authenticity = vetting.get("authenticity") or {}
    signals = [
        {
            "name": name,
            "status": s.get("status"),
            # status says whether the data sufficed, the finding what the signal found
            "data": SIGNAL_DATA[s.get("status") == "ok"],
            "finding": s.get("finding") or "",
            "score": s.get("score"),
            "coverage": s.get("coverage"),
            "missing": s.get("missing") or [],
        }
        for name, s in (authenticity.get("signals") or {}).items()
    ]
    growth_svg, points = _growth(authenticity, snapshots, notes, tr)
    return {
        "growth_svg": growth_svg,
        "growth_days": len(points),
        "growth_data": _growth_table(points, tr),
        "flags": _flags(authenticity, comments),
        "signals": signals,
        "benchmarks": _benchmarks(vetting.get("kpis") or {}, tr),
        "breakdown": _breakdown(vetting.get("comments") or {}, tr),
    }


def campaign_view(report: Mapping[str, Any], tr: Translate = as_is) -> dict[str, Any]:
    """Charts and table rows of the campaign dashboard from a ``redlens.campaign_report/1`` report,
    each chart with its numbers as a table (``*_data``); ``tr`` translates the charts' words."""
    kols = report.get("kol_breakdown") or []
    funnel_counts: list[tuple[str, int | None]] = []
    for i, step in enumerate((report.get("funnel") or {}).get("steps", [])[:3]):
        if i == 0:
            funnel_counts.append((tr(str(step.get("from")).replace("_", " ")), step.get("from_count")))
        funnel_counts.append((tr(str(step.get("to")).replace("_", " ")), step.get("to_count")))
    ranking = (report.get("content_performance") or {}).get("ranking") or []
    words = chart_words(tr)
    engagements = [
        (
            str(k.get("kol_name") or k.get("kol_id")),
            (k.get("metrics") or {}).get("engagements", {}).get("value"),
        )
        for k in kols
    ]
    save_rates = [(note_label(n), n.get("save_rate")) for n in ranking[:12]]
    daily = (report.get("brand_health") or {}).get("daily") or []
    titles = {key: tr(text) for key, text in CHART_TITLES.items()}
    return {
        "kol_chart": hbar_chart(
            engagements, title=titles["engagements_by_kol"], axis=titles["engagements_axis"], words=words
        ),
        "kol_data": chart_data(
            titles["engagements_by_kol"],
            [(tr(N_("KOL")), "text"), (tr(N_("Engagements")), "num")],
            engagements,
        ),
        "save_rate_chart": hbar_chart(
            save_rates,
            title=titles["save_rate_by_note"],
            axis=titles["save_rate_axis"],
            value_format="percent",
            words=words,
        ),
        "save_rate_data": chart_data(
            titles["save_rate_by_note"],
            [(tr(N_("Note")), "text"), (tr(N_("Save rate")), "pct")],
            save_rates,
        ),
        "funnel_chart": funnel_chart(funnel_counts, words=words),
        "funnel_data": chart_data(
            titles["funnel"], [(tr(N_("Step")), "text"), (tr(N_("Count")), "num")], funnel_counts
        ),
        "daily_chart": daily_sentiment_chart(daily, words=words),
        "daily_data": chart_data(
            titles["daily_mentions"],
            [
                (tr(N_("Date")), "date"),
                (tr(N_("Mentions")), "num"),
                (tr(N_("positive")), "num"),
                (tr(N_("neutral")), "num"),
                (tr(N_("negative")), "num"),
                (tr(N_("Net sentiment")), "signed"),
            ],
            [
                [d.get(k) for k in ("date", "mentions", "positive", "neutral", "negative", "net_sentiment")]
                for d in daily
            ],
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
