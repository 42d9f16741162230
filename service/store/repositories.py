"""Queries and writes, as plain functions taking a :class:`~sqlalchemy.orm.Session`.

Every function that reads or writes workspace data takes ``workspace_id`` and filters by it, so
a row id from another workspace behaves exactly like a missing id (``None`` / empty / 0 rows):
an API key can never reach another brand's data. The functions flush but never commit: the
caller owns the transaction (one request, one job step).

System-level exceptions say so in their docstring: :func:`find_api_key` and
:func:`find_web_session` (they are how a workspace is found), :func:`claim_queued_job`,
:func:`active_job_ids` and :func:`fail_stale_jobs` (the job runner's), and
:func:`find_model_version`, :func:`model_version_trainers` and :func:`make_shipped` (the
deployment's model registry).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import QueryableAttribute, Session, aliased, joinedload

from service.store.tables import (
    FINISHED_JOB_STATES,
    JOB_KINDS,
    LABELLED_SOURCES,
    ApiKey,
    Campaign,
    CampaignNote,
    Comment,
    FollowerSnapshot,
    Job,
    Kol,
    LabelledExample,
    ModelVersion,
    Note,
    NoteMetricsSnapshot,
    WebSession,
    Workspace,
)
from service.store.types import utcnow

API_KEY_PREFIX = "rl_"
SESSION_TOKEN_PREFIX = "rls_"  # noqa: S105  # a web sign-in session token (cookie), never an API key
API_KEY_PREFIX_SHOWN = 10  # characters of the secret shown to users ("rl_AbCdEfG")
KNOWN_SCOPES: frozenset[str] = frozenset({"read", "write", "admin"})
_IN_CHUNK = 5000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


class NotFoundError(LookupError):
    """A row that does not exist in the given workspace."""


# --------------------------------------------------------------------------- workspaces


def create_workspace(
    session: Session,
    slug: str,
    name: str | None = None,
    *,
    currency: str = "CNY",
    emv_rates: Mapping[str, float] | None = None,
) -> Workspace:
    """Create a workspace (a brand). ``slug`` is its unique short name used by the CLI."""
    slug = slug.strip()
    if not slug:
        raise ValueError("workspace slug must not be empty")
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"currency {currency!r} is not an ISO 4217 code like 'CNY'")
    workspace = Workspace(
        slug=slug,
        name=name or slug,
        currency=currency,
        emv_rates=dict(emv_rates) if emv_rates is not None else None,
    )
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace(session: Session, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def get_workspace_by_slug(session: Session, slug: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.slug == slug.strip()))


def update_workspace(
    session: Session,
    workspace_id: int,
    *,
    name: str | None = None,
    currency: str | None = None,
    emv_rates: Mapping[str, float] | None = None,
) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFoundError(f"workspace {workspace_id} does not exist")
    if name is not None:
        workspace.name = name
    if currency is not None:
        workspace.currency = currency.upper()
    if emv_rates is not None:
        workspace.emv_rates = dict(emv_rates)
    session.flush()
    return workspace


# --------------------------------------------------------------------------- API keys


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest of an API key secret (the only form stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _normalise_scopes(scopes: str | Iterable[str]) -> str:
    items = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    cleaned = sorted({s.strip().lower() for s in items if s.strip()})
    unknown = set(cleaned) - KNOWN_SCOPES
    if unknown or not cleaned:
        raise ValueError(
            f"scopes {sorted(unknown) or cleaned!r} not accepted: use some of {sorted(KNOWN_SCOPES)}"
        )
    return ",".join(cleaned)


def create_api_key(
    session: Session,
    workspace_id: int,
    scopes: str | Iterable[str] = "read",
    *,
    name: str = "default",
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the secret. The secret is shown once and never stored."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        workspace_id=workspace_id,
        name=name,
        prefix=secret[:API_KEY_PREFIX_SHOWN],
        secret_sha256=hash_secret(secret),
        scopes=_normalise_scopes(scopes),
    )
    session.add(key)
    session.flush()
    return key, secret


def find_api_key(session: Session, secret: str) -> ApiKey | None:
    """The active (not revoked) key with this secret, or ``None``. System-level: finds the workspace."""
    if not secret:
        return None
    return session.scalar(
        select(ApiKey).where(ApiKey.secret_sha256 == hash_secret(secret), ApiKey.revoked_at.is_(None))
    )


def touch_api_key(session: Session, workspace_id: int, key_id: int, when: datetime | None = None) -> None:
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.workspace_id == workspace_id)
        .values(last_used_at=when or utcnow())
    )


def list_api_keys(session: Session, workspace_id: int, *, include_revoked: bool = False) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.workspace_id == workspace_id)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(stmt.order_by(ApiKey.id)))


def revoke_api_key(session: Session, workspace_id: int, key_id: int) -> bool:
    """Revoke a key of this workspace, and with it every web session signed in with it; ``False``
    if there is no such active key."""
    now = utcnow()
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.workspace_id == workspace_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    session.execute(
        update(WebSession)
        .where(
            WebSession.api_key_id == key_id,
            WebSession.workspace_id == workspace_id,
            WebSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return True


# --------------------------------------------------------------------------- web sessions


def create_web_session(
    session: Session, key: ApiKey, lifetime: timedelta, *, now: datetime | None = None
) -> tuple[WebSession, str]:
    """Start a web session for ``key``; returns the row and the token (shown once, never stored)."""
    start = now or utcnow()
    token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = WebSession(
        workspace_id=key.workspace_id,
        api_key_id=key.id,
        token_sha256=hash_secret(token),
        scopes=key.scopes,
        created_at=start,
        expires_at=start + lifetime,
    )
    session.add(row)
    session.flush()
    return row, token


def find_web_session(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[WebSession, ApiKey] | None:
    """The live session with this token and its key: not signed out, not expired, its key not
    revoked; else ``None``. System-level: finds the workspace."""
    if not token.startswith(SESSION_TOKEN_PREFIX):
        return None
    row = session.execute(
        select(WebSession, ApiKey)
        .join(
            ApiKey, and_(ApiKey.id == WebSession.api_key_id, ApiKey.workspace_id == WebSession.workspace_id)
        )
        .where(
            WebSession.token_sha256 == hash_secret(token),
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > (now or utcnow()),
            ApiKey.revoked_at.is_(None),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def revoke_web_session(session: Session, token: str) -> bool:
    """Sign a session out; ``False`` if no live session has this token."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.token_sha256 == hash_secret(token), WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delete_ended_web_sessions(session: Session, workspace_id: int, *, now: datetime | None = None) -> int:
    """Forget the workspace's sessions that have expired or were signed out; returns how many."""
    result = session.execute(
        delete(WebSession).where(
            WebSession.workspace_id == workspace_id,
            or_(WebSession.expires_at <= (now or utcnow()), WebSession.revoked_at.is_not(None)),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- KOLs and notes


def list_kols(
    session: Session,
    workspace_id: int,
    search: str | None = None,
    *,
    category: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Kol]:
    """KOLs of the workspace, most followed first. ``search`` matches nickname or platform id."""
    stmt = select(Kol).where(Kol.workspace_id == workspace_id)
    if search:
        stmt = stmt.where(_contains(search, Kol.nickname, Kol.platform_user_id))
    if category:
        stmt = stmt.where(Kol.category == category)
    stmt = stmt.order_by(Kol.followers.desc().nulls_last(), Kol.id).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def count_kols(session: Session, workspace_id: int, search: str | None = None) -> int:
    stmt = select(func.count()).select_from(Kol).where(Kol.workspace_id == workspace_id)
    if search:
        stmt = stmt.where(_contains(search, Kol.nickname, Kol.platform_user_id))
    return int(session.scalar(stmt) or 0)


def get_kol(session: Session, workspace_id: int, kol_id: int) -> Kol | None:
    return session.scalar(select(Kol).where(Kol.id == kol_id, Kol.workspace_id == workspace_id))


def set_kol_figures(session: Session, workspace_id: int, kol_id: int, *, followers: int | None) -> Kol | None:
    """Set a KOL's follower count as a user entered it (``None`` keeps the stored value); ``None``
    when the KOL is not in the workspace. Prices are quotes (:func:`service.store.market.add_quote`)."""
    kol = get_kol(session, workspace_id, kol_id)
    if kol is None:
        return None
    if followers is not None:
        kol.followers = followers
    session.flush()
    return kol


def get_kol_by_platform_id(session: Session, workspace_id: int, platform_user_id: str) -> Kol | None:
    """The KOL known by this platform id: its ``platform_user_id``, its ``creator_hash``, or the
    ``creator_hash`` of this id (an XHS user id whose account was imported from an anonymised export)."""
    key = platform_user_id.strip()
    candidates = {key, creator_hash_of(key)}
    return session.scalars(
        select(Kol)
        .where(
            Kol.workspace_id == workspace_id,
            or_(Kol.platform_user_id == key, Kol.creator_hash.in_(candidates)),
        )
        .order_by((Kol.platform_user_id == key).desc(), Kol.id)
    ).first()


def creator_hash_of(user_id: str) -> str:
    """MediaCrawler's anonymised creator id: the first 16 hex digits of SHA-256 of the user id."""
    return hashlib.sha256(user_id.strip().encode("utf-8")).hexdigest()[:16]


def upsert_kol(
    session: Session,
    workspace_id: int,
    platform_user_id: str,
    **fields: Any,
) -> Kol:
    """Find the KOL by platform id (see :func:`get_kol_by_platform_id`) or create it; then set the
    given non-``None`` fields (nickname, followers, category, tier, ...)."""
    allowed = {c.key for c in Kol.__table__.columns} - {"id", "workspace_id", "platform_user_id"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown KOL fields {sorted(unknown)}; accepted: {sorted(allowed)}")
    kol = get_kol_by_platform_id(session, workspace_id, platform_user_id)
    if kol is None:
        kol = Kol(workspace_id=workspace_id, platform_user_id=platform_user_id.strip())
        session.add(kol)
    for key, value in fields.items():
        if value is not None:
            setattr(kol, key, value)
    session.flush()
    return kol


def get_note_by_platform_id(session: Session, workspace_id: int, platform_note_id: str) -> Note | None:
    return session.scalar(
        select(Note).where(Note.workspace_id == workspace_id, Note.platform_note_id == platform_note_id)
    )


def get_note(session: Session, workspace_id: int, note_id: int) -> Note | None:
    return session.scalar(select(Note).where(Note.id == note_id, Note.workspace_id == workspace_id))


def list_notes_for_kol(
    session: Session,
    workspace_id: int,
    kol_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[Note]:
    """Notes of one KOL, newest first (notes without a publication time last)."""
    stmt = select(Note).where(Note.workspace_id == workspace_id, Note.kol_id == kol_id)
    if since is not None:
        stmt = stmt.where(Note.published_at >= since)
    if until is not None:
        stmt = stmt.where(Note.published_at < until)
    stmt = stmt.order_by(Note.published_at.desc().nulls_last(), Note.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def list_notes(
    session: Session, workspace_id: int, *, limit: int = 100, offset: int = 0, search: str | None = None
) -> list[Note]:
    stmt = select(Note).where(Note.workspace_id == workspace_id)
    if search:
        stmt = stmt.where(_contains(search, Note.title, Note.platform_note_id))
    stmt = stmt.order_by(Note.published_at.desc().nulls_last(), Note.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- comments


def comments_for_notes(
    session: Session,
    workspace_id: int,
    note_ids: Sequence[int],
    *,
    only_unanalyzed: bool = False,
    not_model_version: str | None = None,
    limit: int | None = None,
) -> list[Comment]:
    """Comments of these notes (row ids), oldest first.

    ``only_unanalyzed`` keeps comments never analysed; ``not_model_version`` keeps comments not yet
    analysed by that model version (to re-run after a promotion).
    """
    if not note_ids:
        return []
    stmt = select(Comment).where(Comment.workspace_id == workspace_id, Comment.note_id.in_(list(note_ids)))
    if only_unanalyzed:
        stmt = stmt.where(Comment.analyzed_at.is_(None))
    if not_model_version is not None:
        stmt = stmt.where(or_(Comment.model_version.is_(None), Comment.model_version != not_model_version))
    stmt = stmt.order_by(Comment.created_at.asc().nulls_last(), Comment.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def get_comment(session: Session, workspace_id: int, comment_id: int) -> Comment | None:
    return session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.workspace_id == workspace_id)
    )


def count_comments_by_note(session: Session, workspace_id: int, note_ids: Sequence[int]) -> dict[int, int]:
    """Number of stored comments per note (row id); notes without comments are absent."""
    if not note_ids:
        return {}
    rows = session.execute(
        select(Comment.note_id, func.count())
        .where(Comment.workspace_id == workspace_id, Comment.note_id.in_(list(note_ids)))
        .group_by(Comment.note_id)
    )
    return {int(note_id): int(n) for note_id, n in rows}


@dataclass(frozen=True)
class CommentAnalysis:
    """One comment's analysis, as written by :func:`save_comment_analyses`.

    ``intents`` maps each intent name to ``{"probability": float, "flag": bool}``.
    """

    comment_id: int
    sentiment: str
    p_positive: float
    p_neutral: float
    p_negative: float
    intents: Mapping[str, Any]
    low_effort: bool
    model_version: str

    @classmethod
    def of(cls, comment_id: int, prediction: Mapping[str, Any]) -> CommentAnalysis:
        """From a serialised prediction (:meth:`models.comments.CommentPrediction.to_dict`)."""
        proba = prediction["sentiment_proba"]
        return cls(
            comment_id,
            prediction["sentiment"],
            proba["positive"],
            proba["neutral"],
            proba["negative"],
            prediction["intents"],
            prediction["low_effort"],
            prediction["model_version"],
        )


def save_comment_analyses(
    session: Session,
    workspace_id: int,
    analyses: Sequence[CommentAnalysis],
    *,
    analyzed_at: datetime | None = None,
) -> int:
    """Write analyses in bulk; returns how many comments of this workspace were updated.

    Comment ids of another workspace are ignored (they match no row).
    """
    if not analyses:
        return 0
    ids = [a.comment_id for a in analyses]
    own: set[int] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        own.update(
            session.scalars(
                select(Comment.id).where(Comment.workspace_id == workspace_id, Comment.id.in_(chunk))
            )
        )
    mine = [a for a in analyses if a.comment_id in own]
    if not mine:
        return 0
    when = analyzed_at or utcnow()
    table = cast(Table, Comment.__table__)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.workspace_id == bindparam("_ws"))
        .values(
            sentiment=bindparam("_sentiment"),
            p_positive=bindparam("_p_positive"),
            p_neutral=bindparam("_p_neutral"),
            p_negative=bindparam("_p_negative"),
            intents=bindparam("_intents", type_=table.c.intents.type),
            low_effort=bindparam("_low_effort"),
            model_version=bindparam("_model_version"),
            analyzed_at=bindparam("_analyzed_at", type_=table.c.analyzed_at.type),
        )
    )
    params = [
        {
            "_id": a.comment_id,
            "_ws": workspace_id,
            "_sentiment": a.sentiment,
            "_p_positive": float(a.p_positive),
            "_p_neutral": float(a.p_neutral),
            "_p_negative": float(a.p_negative),
            "_intents": dict(a.intents),
            "_low_effort": bool(a.low_effort),
            "_model_version": a.model_version,
            "_analyzed_at": when,
        }
        for a in mine
    ]
    session.connection().execute(stmt, params)
    session.expire_all()
    return len(mine)


# --------------------------------------------------------------------------- time series


def follower_series(
    session: Session,
    workspace_id: int,
    kol_id: int,
    *,
    since: date | None = None,
    until: date | None = None,
) -> list[FollowerSnapshot]:
    """Follower snapshots of one KOL, oldest first."""
    stmt = select(FollowerSnapshot).where(
        FollowerSnapshot.workspace_id == workspace_id, FollowerSnapshot.kol_id == kol_id
    )
    if since is not None:
        stmt = stmt.where(FollowerSnapshot.date >= since)
    if until is not None:
        stmt = stmt.where(FollowerSnapshot.date <= until)
    return list(session.scalars(stmt.order_by(FollowerSnapshot.date)))


def note_metrics_series(session: Session, workspace_id: int, note_id: int) -> list[NoteMetricsSnapshot]:
    """Metric snapshots of one note (row id), oldest first."""
    return list(
        session.scalars(
            select(NoteMetricsSnapshot)
            .where(NoteMetricsSnapshot.workspace_id == workspace_id, NoteMetricsSnapshot.note_id == note_id)
            .order_by(NoteMetricsSnapshot.captured_at)
        )
    )


def latest_note_metrics(
    session: Session, workspace_id: int, note_ids: Sequence[int]
) -> dict[int, NoteMetricsSnapshot]:
    """The newest snapshot of each note (row id) that has one."""
    if not note_ids:
        return {}
    newest = (
        select(NoteMetricsSnapshot.note_id, func.max(NoteMetricsSnapshot.captured_at).label("captured_at"))
        .where(
            NoteMetricsSnapshot.workspace_id == workspace_id, NoteMetricsSnapshot.note_id.in_(list(note_ids))
        )
        .group_by(NoteMetricsSnapshot.note_id)
        .subquery()
    )
    rows = session.scalars(
        select(NoteMetricsSnapshot).join(
            newest,
            and_(
                NoteMetricsSnapshot.note_id == newest.c.note_id,
                NoteMetricsSnapshot.captured_at == newest.c.captured_at,
            ),
        )
    )
    return {row.note_id: row for row in rows}


# --------------------------------------------------------------------------- campaigns


def create_campaign(
    session: Session,
    workspace_id: int,
    name: str,
    *,
    brand: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    currency: str | None = None,
) -> Campaign:
    if start_date and end_date and end_date < start_date:
        raise ValueError(f"campaign {name!r} ends ({end_date}) before it starts ({start_date})")
    if currency is None:
        workspace = session.get(Workspace, workspace_id)
        currency = workspace.currency if workspace is not None else "CNY"
    campaign = Campaign(
        workspace_id=workspace_id,
        name=name.strip(),
        brand=brand,
        start_date=start_date,
        end_date=end_date,
        currency=currency.upper(),
    )
    session.add(campaign)
    session.flush()
    return campaign


def list_campaigns(session: Session, workspace_id: int) -> list[Campaign]:
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.workspace_id == workspace_id)
            .order_by(Campaign.start_date.desc().nulls_last(), Campaign.id.desc())
        )
    )


