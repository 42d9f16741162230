"""The RedLens tables (SQLAlchemy 2 typed declarative).

Indexes: the unique (workspace_id, platform id) constraints double as the workspace index of
``kol``, ``note`` and ``comment``; other tables have their own ``workspace_id`` index. Row ids
(``note.id``, ``kol.id``) are unique across workspaces, so foreign-key indexes need no
workspace prefix; queries still filter by workspace_id on top.

Every business row belongs to one workspace (a brand): ``workspace_id`` is a foreign key on every
table, and platform identifiers (``platform_user_id``, ``platform_note_id``,
``platform_comment_id``) are unique *per workspace*, so two brands can import the same note
without seeing each other's rows. The one exception is :class:`ModelVersion`, whose
``workspace_id`` is nullable: ``NULL`` marks a model shipped with RedLens (shared by everyone),
a value marks a model a workspace trained on its own labelled data.

Times are UTC (:class:`~service.store.types.UTCDateTime`); dates (snapshots, campaigns) are
calendar dates in China time (UTC+8), the day as XHS shows it. Counts copied from the platform
("as reported") are nullable: ``NULL`` means unknown, never zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from service.store.types import JSONType, Money, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JOB_KINDS: tuple[str, ...] = ("training", "ingest")
JOB_STATES: tuple[str, ...] = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED_JOB_STATES: tuple[str, ...] = ("succeeded", "failed", "cancelled")
NOTE_TYPES: tuple[str, ...] = ("normal", "video")
LABELLED_SOURCES: tuple[str, ...] = ("upload", "labelling", "correction")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dt.date: Date(),
        Decimal: Money,
    }


def _ws_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)


class Workspace(Base):
    """A brand: owns every other row."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    #: Earned-media value per engagement type, e.g. {"like": 0.5, "comment": 2.0} in ``currency``.
    emv_rates: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key. Only the SHA-256 of the secret is stored; ``prefix`` is what users see."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: Comma-separated scopes, e.g. ``"read,write,admin"``.
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_api_key_workspace_id", "workspace_id"),)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s.strip() for s in self.scopes.split(",") if s.strip())


class WebSession(Base):
    """A signed-in browser. Its cookie carries a random token of its own (never the API key), of
    which only the SHA-256 is stored; it ends at ``expires_at``, at sign-out (``revoked_at``), or
    when its API key is revoked. ``scopes`` are the key's at sign-in."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"), nullable=False)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index("ix_web_session_workspace_id", "workspace_id"),
        Index("ix_web_session_api_key_id", "api_key_id"),
    )


class Kol(Base):
    """A platform account (KOL / creator).

    ``platform_user_id`` is the XHS ``user_id`` when known, else the MediaCrawler ``creator_hash``.
    ``creator_hash`` is always filled when it can be (``sha256(user_id)[:16]``, MediaCrawler's
    anonymisation), so an account imported from an old export (user_id) and from a current one
    (creator_hash) is recognised as the same account.
    """

    __tablename__ = "kol"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    platform_user_id: Mapped[str] = mapped_column(String(64))
    creator_hash: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str | None] = mapped_column(String(200))
    followers: Mapped[int | None] = mapped_column(BigInteger)
    following: Mapped[int | None] = mapped_column(BigInteger)
    notes_count: Mapped[int | None] = mapped_column(BigInteger)
    likes_and_collects: Mapped[int | None] = mapped_column(BigInteger)
    category: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(16))
    ip_location: Mapped[str | None] = mapped_column(String(64))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    profile_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    notes: Mapped[list[Note]] = relationship(back_populates="kol", passive_deletes=True)

    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_user_id"),
        Index("ix_kol_workspace_id_creator_hash", "workspace_id", "creator_hash"),
    )


class Note(Base):
    """A note (post). ``is_placeholder`` marks a note created only because comments referred to it;
    it becomes a full note when its own export is imported."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    platform_note_id: Mapped[str] = mapped_column(String(64))
    kol_id: Mapped[int | None] = mapped_column(ForeignKey("kol.id", ondelete="SET NULL"))
    type: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None]
    last_update_at: Mapped[dt.datetime | None]
    liked_count: Mapped[int | None] = mapped_column(BigInteger)
    collected_count: Mapped[int | None] = mapped_column(BigInteger)
    comment_count: Mapped[int | None] = mapped_column(BigInteger)
    share_count: Mapped[int | None] = mapped_column(BigInteger)
    tags: Mapped[list[str] | None] = mapped_column(JSONType)
    image_urls: Mapped[list[str] | None] = mapped_column(JSONType)
    video_url: Mapped[str | None] = mapped_column(Text)
    note_url: Mapped[str | None] = mapped_column(Text)
    ip_location: Mapped[str | None] = mapped_column(String(64))
    source_keyword: Mapped[str | None] = mapped_column(String(200))
    sponsored: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    kol: Mapped[Kol | None] = relationship(back_populates="notes")

    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_note_id"),
        Index("ix_note_kol_id", "kol_id"),
    )


