"""Campaign reports: load a campaign's rows, map them to :mod:`models.campaign_report`, build it.

Also the store-to-KPI mapping shared with vetting (:func:`note_kpi_input`, :func:`kpi_config_for`):

* a note's counts come from its newest metrics snapshot (creator centre, agency reports); where
  that lacks likes, saves, comments or shares (or there is no snapshot) the note's public counters
  stand in, which are the same cumulative figures as XHS shows them;
* ``followers`` is the KOL's follower count on the day the note was published (the newest
  follower snapshot on or before that day), else the KOL's current count;
* clicks, add-to-carts, orders, revenue and costs come from the campaign economics row; clicks
  fall back to the snapshot's clicks;
* money in another currency than the campaign's is left out with a warning (RedLens converts no
  currencies).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.authenticity import AccountData, load_calibration, screen_comments
from models.authenticity import Comment as AComment
from models.campaign_report import CampaignInfo, CampaignReportInput, DailyMentions, ReportNote, build_report
from models.comments import CommentModels
from models.kpi import EmvRates, KPIConfig, KPIInput, KPIInputError
from models.labels import INTENTS, SENTIMENTS
from models.themes import AspectMemo, ThemeComment, summarize_themes
from service.comment_analysis import analyze_stored, intent_flags
from service.ingest.parsing import CHINA_TZ
from service.store import tables
from service.store.engine import end_transaction
from service.store.repositories import (
    campaign_rows,
    comments_for_notes,
    follower_series,
    latest_note_metrics,
)
from service.store.tables import (
    Campaign,
    CampaignNote,
    Comment,
    FollowerSnapshot,
    Kol,
    Note,
    NoteMetricsSnapshot,
    Workspace,
)

MAX_THEME_COMMENTS = 5000
_EMV_FIELDS = ("cpm", "like", "comment", "save", "share")


def kpi_config_for(workspace: Workspace) -> tuple[KPIConfig, list[str]]:
    """The KPI settings of a workspace: its EMV rate card when it has one (else the placeholder)."""
    rates = workspace.emv_rates or {}
    if not rates:
        return KPIConfig(), []
    try:
        card = EmvRates(
            currency=workspace.currency,
            source="workspace rate card",
            **{k: Decimal(str(rates[k])) for k in _EMV_FIELDS if k in rates},
        )
    except (KPIInputError, ArithmeticError, ValueError) as exc:
        return KPIConfig(), [f"the workspace EMV rate card is not usable ({exc}); placeholder rates used"]
    return KPIConfig.with_emv_rates(card), []


def content_format(note: Note) -> str | None:
    return {"video": "video", "normal": "image"}.get(note.type or "")


class FollowerLookup:
    """Followers of a KOL on a given day: the newest snapshot on or before it."""

    def __init__(self, snapshots: Sequence[FollowerSnapshot], current: int | None) -> None:
        known = [(s.date, s.followers) for s in snapshots if s.followers is not None]
        self._dates = [d for d, _ in known]
        self._values = [int(v) for _, v in known if v is not None]
        self.current = current

    def at(self, when: datetime | None) -> int | None:
        if when is None or not self._dates:
            return self.current
        day = when.astimezone(CHINA_TZ).date()
        index = bisect.bisect_right(self._dates, day) - 1
        return self._values[index] if index >= 0 else (self._values[0] if self._values else self.current)


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


def note_kpi_input(
    note: Note,
    snapshot: NoteMetricsSnapshot | None,
    *,
    followers: int | None,
    category: str | None,
    currency: str,
    economics: CampaignNote | None = None,
    warnings: list[str] | None = None,
    tier: str | None = None,
) -> KPIInput:
    """One note's KPI input from its newest snapshot, public counters and campaign economics."""
    s = snapshot
    values: dict[str, Any] = {
        "followers": followers,
        "impressions": s.impressions if s else None,
        "reach": s.reach if s else None,
        "views": s.views if s else None,
        "likes": _first(s.likes if s else None, note.liked_count),
        "saves": _first(s.saves if s else None, note.collected_count),
        "comments": _first(s.comments if s else None, note.comment_count),
        "shares": _first(s.shares if s else None, note.share_count),
        "follows": s.follows if s else None,
        "completions": s.completions if s else None,
        "avg_watch_seconds": s.avg_watch_seconds if s else None,
        "clicks": s.clicks if s else None,
    }
    if economics is not None:
        values["clicks"] = _first(economics.clicks, values["clicks"])
        values["add_to_carts"] = economics.add_to_carts
        values["orders"] = economics.orders
        values["new_customers"] = economics.new_customers
        row_currency = (economics.currency or currency).upper()
        money = {
            "fee": economics.fee,
            "product_cost": economics.product_cost,
            "paid_media": economics.paid_media,
            "agency_cost": economics.agency_cost,
            "revenue": economics.revenue,
        }
        if row_currency == currency.upper():
            values.update(money)
        elif any(v is not None for v in money.values()) and warnings is not None:
            warnings.append(
                f"note {note.platform_note_id}: economics in {row_currency}, campaign in {currency}; "
                "its money is left out (no currency conversion)"
            )
    return KPIInput(
        currency=currency,
        tier=tier,
        category=category,
        content_format=content_format(note),
        **values,
    )


