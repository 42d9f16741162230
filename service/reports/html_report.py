"""Vetting and campaign reports as standalone HTML files (the PDF prints the same file).

One builder per report: the data is the JSON the API returns (``redlens.vetting/1``,
``redlens.campaign_report/1``), its charts and tables are chosen by the pages' own view functions
(:mod:`service.web.views`), and the page templates' Jinja environment renders
``templates/reports/*.html`` in the reader's language. The file opens offline: styles are inline,
charts are inline SVG, there is no script, navigation or key prefix, and a Content-Security-Policy
meta tag forbids loading anything. User content is escaped by Jinja2's autoescaping; charts escape
their labels themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from models.campaign_report import OVERVIEW_METRICS
from service.reports.charts import N_
from service.store.repositories import comments_for_notes, follower_series, list_notes_for_kol
from service.store.tables import Kol, Note

#: The overview tiles: the report's overview metrics less those the funnel and EMV chart show.
OVERVIEW_NAMES: tuple[str, ...] = tuple(
    m for m in OVERVIEW_METRICS if m not in ("views", "clicks", "emv_return")
)
LABELS: dict[str, str] = {
    "reach": "Reach",
    "impressions": "Impressions",
    "views": "Views",
    "engagements": "Engagements",
    "engagement_rate_by_impressions": "Engagement rate (impressions)",
    "engagement_rate_by_followers": "Engagement rate (followers)",
    "save_rate_by_views": "Save rate (views)",
    "completion_rate": "Completion rate",
    "orders": "Attributed orders",
    "revenue": "Attributed revenue",
    "total_cost": "Total cost",
    "roas": "ROAS",
    "roi": "ROI",
    "emv": "EMV",
    "emv_return": "EMV return",
    "cpe": "Cost per engagement",
    "mention_volume": "Mentions",
    "net_sentiment": "Net sentiment",
    "positive_share": "Positive share",
    "share_of_voice": "Share of voice",
    "branded_search_lift": "Branded search lift",
}
#: Columns of the campaign KOL tables (page and report) besides KOL, tier and the comment figures.
KOL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("notes", N_("Notes")),
    ("reach", N_("Reach")),
    ("engagements", N_("Engagements")),
    ("engagement_rate_by_followers", N_("ER (followers)")),
    ("clicks", N_("Clicks")),
    ("orders", N_("Orders")),
    ("revenue", N_("Revenue")),
    ("total_cost", N_("Total cost")),
    ("roas", "ROAS"),
    ("cpe", "CPE"),
)
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class VettingEvidence:
    """What the vetting report shows beside the verdict: the comments flags point at (comment-table
    rows with their labels), the stored follower snapshots and the recent notes (for the growth
    chart's note ticks; ``stored_notes`` are the rows themselves)."""

    comments: Mapping[str, Any] = field(default_factory=dict)
    snapshots: Sequence[Mapping[str, Any]] = ()
    notes: Sequence[Mapping[str, Any]] = ()
    stored_notes: Sequence[Note] = ()


def vetting_evidence(session: Session, workspace_id: int, kol: Kol, recent_notes: int) -> VettingEvidence:
    """The evidence of a KOL's vetting from the store (as the vetting page shows it)."""
    from service.web.comment_table import comment_rows

    notes = list_notes_for_kol(session, workspace_id, kol.id, limit=recent_notes)
    stored = comments_for_notes(session, workspace_id, [n.id for n in notes])
    comments = {row.comment.platform_comment_id: row for row in comment_rows(session, workspace_id, stored)}
    snapshots = [
        {"date": s.date.isoformat(), "followers": s.followers}
        for s in follower_series(session, workspace_id, kol.id)
    ]
    note_rows = [
        {
            "published_at": n.published_at.isoformat() if n.published_at else None,
            "sponsored": n.sponsored,
            "title": n.title,
        }
        for n in notes
    ]
    return VettingEvidence(comments=comments, snapshots=snapshots, notes=note_rows, stored_notes=notes)


def vetting_sections(vetting: Mapping[str, Any], evidence: VettingEvidence, tr: Any) -> dict[str, Any]:
    """The vetting page's and report's sections (:func:`service.web.views.vetting_view`) in the
    language of ``tr``."""
    from service.web.views import vetting_view

    return vetting_view(
        vetting, comments=evidence.comments, snapshots=evidence.snapshots, notes=evidence.notes, tr=tr
    )


def _render(template: str, locale: str, **context: Any) -> str:
    from service.web import i18n
    from service.web.rendering import templates
    from service.web.views import VERDICT_TEXT

    chosen = locale if locale in i18n.LANGUAGES else DEFAULT_LOCALE
    return (
        templates()
        .env.get_template(template)
        .render(locale=chosen, html_lang=i18n.html_lang(chosen), verdict_text=VERDICT_TEXT, **context)
    )


def _translator(locale: str) -> Any:
    from service.web import i18n

    return i18n.PageTranslate(locale)


def render_html(report: Mapping[str, Any], locale: str = DEFAULT_LOCALE) -> str:
    """The campaign report as a standalone HTML page."""
    from service.web.views import campaign_view

    return _render(
        "reports/campaign.html",
        locale,
        r=report,
        view=campaign_view(report, _translator(locale)),
        overview_names=OVERVIEW_NAMES,
        labels=LABELS,
        kol_columns=KOL_COLUMNS,
        model_version=report.get("model_version"),
        generated_at=report.get("generated_at"),
    )


def render_vetting_html(
    vetting: Mapping[str, Any], evidence: VettingEvidence | None = None, locale: str = DEFAULT_LOCALE
) -> str:
    """The vetting report of one KOL as a standalone HTML page."""
    view = vetting_sections(vetting, evidence or VettingEvidence(), _translator(locale))
    return _render(
        "reports/vetting.html",
        locale,
        v=vetting,
        view=view,
        model_version=vetting.get("model_version"),
        generated_at=vetting.get("evaluated_at"),
    )