class NoteMetricsSnapshot(Base):
    """Private metrics of one note on one day (creator centre, agency reports). All nullable."""

    __tablename__ = "note_metrics_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    captured_at: Mapped[dt.date]
    impressions: Mapped[int | None] = mapped_column(BigInteger)
    reach: Mapped[int | None] = mapped_column(BigInteger)
    views: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    follows: Mapped[int | None] = mapped_column(BigInteger)
    completions: Mapped[int | None] = mapped_column(BigInteger)
    avg_watch_seconds: Mapped[float | None] = mapped_column(Float)
    clicks: Mapped[int | None] = mapped_column(BigInteger)
    #: Cover click-through rate as a fraction (0.123), from creator-centre exports.
    cover_ctr: Mapped[float | None] = mapped_column(Float)
    danmaku: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("note_id", "captured_at"),
        Index("ix_note_metrics_snapshot_workspace_id", "workspace_id"),
    )


class FollowerSnapshot(Base):
    """Follower count of one KOL on one day: the raw material of growth-curve anomaly checks."""

    __tablename__ = "follower_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    kol_id: Mapped[int] = mapped_column(ForeignKey("kol.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    followers: Mapped[int | None] = mapped_column(BigInteger)
    following: Mapped[int | None] = mapped_column(BigInteger)
    notes: Mapped[int | None] = mapped_column(BigInteger)
    likes_and_collects: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("kol_id", "date"),
        Index("ix_follower_snapshot_workspace_id", "workspace_id"),
    )


class Comment(Base):
    """A comment, with the latest analysis of it.

    ``created_at`` is when the comment was posted on XHS (UTC); ``imported_at`` when RedLens first
    stored it. ``parent_comment_id`` is the platform id of the comment replied to (not a foreign
    key: the parent may not have been collected). ``commenter_hash`` is the MediaCrawler-style hash
    of the commenter, filled for both export schemas so commenters can be matched across them.
    """

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    platform_comment_id: Mapped[str] = mapped_column(String(64))
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    parent_comment_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime | None]
    like_count: Mapped[int | None] = mapped_column(BigInteger)
    commenter_id: Mapped[str | None] = mapped_column(String(64))
    commenter_hash: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str | None] = mapped_column(String(200))
    ip_location: Mapped[str | None] = mapped_column(String(64))
    sub_comment_count: Mapped[int | None] = mapped_column(BigInteger)
    pictures: Mapped[list[str] | None] = mapped_column(JSONType)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    # analysis results
    sentiment: Mapped[str | None] = mapped_column(String(16))
    p_positive: Mapped[float | None] = mapped_column(Float)
    p_neutral: Mapped[float | None] = mapped_column(Float)
    p_negative: Mapped[float | None] = mapped_column(Float)
    #: {"purchase_intent": {"probability": 0.91, "flag": true}, ...}
    intents: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    low_effort: Mapped[bool | None] = mapped_column(Boolean)
    model_version: Mapped[str | None] = mapped_column(String(64))
    analyzed_at: Mapped[dt.datetime | None]

    note: Mapped[Note] = relationship()

    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_comment_id"),
        Index("ix_comment_note_id", "note_id"),
        Index("ix_comment_workspace_id_commenter_hash", "workspace_id", "commenter_hash"),
    )


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class CampaignNote(Base):
    """One note of a campaign with its economics (money in ``currency``, Numeric(14,2))."""

    __tablename__ = "campaign_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    kol_id: Mapped[int | None] = mapped_column(ForeignKey("kol.id", ondelete="SET NULL"))
    fee: Mapped[Decimal | None]
    product_cost: Mapped[Decimal | None]
    paid_media: Mapped[Decimal | None]
    agency_cost: Mapped[Decimal | None]
    promo_code: Mapped[str | None] = mapped_column(String(64))
    clicks: Mapped[int | None] = mapped_column(BigInteger)
    add_to_carts: Mapped[int | None] = mapped_column(BigInteger)
    orders: Mapped[int | None] = mapped_column(BigInteger)
    revenue: Mapped[Decimal | None]
    new_customers: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))

    note: Mapped[Note] = relationship()
    kol: Mapped[Kol | None] = relationship()

    __table_args__ = (
        UniqueConstraint("campaign_id", "note_id"),
        Index("ix_campaign_note_workspace_id", "workspace_id"),
        Index("ix_campaign_note_note_id", "note_id"),
    )


class ModelVersion(Base):
    """A trained model artifact. ``workspace_id`` NULL = shipped with RedLens, shared by all."""

    __tablename__ = "model_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    promoted_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("task", "version"),
        Index("ix_model_version_workspace_id_task", "workspace_id", "task"),
    )


