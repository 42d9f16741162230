"""Storage of brand tracking: tracked brands, search hits and search-index values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from models.market.brands import BrandSpec
from service.store.tables import Comment, MarketBrand, Note, SearchHit, SearchIndexPoint


def list_brands(session: Session, workspace_id: int) -> list[MarketBrand]:
    """The workspace's tracked brands, its own first, then by name."""
    stmt = (
        select(MarketBrand)
        .where(MarketBrand.workspace_id == workspace_id)
        .order_by(MarketBrand.own.desc(), MarketBrand.name)
    )
    return list(session.scalars(stmt))


def brand_specs(session: Session, workspace_id: int) -> tuple[BrandSpec, ...]:
    return tuple(
        BrandSpec(
            name=b.name,
            aliases=tuple(b.aliases or ()),
            products=tuple(b.products or ()),
            hashtags=tuple(b.hashtags or ()),
            own=b.own,
        )
        for b in list_brands(session, workspace_id)
    )


def replace_brands(session: Session, workspace_id: int, brands: Sequence[BrandSpec]) -> list[MarketBrand]:
    """Make ``brands`` the workspace's tracked brands (checked by the caller)."""
    session.execute(delete(MarketBrand).where(MarketBrand.workspace_id == workspace_id))
    session.flush()
    session.add_all(MarketBrand(workspace_id=workspace_id, **spec.to_dict()) for spec in brands)
    session.flush()
    return list_brands(session, workspace_id)


def market_notes(session: Session, workspace_id: int) -> list[Note]:
    """Every imported note of the workspace (placeholders left out), with its KOL loaded."""
    stmt = (
        select(Note)
        .where(Note.workspace_id == workspace_id, Note.is_placeholder.is_(False))
        .options(joinedload(Note.kol))
        .order_by(Note.published_at, Note.id)
    )
    return list(session.scalars(stmt))


def market_comments(session: Session, workspace_id: int) -> list[Comment]:
    """Every comment of the workspace, oldest first."""
    stmt = (
        select(Comment).where(Comment.workspace_id == workspace_id).order_by(Comment.created_at, Comment.id)
    )
    return list(session.scalars(stmt))


def search_keywords(session: Session, workspace_id: int) -> dict[int, list[str]]:
    """Note row id -> the search keywords it was found under."""
    out: dict[int, list[str]] = {}
    stmt = select(SearchHit.note_id, SearchHit.keyword).where(SearchHit.workspace_id == workspace_id)
    for note_id, keyword in session.execute(stmt):
        out.setdefault(note_id, []).append(keyword)
    return out


def search_index_points(session: Session, workspace_id: int) -> list[SearchIndexPoint]:
    stmt = (
        select(SearchIndexPoint)
        .where(SearchIndexPoint.workspace_id == workspace_id)
        .order_by(SearchIndexPoint.keyword, SearchIndexPoint.day)
    )
    return list(session.scalars(stmt))


def put_search_index(
    session: Session,
    workspace_id: int,
    keyword: str,
    values: Sequence[tuple[date, int]],
    entered_by: str | None,
) -> int:
    """Values typed in a page or sent as JSON (``source`` = "form"); returns how many changed."""
    stored = {
        p.day: p
        for p in session.scalars(
            select(SearchIndexPoint).where(
                SearchIndexPoint.workspace_id == workspace_id, SearchIndexPoint.keyword == keyword
            )
        )
    }
    changed = 0
    for day, value in values:
        point = stored.get(day)
        if point is None:
            session.add(
                SearchIndexPoint(
                    workspace_id=workspace_id,
                    keyword=keyword,
                    day=day,
                    value=value,
                    source="form",
                    entered_by=entered_by,
                )
            )
            changed += 1
        elif point.value != value:
            point.value, point.source, point.entered_by = value, "form", entered_by
            changed += 1
    session.flush()
    return changed
