"""Market context of a workspace: who mentions its brand and competitors, week by week, and what a
campaign changed (share of voice, UGC re-creation, branded search lift).

Reads every imported note (title, description, tags) and comment of the workspace, matches them
with :class:`models.market.brands.BrandMatcher`, analyses the mentioning comments the serving model
has not seen (saved like any analysis), screens them for real commenters per comment section
(:func:`service.campaigns.screen_kol_comments`, the authenticity comment signal), and hands
the mentions to :mod:`models.market.mentions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from models.kpi import formulas as f
from models.market.brands import BrandDefinitionError, BrandSpec, check_brands, clean_term, matcher_for
from models.market.mentions import CHINA, Mention, SearchPoint, brand_weeks, search_lift, ugc_recreation
from models.themes import summarize_themes
from service.campaigns import screen_kol_comments, theme_comments
from service.comment_analysis import analyze_stored, intent_flags
from service.ingest.parsing import parse_count, parse_date
from service.store.brands import (
    brand_specs,
    market_comments,
    market_notes,
    search_index_points,
)
from service.store.repositories import campaign_rows
from service.store.tables import Campaign, Comment, Note, Workspace

DEFAULT_WINDOW_DAYS = 28
TOP_THEMES = 3

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "BrandDefinitionError",
    "MarketData",
    "attach_market",
    "campaign_market",
    "collect_mentions",
    "market_report",
    "parse_brands",
    "parse_search_values",
]


def parse_brands(items: Sequence[Any]) -> tuple[BrandSpec, ...]:
    """Brand definitions from JSON-like data, checked together (one own brand, no shared term)."""
    specs = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BrandDefinitionError(f"brand {position}: expected an object with name, aliases, ...")
        try:
            specs.append(BrandSpec.from_dict(item))
        except BrandDefinitionError as exc:
            raise BrandDefinitionError(f"brand {position}: {exc}") from None
    check_brands(specs)
    return tuple(specs)


def parse_search_values(rows: Sequence[Any]) -> tuple[list[tuple[date, int]], list[dict[str, Any]]]:
    """Typed search-index rows (``date``, ``value``): the readable ones, and an error per other row
    (``row`` counts from 1) saying what is accepted."""
    values: list[tuple[date, int]] = []
    errors: list[dict[str, Any]] = []
    for position, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(
                {"row": position, "column": None, "reason": "expected an object with date and value"}
            )
            continue
        parsed: dict[str, Any] = {}
        for column, parser in (("date", parse_date), ("value", parse_count)):
            try:
                parsed[column] = parser(row.get(column))
            except ValueError as exc:
                errors.append({"row": position, "column": column, "reason": str(exc)})
                continue
            if parsed[column] is None:
                errors.append({"row": position, "column": column, "reason": "is empty but required"})
        if parsed.get("date") is not None and parsed.get("value") is not None:
            values.append((parsed["date"], parsed["value"]))
    return values, errors


@dataclass
class MarketData:
    """The mentions of a workspace's brands, and the real mentioning comments per brand."""

    brands: tuple[BrandSpec, ...]
    mentions: list[Mention] = field(default_factory=list)
    comments: dict[str, list[Comment]] = field(default_factory=dict)
    analysed_now: int = 0
    notes_read: int = 0
    comments_read: int = 0

    @property
    def own(self) -> BrandSpec | None:
        return next((b for b in self.brands if b.own), None)


def _note_mentions(data: MarketData, notes: Sequence[Note]) -> None:
    matcher = matcher_for(data.brands)
    for note in notes:
        text = "\n".join(t for t in (note.title, note.description) if t)
        kol, pid = note.kol, note.platform_note_id
        who, name = (kol.platform_user_id, kol.nickname or kol.platform_user_id) if kol else (None, None)
        base = Mention("", "note", pid, note.published_at, pid, creator=who, creator_name=name)
        base = replace(base, title=note.title, url=note.note_url)
        for brand, terms in matcher.match(text, note.tags or ()).items():
            data.mentions.append(replace(base, brand=brand, terms=tuple(sorted(terms))))


