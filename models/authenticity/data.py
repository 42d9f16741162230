"""Typed inputs of the authenticity score, independent of the database.

The service layer maps its store rows to these; the simulator produces them directly. Dates are
``datetime.date``; times are ``datetime.datetime`` (naive times are read as UTC, aware ones are
converted). Counts are non-negative integers; ``None`` means "not known", never zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from models.labels import INTENTS, SENTIMENTS

_EPOCH = datetime(1970, 1, 1)


def as_naive_utc(moment: datetime) -> datetime:
    """Aware times converted to UTC and made naive, so every comparison inside the package is safe."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def to_seconds(moment: datetime) -> float:
    """Seconds since 1970-01-01 UTC; naive datetimes are taken as UTC."""
    if moment.tzinfo is not None:
        return (moment.astimezone(UTC).replace(tzinfo=None) - _EPOCH).total_seconds()
    return (moment - _EPOCH).total_seconds()


def _check_count(owner: str, name: str, value: int | None, *, optional: bool = True) -> None:
    if value is None:
        if not optional:
            raise ValueError(f"{owner}.{name} is required (a non-negative integer), got None")
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{owner}.{name}={value!r} is not a non-negative integer")


@dataclass(frozen=True, slots=True)
class FollowerSnapshot:
    """The account's public counters on one day (XHS profile: 粉丝, 关注, 笔记, 获赞与收藏)."""

    date: date
    followers: int
    following: int | None = None
    notes: int | None = None
    likes_and_collects: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.date, date):
            raise ValueError(f"FollowerSnapshot.date={self.date!r} is not a datetime.date")
        _check_count("FollowerSnapshot", "followers", self.followers, optional=False)
        _check_count("FollowerSnapshot", "following", self.following)
        _check_count("FollowerSnapshot", "notes", self.notes)
        _check_count("FollowerSnapshot", "likes_and_collects", self.likes_and_collects)


@dataclass(frozen=True, slots=True)
class Note:
    """One note with its public counters as last seen. ``type`` is ``normal`` (图文) or ``video``."""

    note_id: str
    published_at: datetime
    type: str = "normal"
    title: str = ""
    sponsored: bool = False
    liked_count: int = 0
    collected_count: int = 0
    comment_count: int = 0
    share_count: int = 0

    def __post_init__(self) -> None:
        if not self.note_id:
            raise ValueError("Note.note_id must be a non-empty string")
        if not isinstance(self.published_at, datetime):
            raise ValueError(f"Note.published_at={self.published_at!r} is not a datetime")
        object.__setattr__(self, "published_at", as_naive_utc(self.published_at))
        for name in ("liked_count", "collected_count", "comment_count", "share_count"):
            _check_count("Note", name, getattr(self, name), optional=False)

    @property
    def interactions(self) -> int:
        """likes + collects + comments + shares (互动量)."""
        return self.liked_count + self.collected_count + self.comment_count + self.share_count


@dataclass(frozen=True, slots=True)
class NoteMetricsSnapshot:
    """Creator-centre metrics of one note on one day (cumulative counts; any may be unknown)."""

    note_id: str
    date: date
    impressions: int | None = None
    reach: int | None = None
    views: int | None = None
    likes: int | None = None
    saves: int | None = None
    comments: int | None = None
    shares: int | None = None
    follows: int | None = None

    def __post_init__(self) -> None:
        if not self.note_id:
            raise ValueError("NoteMetricsSnapshot.note_id must be a non-empty string")
        for name in ("impressions", "reach", "views", "likes", "saves", "comments", "shares", "follows"):
            _check_count("NoteMetricsSnapshot", name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment. ``commenter_id`` is the user id or the store's creator hash.

    ``intents`` optionally carries the comment classifier's output: intent name (see
    :data:`models.labels.INTENTS`) to probability in [0, 1]; a flag counts as set at >= 0.5.
    """

    comment_id: str
    note_id: str
    text: str
    created_at: datetime
    commenter_id: str
    nickname: str = ""
    like_count: int = 0
    ip_location: str | None = None
    parent_comment_id: str | None = None
    sentiment: str | None = None
    intents: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if not self.comment_id:
            raise ValueError("Comment.comment_id must be a non-empty string")
        if not isinstance(self.created_at, datetime):
            raise ValueError(f"Comment.created_at={self.created_at!r} is not a datetime")
        object.__setattr__(self, "created_at", as_naive_utc(self.created_at))
        _check_count("Comment", "like_count", self.like_count, optional=False)
        if self.sentiment is not None and self.sentiment not in SENTIMENTS:
            raise ValueError(f"Comment.sentiment={self.sentiment!r}; accepted: {', '.join(SENTIMENTS)}")
        if self.intents is not None:
            for name, prob in self.intents.items():
                if name not in INTENTS:
                    raise ValueError(f"Comment.intents has {name!r}; accepted: {', '.join(INTENTS)}")
                p = float(prob)
                if not (0.0 <= p <= 1.0) or math.isnan(p):
                    raise ValueError(f"Comment.intents[{name!r}]={prob!r} is not a probability in [0, 1]")


@dataclass(frozen=True, slots=True)
class AccountData:
    """Everything known about one KOL. ``followers`` is the current count when known apart from
    the snapshots; ``kol_user_id`` lets the score skip the author's own replies;
    ``comment_notes`` names the notes whose comments were collected (``None``: every note's),
    so older notes given only to explain follower growth do not count as comments missing."""

    kol_id: str
    follower_snapshots: Sequence[FollowerSnapshot] = field(default_factory=tuple)
    notes: Sequence[Note] = field(default_factory=tuple)
    note_metrics: Sequence[NoteMetricsSnapshot] = field(default_factory=tuple)
    comments: Sequence[Comment] = field(default_factory=tuple)
    followers: int | None = None
    category: str | None = None
    kol_user_id: str | None = None
    comment_notes: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if not self.kol_id:
            raise ValueError("AccountData.kol_id must be a non-empty string")
        _check_count("AccountData", "followers", self.followers)

    def current_followers(self) -> int | None:
        """``followers`` if given, else the follower count of the latest snapshot."""
        if self.followers is not None:
            return self.followers
        if not self.follower_snapshots:
            return None
        return max(self.follower_snapshots, key=lambda s: s.date).followers