class Job(Base):
    """A background job (a retraining or a large ingest); the table is the queue (see service.jobs)."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    #: Set when the workspace asks a running job to stop; the runner stops it at its next checkpoint.
    cancel_requested_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("kind IN ('training', 'ingest')", name="kind"),
        CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="state"),
        Index("ix_job_workspace_id_kind", "workspace_id", "kind"),
        Index("ix_job_state", "state"),
    )


class LabelledExample(Base):
    """A hand-labelled comment for retraining (from an upload or the labelling page)."""

    __tablename__ = "labelled_example"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    text: Mapped[str] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    #: {"purchase_intent": true, "question": false, ...}
    intents: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(16))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_labelled_example_workspace_id", "workspace_id"),)


class MarketBrand(Base):
    """A brand the workspace tracks in keyword-search exports: its own (``own``) or a competitor,
    with the aliases, product names and hashtags that name it (see :mod:`models.market.brands`)."""

    __tablename__ = "market_brand"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    name: Mapped[str] = mapped_column(String(200))
    own: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    aliases: Mapped[list[str] | None] = mapped_column(JSONType)
    products: Mapped[list[str] | None] = mapped_column(JSONType)
    hashtags: Mapped[list[str] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class SearchHit(Base):
    """A note found by a keyword search of a crawler: the keyword and when it was crawled (the
    export's ``last_modify_ts``/``add_ts``; NULL when the export does not say). One row per note
    and keyword, so a note found under two keywords keeps both."""

    __tablename__ = "search_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    keyword: Mapped[str] = mapped_column(String(200))
    crawled_at: Mapped[dt.datetime | None]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("note_id", "keyword"),
        Index("ix_search_hit_workspace_id_keyword", "workspace_id", "keyword"),
    )


class SearchIndexPoint(Base):
    """The search index (or volume) of a keyword on one day, from an imported CSV or typed in a
    page; ``source`` says which and ``entered_by`` names the API key."""

    __tablename__ = "search_index_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    keyword: Mapped[str] = mapped_column(String(200))
    day: Mapped[dt.date]
    value: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))
    entered_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "keyword", "day"),)


AUDIENCE_KINDS: tuple[str, ...] = ("kol", "target")
QUOTE_FORMATS: tuple[str, ...] = ("image", "video")


class AudienceProfile(Base):
    """An audience profile as entered: a KOL's platform fan portrait (``kind`` ``kol``, with
    ``kol_id``) or the workspace's target audience (``kind`` ``target``, no KOL). Rows are never
    overwritten: the newest one counts, the older ones are the history of who entered what.

    ``shares`` is ``{dimension: {bucket: fraction}}`` (see :mod:`models.market.audience`);
    ``entered_by`` names the API key (``"name (prefix…)"``) and ``entered_via`` how (``key``,
    ``cookie`` for a sign-in session, ``cli``)."""

    __tablename__ = "audience_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    kind: Mapped[str] = mapped_column(String(8))
    kol_id: Mapped[int | None] = mapped_column(ForeignKey("kol.id", ondelete="CASCADE"))
    shares: Mapped[dict[str, Any]] = mapped_column(JSONType)
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    source: Mapped[str | None] = mapped_column(String(200))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_via: Mapped[str] = mapped_column(String(16))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('kol', 'target')", name="kind"),
        Index("ix_audience_profile_workspace_id_kind", "workspace_id", "kind"),
        Index("ix_audience_profile_kol_id", "kol_id"),
    )


class KolQuote(Base):
    """A price a KOL quoted for one note of a format (``image`` or ``video``), as the user entered
    it; the newest row per format counts."""

    __tablename__ = "kol_quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    kol_id: Mapped[int] = mapped_column(ForeignKey("kol.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_via: Mapped[str] = mapped_column(String(16))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("format IN ('image', 'video')", name="format"),
        Index("ix_kol_quote_workspace_id", "workspace_id"),
        Index("ix_kol_quote_kol_id", "kol_id"),
    )


class LabelCorrection(Base):
    """An analyst's correction of one label of a comment (``field``: ``sentiment`` or an intent),
    stored into the comment's :class:`LabelledExample` (created if it had none). ``previous`` is
    that example's labels before (``None``: the correction created it), so undoing restores them;
    ``undone_at`` marks an undone correction."""

    __tablename__ = "label_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = _ws_fk()
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    labelled_example_id: Mapped[int | None] = mapped_column(
        ForeignKey("labelled_example.id", ondelete="SET NULL")
    )
    field: Mapped[str] = mapped_column(String(32))
    #: the label given: a sentiment name, or true/false for an intent
    value: Mapped[Any] = mapped_column(JSONType, nullable=False)
    #: {"sentiment": ..., "intents": {...}} of the example before, None when it did not exist
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_label_correction_workspace_id_comment_id", "workspace_id", "comment_id"),)