def get_campaign(session: Session, workspace_id: int, campaign_id: int) -> Campaign | None:
    return session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, Campaign.workspace_id == workspace_id)
    )


def get_campaign_by_name(session: Session, workspace_id: int, name: str) -> Campaign | None:
    return session.scalar(
        select(Campaign).where(Campaign.workspace_id == workspace_id, Campaign.name == name.strip())
    )


def campaign_rows(session: Session, workspace_id: int, campaign_id: int) -> list[CampaignNote]:
    """The notes of a campaign with their economics; ``row.note`` and ``row.kol`` are loaded."""
    stmt = (
        select(CampaignNote)
        .where(CampaignNote.workspace_id == workspace_id, CampaignNote.campaign_id == campaign_id)
        .options(joinedload(CampaignNote.note), joinedload(CampaignNote.kol))
        .order_by(CampaignNote.id)
    )
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- jobs


def create_job(
    session: Session, workspace_id: int, kind: str, params: Mapping[str, Any] | None = None
) -> Job:
    """Queue a job of ``kind`` (one of :data:`JOB_KINDS`)."""
    if kind not in JOB_KINDS:
        raise ValueError(f"job kind {kind!r} is not one of {JOB_KINDS}")
    job = Job(workspace_id=workspace_id, kind=kind, state="queued", progress=0.0, params=dict(params or {}))
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, workspace_id: int, job_id: int) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.workspace_id == workspace_id))