def _china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def comment_counts(comments: Sequence[Comment]) -> tuple[dict[str, int], dict[str, int], int]:
    sentiment = dict.fromkeys(SENTIMENTS, 0)
    intents = dict.fromkeys(INTENTS, 0)
    analyzed = 0
    for c in comments:
        if c.sentiment not in sentiment:
            continue
        analyzed += 1
        sentiment[str(c.sentiment)] += 1
        for name, flag in intent_flags(c).items():
            if flag and name in intents:
                intents[name] += 1
    return sentiment, intents, analyzed


def theme_comments(
    comments: Sequence[Comment],
    limit: int = MAX_THEME_COMMENTS,
    *,
    group_of: Mapping[int, str] | None = None,
) -> list[ThemeComment]:
    """Analysed comments with text, the most recent ``limit`` of them, as theme inputs; comments the
    intent model flags as spam are marked ``excluded`` (themes neither count nor quote them).
    ``group_of`` maps note row ids to a group (the KOL) for :func:`models.themes.compare_groups`."""
    usable = [c for c in comments if c.sentiment is not None and (c.text or "").strip()]
    usable.sort(key=lambda c: (c.created_at or datetime.min.replace(tzinfo=UTC), c.id))
    out = []
    for c in usable[-limit:]:
        flags = intent_flags(c)
        out.append(
            ThemeComment(
                text=c.text,
                sentiment=c.sentiment,
                intents=flags,
                id=c.platform_comment_id,
                excluded=flags.get("spam", False),
                created_at=c.created_at,
                group=(group_of or {}).get(c.note_id),
            )
        )
    return out


def load_analysed_comments(
    session: Session,
    writer: sessionmaker[Session],
    workspace_id: int,
    note_ids: Sequence[int],
    models: CommentModels,
) -> tuple[list[Comment], int]:
    """Comments of these notes, after analysing (and saving, through ``writer``) those the serving
    model has not seen. ``session`` must hold no unsaved writes: its transaction is ended before the
    models run (no pooled connection is held meanwhile) and again after reading the new analyses."""
    comments = comments_for_notes(session, workspace_id, list(note_ids))
    end_transaction(session)
    analysed = analyze_stored(writer, workspace_id, comments, models)
    if analysed:
        for comment in comments:  # loaded objects keep old values unless expired
            session.expire(comment)
        comments = comments_for_notes(session, workspace_id, list(note_ids))
        end_transaction(session)
    return comments, analysed


def screened_out(rows: Sequence[CampaignNote], comments: Sequence[Comment]) -> dict[str, tuple[str, ...]]:
    """Platform ids of the campaign's comments that the authenticity comment signal rejects
    (likely bots, coordinated copies, spam), screened KOL by KOL over their campaign notes; empty
    when the authenticity calibration is not installed."""
    return screened_by_kol({r.note_id: (r.kol or r.note.kol) for r in rows}, comments)


def screened_by_kol(
    kol_of: Mapping[int, Kol | None], comments: Sequence[Comment]
) -> dict[str, tuple[str, ...]]:
    """:func:`screened_out` for comments whose note row id maps to its KOL in ``kol_of``."""
    by_kol: dict[str, list[Comment]] = {}
    for c in comments:
        kol = kol_of.get(c.note_id)
        if kol is not None:
            by_kol.setdefault(kol.platform_user_id, []).append(c)
    out: dict[str, tuple[str, ...]] = {}
    for kol_id, kol_comments in by_kol.items():
        out.update(screen_kol_comments(kol_id, kol_comments))
    return out


def screen_kol_comments(kol_id: str, comments: Sequence[Comment]) -> dict[str, tuple[str, ...]]:
    """The comments of one KOL that the authenticity comment signal rejects, with the reasons
    (empty when the calibration is not installed; comments without a time are not screened)."""
    try:
        machine = load_calibration().machine_text
    except (FileNotFoundError, ValueError):
        return {}
    kept = [
        AComment(
            comment_id=c.platform_comment_id,
            note_id=str(c.note_id),
            text=c.text or "",
            created_at=c.created_at,
            commenter_id=c.commenter_id or c.commenter_hash or f"unknown:{c.platform_comment_id}",
            nickname=c.nickname or "",
            ip_location=c.ip_location,
            parent_comment_id=c.parent_comment_id,
        )
        for c in comments
        if c.created_at is not None
    ]
    if not kept:
        return {}
    account = AccountData(kol_id=kol_id, comments=kept, kol_user_id=kol_id)
    return screen_comments(account, machine_text=machine)


