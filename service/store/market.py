"""Store functions of the audience-fit and price features (tables ``audience_profile``, ``kol_quote``).

Rows are appended, never updated: the newest row counts and the older ones keep who entered what
and when. Every query is scoped by workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.tables import AudienceProfile, KolQuote

Row = TypeVar("Row", AudienceProfile, KolQuote)


def _added(session: Session, row: Row, entered_by: str, entered_via: str) -> Row:
    """``row`` stamped with who entered it, added and flushed (its id set)."""
    row.entered_by, row.entered_via = entered_by[:200], entered_via
    session.add(row)
    session.flush()
    return row


def add_audience_profile(
    session: Session,
    workspace_id: int,
    *,
    kind: str,
    shares: Mapping[str, Any],
    entered_by: str,
    entered_via: str,
    kol_id: int | None = None,
    weights: Mapping[str, float] | None = None,
    source: str | None = None,
) -> AudienceProfile:
    values = {
        "shares": dict(shares),
        "weights": dict(weights) if weights else None,
        "source": (source or "")[:200] or None,
    }
    return _added(
        session,
        AudienceProfile(workspace_id=workspace_id, kind=kind, kol_id=kol_id, **values),
        entered_by,
        entered_via,
    )


def latest_audience_profile(
    session: Session, workspace_id: int, kind: str, kol_id: int | None = None
) -> AudienceProfile | None:
    query = select(AudienceProfile).where(
        AudienceProfile.workspace_id == workspace_id, AudienceProfile.kind == kind
    )
    query = query.where(
        AudienceProfile.kol_id.is_(None) if kol_id is None else AudienceProfile.kol_id == kol_id
    )
    return session.scalars(query.order_by(AudienceProfile.id.desc()).limit(1)).first()


def add_quote(
    session: Session,
    workspace_id: int,
    kol_id: int,
    *,
    fmt: str,
    price: Decimal,
    currency: str,
    entered_by: str,
    entered_via: str,
) -> KolQuote:
    quote = KolQuote(workspace_id=workspace_id, kol_id=kol_id, format=fmt, price=price, currency=currency)
    return _added(session, quote, entered_by, entered_via)


def latest_quotes(session: Session, workspace_id: int, kol_id: int) -> dict[str, KolQuote]:
    """The newest quote per note format."""
    rows = session.scalars(
        select(KolQuote)
        .where(KolQuote.workspace_id == workspace_id, KolQuote.kol_id == kol_id)
        .order_by(KolQuote.id.desc())
    )
    out: dict[str, KolQuote] = {}
    for row in rows:
        out.setdefault(row.format, row)
    return out