def list_jobs(
    session: Session,
    workspace_id: int,
    *,
    kind: str | None = None,
    state: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """The workspace's jobs, newest first, of one kind and state when given."""
    stmt = select(Job).where(Job.workspace_id == workspace_id)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    if state is not None:
        stmt = stmt.where(Job.state == state)
    return list(session.scalars(stmt.order_by(Job.id.desc()).limit(limit)))


def lock_workspace(session: Session, workspace_id: int) -> None:
    """Serialise changes to the workspace's job queue and model choice: a no-op write to its row.

    As the transaction's first statement it takes SQLite's write lock (waiting for it, instead of
    failing later the way a read-then-write transaction does), and on PostgreSQL it locks the
    workspace row until the transaction ends, so a count read next stays true until the commit.
    """
    session.execute(update(Workspace).where(Workspace.id == workspace_id).values(id=Workspace.id))


def count_queued_jobs(session: Session, workspace_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.workspace_id == workspace_id, Job.state == "queued")
        )
        or 0
    )


def claim_queued_job(session: Session, kinds: Sequence[str] = JOB_KINDS) -> Job | None:
    """System-level: take the next queued job of one of ``kinds`` and mark it running.

    Workspaces take turns: the job taken is the oldest queued one of the workspace whose latest
    claim (of these kinds) is the oldest, a workspace never served coming first. So four jobs
    one workspace queued delay another workspace's job by one job at most, not four.

    One ``UPDATE ... WHERE state = 'queued'``, so two processes never take the same job, and the
    transaction starts by writing (on SQLite it waits for the write lock instead of failing later).
    """
    queued, earlier = aliased(Job), aliased(Job)
    last_claim = (
        select(func.max(earlier.started_at))
        .where(earlier.workspace_id == queued.workspace_id, earlier.kind.in_(kinds))
        .correlate(queued)
        .scalar_subquery()
    )
    chosen = (
        select(queued.id)
        .where(queued.state == "queued", queued.kind.in_(kinds))
        .order_by(last_claim.asc().nulls_first(), queued.id)
        .limit(1)
        .correlate(None)
        .scalar_subquery()
    )
    now = utcnow()
    job_id = session.execute(
        update(Job)
        .where(Job.id == chosen, Job.state == "queued")
        .values(state="running", started_at=now, heartbeat_at=now, message="started")
        .returning(Job.id)
    ).scalar_one_or_none()
    return None if job_id is None else session.get(Job, job_id)