def _reload(session: Session, comments: Sequence[Comment]) -> list[Comment]:
    session.commit()  # a new transaction sees the analyses saved through the writer
    ids = [c.id for c in comments]
    loaded: dict[int, Comment] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for c in session.scalars(
            select(Comment).where(Comment.id.in_(chunk)).execution_options(populate_existing=True)
        ):
            loaded[c.id] = c
    return [loaded[i] for i in ids if i in loaded]


def collect_mentions(
    session: Session, writer: sessionmaker[Session], workspace_id: int, models: CommentModels | None
) -> MarketData:
    """Every mention of the workspace's brands; ``models`` analyses mentioning comments not yet
    analysed (``None``: only stored analyses count)."""
    data = MarketData(brand_specs(session, workspace_id))
    if not data.brands:
        return data
    notes = market_notes(session, workspace_id)
    data.notes_read = len(notes)
    _note_mentions(data, notes)
    matcher = matcher_for(data.brands)
    comments = market_comments(session, workspace_id)
    data.comments_read = len(comments)
    matched = [(c, matcher.match(c.text)) for c in comments]
    mentioning = [c for c, found in matched if found]
    if models is not None and mentioning:
        data.analysed_now = analyze_stored(writer, workspace_id, mentioning, models)
        if data.analysed_now:
            mentioning = _reload(session, mentioning)
    by_id = {c.id: c for c in mentioning}
    author = {n.id: (n.kol.platform_user_id if n.kol else None) for n in notes}
    sections: dict[str, list[Comment]] = {}  # screened per comment section: the note's KOL, else the note
    for c in mentioning:
        sections.setdefault(author.get(c.note_id) or f"note:{c.note_id}", []).append(c)
    rejected: dict[str, tuple[str, ...]] = {}
    for account, section in sections.items():
        rejected.update(screen_kol_comments(account, section))
    note_pid = {n.id: n.platform_note_id for n in notes}
    for comment, found in matched:
        if not found:
            continue
        c = by_id.get(comment.id, comment)
        real = c.platform_comment_id not in rejected
        note_id = note_pid.get(c.note_id, str(c.note_id))
        who = c.commenter_id or c.commenter_hash
        base = Mention("", "comment", c.platform_comment_id, c.created_at, note_id, creator=who, real=real)
        base = replace(base, sentiment=c.sentiment, intents=intent_flags(c))
        for brand, terms in found.items():
            data.mentions.append(replace(base, brand=brand, terms=tuple(sorted(terms))))
            if real:
                data.comments.setdefault(brand, []).append(c)
    return data


def _themes(comments: Sequence[Comment]) -> list[dict[str, Any]]:
    summary = summarize_themes(theme_comments(comments), max_themes=TOP_THEMES)
    return [
        {"title": t.title or {"zh": t.label, "en": t.label}, "n_comments": t.n_comments, "share": t.share}
        for t in summary.themes[:TOP_THEMES]
    ]


def market_report(
    data: MarketData, *, since: date | None = None, until: date | None = None, themes: bool = True
) -> dict[str, Any]:
    """Per brand and ISO week: mentions, real commenters' sentiment and intents, share of voice,
    top creators and (``themes``) top themes; ``since``/``until``: China days, inclusive."""

    def inside(m: Mention) -> bool:
        if since is None and until is None:
            return True
        if m.at is None:
            return False
        day = m.at.astimezone(CHINA).date()
        return (since is None or day >= since) and (until is None or day <= until)

    mentions = [m for m in data.mentions if inside(m)]
    report = brand_weeks([b.name for b in data.brands], mentions)
    kept = {m.doc_id for m in mentions if m.kind == "comment"}
    for row in report["brands"]:
        spec = next(b for b in data.brands if b.name == row["brand"])
        row["own"] = spec.own
        row["definition"] = spec.to_dict()
        comments = [c for c in data.comments.get(row["brand"], []) if c.platform_comment_id in kept]
        row["top_themes"] = _themes(comments) if themes else []
    report["since"] = since.isoformat() if since else None
    report["until"] = until.isoformat() if until else None
    report["notes_read"] = data.notes_read
    report["comments_read"] = data.comments_read
    report["comments_analysed_now"] = data.analysed_now
    if not data.brands:
        report["note"] = "no brands defined: add the workspace's brand and its competitors first"
    return report