def _placed_notes(
    session: Session, workspace_id: int, rows: Sequence[CampaignNote]
) -> list[tuple[CampaignNote, Note, tables.Kol | None, int | None]]:
    """Each campaign row with its note, its KOL and the KOL's follower count when the note came out."""
    lookups: dict[int, FollowerLookup] = {}
    out = []
    for row in rows:
        note, kol = row.note, row.kol or row.note.kol
        followers = None
        if kol is not None:
            if kol.id not in lookups:
                lookups[kol.id] = FollowerLookup(
                    follower_series(session, workspace_id, kol.id), kol.followers
                )
            followers = lookups[kol.id].at(note.published_at)
        out.append((row, note, kol, followers))
    return out


def build_campaign_report(
    session: Session,
    writer: sessionmaker[Session],
    workspace: Workspace,
    campaign: Campaign,
    models: CommentModels,
    *,
    top_n: int = 5,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The campaign report (``redlens.campaign_report/1``) as JSON-ready data."""
    ws = workspace.id
    config, warnings = kpi_config_for(workspace)
    rows = campaign_rows(session, ws, campaign.id)
    note_ids = [r.note_id for r in rows]
    latest = latest_note_metrics(session, ws, note_ids)
    placed = _placed_notes(session, ws, rows)
    comments, analysed = load_analysed_comments(session, writer, ws, note_ids, models)
    # No database work past this point. Sentiment, intents and themes count real commenters only
    # (see screened_out).
    rejected = screened_out(rows, comments)
    all_comments = comments
    if rejected:
        warnings.append(
            f"{len(rejected)} of {len(comments)} comments are left out of sentiment, intent and theme figures "
            "as likely bots, coordinated copies or spam"
        )
        comments = [c for c in comments if c.platform_comment_id not in rejected]
    by_note: dict[int, list[Comment]] = {}
    for c in comments:
        by_note.setdefault(c.note_id, []).append(c)
    notes = []
    for row, note, kol, followers in placed:
        sentiment, intents, n_analysed = comment_counts(by_note.get(note.id, []))
        notes.append(
            ReportNote(
                note_id=note.platform_note_id,
                title=note.title or note.platform_note_id,
                kol_id=kol.platform_user_id if kol else None,
                kol_name=(kol.nickname or kol.platform_user_id) if kol else None,
                published_at=note.published_at,
                metrics=note_kpi_input(
                    note,
                    latest.get(note.id),
                    followers=followers,
                    category=kol.category if kol else None,
                    currency=campaign.currency,
                    economics=row,
                    warnings=warnings,
                ),
                sentiment_counts=sentiment,
                intent_counts=intents,
                comments_analyzed=n_analysed,
                note_url=note.note_url,
            )
        )
    daily: dict[date, dict[str, int]] = {}
    for c in comments:
        if c.created_at is None or c.sentiment not in SENTIMENTS:
            continue
        counts = daily.setdefault(_china_day(c.created_at), dict.fromkeys(SENTIMENTS, 0))
        counts[str(c.sentiment)] += 1
    memo: AspectMemo = {}  # the theme comparisons read the same comments again
    themes = summarize_themes(theme_comments(comments), memo=memo)
    report = build_report(
        CampaignReportInput(
            campaign=CampaignInfo(
                id=campaign.id,
                name=campaign.name,
                brand=campaign.brand,
                start_date=campaign.start_date,
                end_date=campaign.end_date,
                currency=campaign.currency,
            ),
            notes=notes,
            daily=[DailyMentions(day, **counts) for day, counts in daily.items()],
            themes=themes,
            config=config,
            warnings=warnings,
        ),
        top_n=top_n,
    )
    from service.brand_tracking import attach_market  # these build on this module
    from service.campaign_themes import campaign_theme_comparison
    from service.market import campaign_audience

    report["theme_comparison"] = campaign_theme_comparison(
        session, writer, ws, rows, comments, models, memo=memo
    )
    attach_market(session, writer, workspace, campaign, models, report)
    kols = list({kol.id: kol for _, _, kol, _ in placed if kol is not None}.values())
    kol_of_note = {note.id: kol for _, note, kol, _ in placed if kol is not None}
    by_kol: dict[int, list[Comment]] = {}
    for c in all_comments:
        if c.note_id in kol_of_note:
            by_kol.setdefault(kol_of_note[c.note_id].id, []).append(c)
    report["audience_fit"] = campaign_audience(session, ws, kols, by_kol, rejected)
    report["model_version"] = models.version
    report["comments_analyzed_now"] = analysed
    report["generated_at"] = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return report