def cancel_queued_job(session: Session, workspace_id: int, job_id: int, message: str) -> bool:
    """A queued job of the workspace becomes ``cancelled`` (one UPDATE); False when it is not queued."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.workspace_id == workspace_id, Job.state == "queued")
        .values(state="cancelled", message=message, finished_at=now, cancel_requested_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def request_job_cancel(session: Session, workspace_id: int, job_id: int) -> bool:
    """Ask a running job of the workspace to stop (its runner checks at the next checkpoint);
    False when it is not running. Asking twice keeps the first time."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.workspace_id == workspace_id, Job.state == "running")
        .values(cancel_requested_at=func.coalesce(Job.cancel_requested_at, utcnow()))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def job_cancel_requested(session: Session, workspace_id: int, job_id: int) -> bool:
    """Whether the workspace asked this job to stop."""
    return (
        session.scalar(
            select(Job.cancel_requested_at).where(Job.id == job_id, Job.workspace_id == workspace_id)
        )
        is not None
    )


def active_job_ids(session: Session, job_ids: Iterable[int]) -> set[int]:
    """System-level: which of ``job_ids`` are queued or running (their files are in use)."""
    ids = list(job_ids)
    active: set[int] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        active.update(
            session.scalars(select(Job.id).where(Job.id.in_(chunk), Job.state.in_(("queued", "running"))))
        )
    return active