# --------------------------------------------------------------------------- campaigns


def _campaign_brand(data: MarketData, campaign: Campaign) -> BrandSpec | None:
    """The brand a campaign is about: the one its ``brand`` names (name or alias), else the own one."""
    if campaign.brand:
        try:
            wanted = clean_term(campaign.brand, "campaign brand")
        except BrandDefinitionError:
            wanted = ""
        for spec in data.brands:
            if wanted in spec.words:
                return spec
    return data.own


def _window(campaign: Campaign, first: datetime, last: datetime, window_days: int) -> tuple[date, date]:
    """The campaign's dates; without them, from its first note to ``window_days`` after its last
    (a note keeps being read and talked about after it is published)."""
    start = campaign.start_date or first.astimezone(CHINA).date()
    end = campaign.end_date or last.astimezone(CHINA).date() + timedelta(days=window_days)
    return start, max(start, end)


def campaign_market(
    session: Session,
    data: MarketData,
    workspace: Workspace,
    campaign: Campaign,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> dict[str, Any]:
    """Share of voice over the campaign's dates, UGC re-creation and branded search lift around its
    first note, for the campaign's brand; a ``note`` says what is missing when they cannot be had."""
    brand = _campaign_brand(data, campaign)
    if brand is None:
        return {
            "note": "no brand defined for this workspace: define the brand and competitors on the Market page"
        }
    rows = campaign_rows(session, workspace.id, campaign.id)
    published = [r.note.published_at for r in rows if r.note.published_at is not None]
    if not published:
        return {"brand": brand.name, "note": "the campaign has no dated notes yet"}
    first, last = min(published), max(published)
    start, end = _window(campaign, first, last, window_days)
    report = market_report(data, since=start, until=end, themes=False)
    competitors = [
        {
            "brand": row["brand"],
            "own": row["brand"] == brand.name,
            "mentions": row["totals"]["mentions"],
            "net_sentiment": row["totals"]["net_sentiment"],
            "share_of_voice": row["totals"]["share_of_voice"],
        }
        for row in report["brands"]
    ]
    own_row = next(r for r in competitors if r["own"])
    sov = (
        own_row["share_of_voice"]
        if len(data.brands) > 1
        else f.share_of_voice(own_row["mentions"], None).to_dict()
        | {"reason": "no competitor brands defined: add them on the Market page"}
    )
    creators = {r.kol.platform_user_id for r in rows if r.kol} | {
        r.note.kol.platform_user_id for r in rows if r.note.kol
    }
    points = [SearchPoint(p.day, p.keyword, p.value) for p in search_index_points(session, workspace.id)]
    keywords = [p.keyword for p in points if _is_term(p.keyword, brand)]
    return {
        "brand": brand.name,
        "window": {"from": start.isoformat(), "to": end.isoformat()},
        "share_of_voice": sov,
        "brands": competitors,
        "ugc": ugc_recreation(data.mentions, brand.name, creators, first, window_days=window_days),
        "search": search_lift(
            points, keywords or [brand.name], first.astimezone(CHINA).date(), window_days=window_days
        ),
    }


def _is_term(keyword: str, brand: BrandSpec) -> bool:
    try:
        return clean_term(keyword, "keyword") in brand.words
    except BrandDefinitionError:
        return False


def attach_market(
    session: Session,
    writer: sessionmaker[Session],
    workspace: Workspace,
    campaign: Campaign,
    models: CommentModels | None,
    report: dict[str, Any],
) -> None:
    """Fill the campaign report's share of voice, branded search lift and competitive context from
    the market data (``report["market"]`` holds the whole campaign market block)."""
    data = collect_mentions(session, writer, workspace.id, models)
    market = campaign_market(session, data, workspace, campaign)
    report["market"] = market
    if "share_of_voice" in market:
        health = report["brand_health"]["metrics"]["metrics"]
        health["share_of_voice"] = market["share_of_voice"]
        health["branded_search_lift"] = market["search"]["branded_search_lift"]
        report["competitive_context"]["brands"] = market["brands"]