def _update_running_job(session: Session, workspace_id: int, job_id: int, **values: Any) -> bool:
    """Update a job only while it is still running (one UPDATE, so the transaction starts by
    writing); False when it is not running any more (finished, or failed by a sweep)."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.workspace_id == workspace_id, Job.state == "running")
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def beat_job(
    session: Session, workspace_id: int, job_id: int, *, progress: float, message: str | None
) -> bool:
    """Record a running job's progress (a fraction) and message, and beat its heartbeat."""
    if not 0.0 <= progress <= 1.0:
        raise ValueError(f"job progress {progress} is not a fraction in [0, 1]")
    return _update_running_job(
        session, workspace_id, job_id, progress=progress, message=message, heartbeat_at=utcnow()
    )


def finish_job(
    session: Session,
    workspace_id: int,
    job_id: int,
    *,
    state: str,
    message: str | None,
    result: Mapping[str, Any] | None = None,
) -> bool:
    """End a running job: ``succeeded`` (progress 1, with its result), ``failed`` or ``cancelled``.
    False when the job was not running any more: a finished job is never revived."""
    if state not in FINISHED_JOB_STATES:
        raise ValueError(f"a job finishes as one of {FINISHED_JOB_STATES}, not {state!r}")
    now = utcnow()
    values: dict[str, Any] = {"state": state, "message": message, "finished_at": now, "heartbeat_at": now}
    if state == "succeeded":
        values.update(progress=1.0, result=dict(result) if result is not None else None)
    return _update_running_job(session, workspace_id, job_id, **values)


def fail_stale_jobs(session: Session, heartbeat_before: datetime, message: str = "worker lost") -> int:
    """System-level: mark running jobs whose heartbeat is older than ``heartbeat_before`` failed
    (``cancelled`` when their workspace had asked them to stop)."""
    stale = and_(Job.state == "running", or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < heartbeat_before))
    now = utcnow()
    cancelled = session.execute(
        update(Job)
        .where(stale, Job.cancel_requested_at.is_not(None))
        .values(state="cancelled", finished_at=now, message=f"cancelled ({message})")
    )
    failed = session.execute(
        update(Job).where(stale).values(state="failed", finished_at=now, message=message)
    )
    return int(cancelled.rowcount) + int(failed.rowcount)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- labelled examples


@dataclass(frozen=True)
class LabelledExampleIn:
    text: str
    sentiment: str | None = None
    intents: Mapping[str, bool] = field(default_factory=dict)
    source: str = "upload"
    comment_id: int | None = None


def add_labelled_examples(session: Session, workspace_id: int, examples: Sequence[LabelledExampleIn]) -> int:
    """Store hand labels; a ``comment_id`` of another workspace is refused (``ValueError``)."""
    comment_ids = {e.comment_id for e in examples if e.comment_id is not None}
    if comment_ids:
        own = set(
            session.scalars(
                select(Comment.id).where(Comment.workspace_id == workspace_id, Comment.id.in_(comment_ids))
            )
        )
        missing = comment_ids - own
        if missing:
            raise ValueError(f"comments {sorted(missing)} do not exist in workspace {workspace_id}")
    rows = []
    for example in examples:
        if example.source not in LABELLED_SOURCES:
            raise ValueError(f"labelled example source {example.source!r} is not one of {LABELLED_SOURCES}")
        if not example.text.strip():
            raise ValueError("labelled example text must not be empty")
        rows.append(
            LabelledExample(
                workspace_id=workspace_id,
                text=example.text,
                sentiment=example.sentiment,
                intents=dict(example.intents),
                source=example.source,
                comment_id=example.comment_id,
            )
        )
    session.add_all(rows)
    session.flush()
    return len(rows)


def list_labelled_examples(
    session: Session, workspace_id: int, *, limit: int | None = None, offset: int = 0
) -> list[LabelledExample]:
    stmt = (
        select(LabelledExample)
        .where(LabelledExample.workspace_id == workspace_id)
        .order_by(LabelledExample.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_labelled_examples(session: Session, workspace_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LabelledExample)
            .where(LabelledExample.workspace_id == workspace_id)
        )
        or 0
    )


# --------------------------------------------------------------------------- model versions


def _model_scope(workspace_id: int | None) -> Any:
    if workspace_id is None:
        return ModelVersion.workspace_id.is_(None)
    return ModelVersion.workspace_id == workspace_id


def create_model_version(
    session: Session,
    task: str,
    version: str,
    path: str,
    sha256: str,
    metrics: Mapping[str, Any] | None = None,
    *,
    workspace_id: int | None = None,
) -> ModelVersion:
    """Register an artifact. ``workspace_id=None`` registers a shipped model shared by everyone."""
    row = ModelVersion(
        workspace_id=workspace_id,
        task=task,
        version=version,
        path=path,
        sha256=sha256,
        metrics=dict(metrics) if metrics is not None else None,
    )
    session.add(row)
    session.flush()
    return row


def get_model_version(
    session: Session, task: str, version: str, *, workspace_id: int | None = None
) -> ModelVersion | None:
    """A version visible to ``workspace_id``: a shipped one or one of its own."""
    return session.scalar(
        select(ModelVersion).where(
            ModelVersion.task == task,
            ModelVersion.version == version,
            or_(ModelVersion.workspace_id.is_(None), _model_scope(workspace_id)),
        )
    )


def list_model_versions(
    session: Session, task: str | None = None, *, workspace_id: int | None = None
) -> list[ModelVersion]:
    """Shipped versions plus the workspace's own, newest first."""
    stmt = select(ModelVersion).where(or_(ModelVersion.workspace_id.is_(None), _model_scope(workspace_id)))
    if task is not None:
        stmt = stmt.where(ModelVersion.task == task)
    return list(session.scalars(stmt.order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())))


def find_model_version(session: Session, task: str, version: str) -> ModelVersion | None:
    """System-level: the row of ``task`` ``version`` whichever scope it belongs to."""
    return session.scalar(
        select(ModelVersion).where(ModelVersion.task == task, ModelVersion.version == version)
    )


def model_version_trainers(session: Session) -> dict[tuple[str, str], str]:
    """System-level (the operator's listing): the slug of the workspace that trained each
    workspace-trained version, by (task, version); shipped versions are absent."""
    rows = session.execute(
        select(ModelVersion.task, ModelVersion.version, Workspace.slug).join(
            Workspace, Workspace.id == ModelVersion.workspace_id
        )
    ).all()
    return {(task, version): slug for task, version, slug in rows}


def current_model_versions(session: Session, workspace_id: int | None = None) -> dict[str, str]:
    """The current version of each task in exactly one scope: the shipped (deployment's) ones when
    ``workspace_id`` is None, else the ones the workspace promoted for itself (a task it did not
    promote is absent)."""
    rows = session.execute(
        select(ModelVersion.task, ModelVersion.version)
        .where(ModelVersion.is_current.is_(True), _model_scope(workspace_id))
        .order_by(ModelVersion.promoted_at.desc().nulls_last(), ModelVersion.id.desc())
    ).all()
    out: dict[str, str] = {}
    for task, version in rows:
        out.setdefault(task, version)
    return out


def _scoped_model_version(
    session: Session, task: str, version: str, workspace_id: int | None
) -> ModelVersion | None:
    """The version in exactly this scope (shipped when ``workspace_id`` is None), unlike get_model_version."""
    return session.scalar(
        select(ModelVersion).where(
            ModelVersion.task == task, ModelVersion.version == version, _model_scope(workspace_id)
        )
    )


def promote_model_version(
    session: Session, task: str, version: str, *, workspace_id: int | None = None
) -> ModelVersion:
    """Make ``version`` the current model of ``task`` in its scope (shipped, or one workspace)."""
    row = _scoped_model_version(session, task, version, workspace_id)
    if row is None:
        raise NotFoundError(f"model {task}/{version} does not exist for workspace {workspace_id}")
    return mark_current(session, row)


def mark_current(session: Session, row: ModelVersion) -> ModelVersion:
    """Make ``row`` the current version of its task in its own scope. The first statement is a
    write, so called first in a transaction it takes the write lock before reading anything
    (SQLite; see :func:`service.deps.start_writing`)."""
    session.execute(
        update(ModelVersion)
        .where(
            ModelVersion.task == row.task,
            _model_scope(row.workspace_id),
            ModelVersion.id != row.id,
        )
        .values(is_current=False)
    )
    row.is_current = True
    row.promoted_at = utcnow()
    session.flush()
    return row


def unset_current(session: Session, task: str, *, workspace_id: int) -> None:
    """The workspace's own versions of ``task`` stop being current: it serves the deployment's."""
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.task == task, ModelVersion.workspace_id == workspace_id)
        .values(is_current=False)
    )


def roll_back_model_version(session: Session, row: ModelVersion) -> ModelVersion | None:
    """``row`` (a workspace's current version) stops being current; the version the workspace
    promoted before it, if any, is current again (its ``promoted_at`` stays, so a further rollback
    goes further back) and returned."""
    if row.workspace_id is None:
        raise ValueError(f"{row.task} {row.version} is shipped: the operator rolls it back")
    before = row.promoted_at
    row.is_current = False
    earlier = session.scalar(
        select(ModelVersion)
        .where(
            ModelVersion.task == row.task,
            ModelVersion.workspace_id == row.workspace_id,
            ModelVersion.id != row.id,
            ModelVersion.promoted_at.is_not(None),
            *([ModelVersion.promoted_at < before] if before is not None else []),
        )
        .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc())
        .limit(1)
    )
    if earlier is not None:
        earlier.is_current = True
    session.flush()
    return earlier


def make_shipped(session: Session, row: ModelVersion, path: str | None = None) -> ModelVersion:
    """System-level: a version trained by a workspace becomes the deployment's (the operator
    promoted it for everyone, from ``path`` when given); it is not current until marked so."""
    row.workspace_id = None
    row.is_current = False
    if path is not None:
        row.path = path
    session.flush()
    return row


# --------------------------------------------------------------------------- helpers


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(search: str, *columns: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """Rows where any of ``columns`` contains ``search`` (stripped, any case; ``%`` and ``_`` in it
    match themselves)."""
    pattern = f"%{_escape_like(search.strip())}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
