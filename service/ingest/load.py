"""Writing converted records to the database, in bulk, idempotently.

For each table: the rows already stored under the file's platform ids are fetched in chunks
(one query per 1,000 ids), every record is classified as new, changed or unchanged, and the new
and changed ones are written with one executemany per 1,000 rows: ``INSERT ... ON CONFLICT DO
UPDATE`` (the same statement on SQLite and PostgreSQL) for new rows, ``UPDATE ... SET col =
COALESCE(:new, col)`` for changed ones. Re-importing a file therefore writes nothing and reports
every row unchanged.

Merging rule: a value missing from the file (``None``) never erases a stored one (exports differ
in the columns they carry), and "weak" values never replace a stored value: a masked nickname
(``小***薯``) or a ``creator_hash`` standing in for a user id, as written by current MediaCrawler.
When a comment's text changes, its stored analysis is cleared (it described the old text).

Comments on notes not imported yet get a placeholder note (``is_placeholder=True``, no KOL),
completed when the note's own export arrives; the summary counts them as ``placeholder_note``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, any_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.kpi.inputs import ECONOMICS_COUNTS, ECONOMICS_MONEY, NOTE_METRIC_COUNTS, NOTE_METRICS_OPTIONAL
from service.ingest.formats import creator_hash_of
from service.ingest.summary import FileSummary, NoteCoverage, RowError
from service.store import tables

CHUNK = 1000
CREATOR_MATCH_SECONDS = 120  # a creator-centre row matches a stored note published within 2 minutes

T = TypeVar("T")

KOL = cast(Table, tables.Kol.__table__)
NOTE = cast(Table, tables.Note.__table__)
COMMENT = cast(Table, tables.Comment.__table__)
NOTE_METRICS = cast(Table, tables.NoteMetricsSnapshot.__table__)
FOLLOWERS = cast(Table, tables.FollowerSnapshot.__table__)
CAMPAIGN = cast(Table, tables.Campaign.__table__)
CAMPAIGN_NOTE = cast(Table, tables.CampaignNote.__table__)
SEARCH_HIT = cast(Table, tables.SearchHit.__table__)
SEARCH_INDEX = cast(Table, tables.SearchIndexPoint.__table__)
WORKSPACE = cast(Table, tables.Workspace.__table__)

KOL_FIELDS = (
    "creator_hash",
    "nickname",
    "avatar_url",
    "profile_url",
    "followers",
    "following",
    "notes_count",
    "likes_and_collects",
)
NOTE_FIELDS = (
    "kol_id",
    "type",
    "title",
    "description",
    "published_at",
    "last_update_at",
    "liked_count",
    "collected_count",
    "comment_count",
    "share_count",
    "tags",
    "image_urls",
    "video_url",
    "note_url",
    "ip_location",
    "source_keyword",
    "is_placeholder",
)
COMMENT_FIELDS = (
    "note_id",
    "parent_comment_id",
    "text",
    "created_at",
    "like_count",
    "commenter_id",
    "commenter_hash",
    "nickname",
    "ip_location",
    "sub_comment_count",
    "pictures",
)
ANALYSIS_FIELDS = (
    "sentiment",
    "p_positive",
    "p_neutral",
    "p_negative",
    "intents",
    "low_effort",
    "model_version",
    "analyzed_at",
)
METRIC_FIELDS = (*NOTE_METRIC_COUNTS, *NOTE_METRICS_OPTIONAL, "cover_ctr", "danmaku")
FOLLOWER_FIELDS = ("followers", "following", "notes", "likes_and_collects")
CAMPAIGN_NOTE_FIELDS = ("kol_id", *ECONOMICS_MONEY, "promo_code", *ECONOMICS_COUNTS, "currency")


@dataclass
class Loaded:
    """A record accepted by conversion: where it came from and its fields."""

    line: int
    record: dict[str, Any]


@dataclass
class LoadContext:
    session: Session
    workspace_id: int
    summary: FileSummary
    campaign: str | None = None
    kol: str | None = None
    as_of: date | None = None
    on_write: Callable[[int, int], None] | None = None
    #: note row ids this file touched (coverage, campaign linking)
    touched_notes: set[int] = field(default_factory=set)
    #: rows the file will write, about: its records (progress denominator)
    _to_write: int = 0
    _written: int = 0

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def reject(self, item: Loaded, column: str | None, reason: str, value: Any = None) -> None:
        shown = None if value is None else str(value)[:200]
        self.summary.reject_row([RowError(self.summary.path, item.line, column, reason, shown)])

    def plan_writes(self, n: int) -> None:
        """Announce ``n`` row writes (progress counts against the records of the file, fixed at
        the start, so it never moves backwards)."""
        self._report()

    def wrote(self, n: int) -> None:
        self._written += n
        self._report()

    def _report(self) -> None:
        if self.on_write is not None:
            total = max(self._to_write, 1)
            self.on_write(min(self._written, total), total)


# --------------------------------------------------------------------------- generic helpers


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_stmt(ctx: LoadContext, table: Table) -> Any:
    if ctx.dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _insert(
    ctx: LoadContext,
    table: Table,
    rows: list[dict[str, Any]],
    conflict: Sequence[str],
    merge: Sequence[str],
) -> None:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET col = COALESCE(excluded.col, col)."""
    if not rows:
        return
    stmt = _insert_stmt(ctx, table)
    if merge:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(conflict),
            set_={name: func.coalesce(stmt.excluded[name], table.c[name]) for name in merge},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    for chunk in _chunks(rows):
        ctx.session.execute(stmt, list(chunk))
        ctx.wrote(len(chunk))


def _update(ctx: LoadContext, table: Table, rows: list[dict[str, Any]], fields: Sequence[str]) -> None:
    """UPDATE table SET col = COALESCE(:new, col) WHERE id = :id (rows carry ``_id``)."""
    if not rows:
        return
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.workspace_id == ctx.workspace_id)
        .values(
            {
                name: func.coalesce(bindparam(f"_v_{name}", type_=table.c[name].type), table.c[name])
                for name in fields
            }
        )
    )
    params = [{"_id": row["_id"], **{f"_v_{name}": row.get(name) for name in fields}} for row in rows]
    for chunk in _chunks(params):
        ctx.session.execute(stmt, list(chunk))
        ctx.wrote(len(chunk))


def _fetch(
    ctx: LoadContext,
    table: Table,
    key_column: str,
    keys: Iterable[Any],
    fields: Sequence[str],
    *,
    scoped: bool = True,
) -> list[Any]:
    """Stored rows (id, key, fields) whose ``key_column`` is in ``keys``, chunked.

    PostgreSQL gets one array parameter (``key = ANY(:keys)``) instead of an ``IN`` list of
    a thousand parameters, which it would plan anew for every chunk.
    """
    unique = list(dict.fromkeys(keys))
    columns = [table.c.id, table.c[key_column], *(table.c[f] for f in fields if f != key_column)]
    postgres = ctx.dialect == "postgresql"
    rows: list[Any] = []
    for chunk in _chunks(unique, 10 * CHUNK if postgres else CHUNK):
        if postgres:
            condition = table.c[key_column] == any_(
                bindparam("keys", list(chunk), type_=postgresql.ARRAY(table.c[key_column].type))
            )
        else:
            condition = table.c[key_column].in_(list(chunk))
        stmt = select(*columns).where(condition)
        if scoped:
            stmt = stmt.where(table.c.workspace_id == ctx.workspace_id)
        rows.extend(ctx.session.execute(stmt).all())
    return rows


def _differs(record: Mapping[str, Any], stored: Any, fields: Sequence[str], weak: Iterable[str]) -> bool:
    weak_set = set(weak)
    for name in fields:
        new = record.get(name)
        if new is None:
            continue
        old = getattr(stored, name)
        if name in weak_set and old is not None:
            continue
        if new != old:
            return True
    return False


def _update_row(
    record: Mapping[str, Any], stored: Any, fields: Sequence[str], weak: Iterable[str]
) -> dict[str, Any]:
    row = {name: record.get(name) for name in fields}
    for name in weak:
        if name in row and getattr(stored, name) is not None:
            row[name] = None  # COALESCE keeps the stored value
    row["_id"] = stored.id
    return row


# --------------------------------------------------------------------------- KOLs


def _kol_row(ctx: LoadContext, platform_user_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    row = {name: values.get(name) for name in KOL_FIELDS}
    row["workspace_id"] = ctx.workspace_id
    row["platform_user_id"] = platform_user_id
    return row


def _hash_for_id(identifier: str) -> str:
    """The creator hash of an id given by a user: itself when it already is a 16-hex-digit hash."""
    if len(identifier) == 16 and all(c in "0123456789abcdef" for c in identifier):
        return identifier
    return creator_hash_of(identifier)


def resolve_kols(ctx: LoadContext, wanted: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """KOL row ids for platform ids (creating missing KOLs and refreshing changed fields).

    ``wanted`` maps a platform id to known fields (``creator_hash``, ``nickname``, ``followers``,
    ...; ``_weak`` lists fields that must not replace stored values). A stored KOL matches by
    ``platform_user_id`` or by ``creator_hash``, so an account seen as a user id in one export and
    as a hash in another stays one KOL.
    """
    if not wanted:
        return {}
    hashes = {pid: (values.get("creator_hash") or _hash_for_id(pid)) for pid, values in wanted.items()}
    fields = ("platform_user_id", *KOL_FIELDS)
    stored_rows = _fetch(ctx, KOL, "platform_user_id", wanted.keys(), fields)
    stored_rows += _fetch(ctx, KOL, "creator_hash", set(hashes.values()) | set(wanted), fields)
    by_id = {row.platform_user_id: row for row in stored_rows}
    by_hash: dict[str, Any] = {}
    for row in sorted(stored_rows, key=lambda r: r.id):
        if row.creator_hash is not None:
            by_hash.setdefault(row.creator_hash, row)

    result: dict[str, int] = {}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for pid, values in wanted.items():
        record = dict(values)
        record["creator_hash"] = hashes[pid]
        stored = by_id.get(pid) or by_hash.get(hashes[pid]) or by_hash.get(pid)
        weak = tuple(record.get("_weak", ()))
        if stored is None:
            inserts.append(_kol_row(ctx, pid, record))
        else:
            result[pid] = stored.id
            if _differs(record, stored, KOL_FIELDS, weak):
                updates.append(_update_row(record, stored, KOL_FIELDS, weak))
    ctx.plan_writes(len(inserts) + len(updates))
    _insert(ctx, KOL, inserts, ("workspace_id", "platform_user_id"), KOL_FIELDS)
    _update(ctx, KOL, updates, KOL_FIELDS)
    if inserts:
        new_ids = {
            row.platform_user_id: row.id
            for row in _fetch(ctx, KOL, "platform_user_id", [r["platform_user_id"] for r in inserts], ())
        }
        result.update(new_ids)
        ctx.summary.count_created("kol", len(inserts))
    return result


def _kols_by_pk(ctx: LoadContext, kol_ids: Iterable[int]) -> dict[int, str]:
    rows = _fetch(ctx, KOL, "id", kol_ids, ("platform_user_id",))
    return {row.id: row.platform_user_id for row in rows}


# --------------------------------------------------------------------------- notes


def _fetch_notes(ctx: LoadContext, platform_ids: Iterable[str]) -> dict[str, Any]:
    rows = _fetch(
        ctx, NOTE, "platform_note_id", platform_ids, ("platform_note_id", "kol_id", "is_placeholder")
    )
    return {row.platform_note_id: row for row in rows}


def ensure_notes(
    ctx: LoadContext,
    wanted: Mapping[str, Mapping[str, Any]],
) -> dict[str, int]:
    """Note row ids for platform note ids; missing notes become placeholders with the given hints
    (``kol_id``, ``note_url``). A stored note without a KOL gets the hinted one."""
    stored = _fetch_notes(ctx, wanted.keys())
    placeholders: list[dict[str, Any]] = []
    kol_updates: list[dict[str, Any]] = []
    for pid, hints in wanted.items():
        row = stored.get(pid)
        if row is None:
            placeholders.append(
                {
                    "workspace_id": ctx.workspace_id,
                    "platform_note_id": pid,
                    "kol_id": hints.get("kol_id"),
                    "note_url": hints.get("note_url"),
                    "is_placeholder": True,
                }
            )
        elif row.kol_id is None and hints.get("kol_id") is not None:
            kol_updates.append({"_id": row.id, "kol_id": hints["kol_id"]})
    ctx.plan_writes(len(placeholders) + len(kol_updates))
    _insert(ctx, NOTE, placeholders, ("workspace_id", "platform_note_id"), ())
    _update(ctx, NOTE, kol_updates, ("kol_id",))
    result = {pid: row.id for pid, row in stored.items()}
    if placeholders:
        result.update(
            {
                pid: row.id
                for pid, row in _fetch_notes(ctx, [p["platform_note_id"] for p in placeholders]).items()
            }
        )
        ctx.summary.count_created("placeholder_note", len(placeholders))
    return result


def load_notes(ctx: LoadContext, items: list[Loaded]) -> None:
    authors: dict[str, dict[str, Any]] = {}
    for item in items:
        author = item.record.get("_author")
        if author is None:
            continue
        merged = authors.setdefault(author["platform_user_id"], {})
        for key, value in author.items():
            if value is not None and key not in ("platform_user_id", "_id_is_hash"):
                merged[key] = value
    kol_ids = resolve_kols(ctx, authors)

    stored = {
        row.platform_note_id: row
        for row in _fetch(
            ctx, NOTE, "platform_note_id", (i.record["platform_note_id"] for i in items), NOTE_FIELDS
        )
    }
    inserts, updates = [], []
    for item in items:
        record = item.record
        author = record.get("_author")
        record["kol_id"] = kol_ids.get(author["platform_user_id"]) if author else None
        record["is_placeholder"] = False
        row = stored.get(record["platform_note_id"])
        if row is None:
            inserts.append(
                {
                    "workspace_id": ctx.workspace_id,
                    "platform_note_id": record["platform_note_id"],
                    **{name: record.get(name) for name in NOTE_FIELDS},
                }
            )
            ctx.summary.inserted += 1
        elif _differs(record, row, NOTE_FIELDS, ()):
            updates.append(_update_row(record, row, NOTE_FIELDS, ()))
            ctx.summary.updated += 1
            ctx.touched_notes.add(row.id)
        else:
            ctx.summary.unchanged += 1
            ctx.touched_notes.add(row.id)
    ctx.plan_writes(len(inserts) + len(updates))
    _insert(ctx, NOTE, inserts, ("workspace_id", "platform_note_id"), NOTE_FIELDS)
    _update(ctx, NOTE, updates, NOTE_FIELDS)
    if inserts:
        new_rows = _fetch_notes(ctx, [r["platform_note_id"] for r in inserts])
        ctx.touched_notes.update(row.id for row in new_rows.values())
    record_search_hits(ctx, items, "platform_note_id")


# --------------------------------------------------------------------------- comments


def load_comments(ctx: LoadContext, items: list[Loaded]) -> None:
    wanted: dict[str, dict[str, Any]] = {}
    for item in items:
        hints = wanted.setdefault(item.record["_note"], {})
        if item.record.get("_note_url"):
            hints["note_url"] = item.record["_note_url"]
    note_ids = ensure_notes(ctx, wanted)
    ctx.touched_notes.update(note_ids.values())

    stored = {
        row.platform_comment_id: row
        for row in _fetch(
            ctx,
            COMMENT,
            "platform_comment_id",
            (i.record["platform_comment_id"] for i in items),
            ("platform_comment_id", *COMMENT_FIELDS),
        )
    }
    inserts, updates, stale_analysis = [], [], []
    for item in items:
        record = item.record
        record["note_id"] = note_ids[record["_note"]]
        weak = record.get("_weak", ())
        row = stored.get(record["platform_comment_id"])
        if row is None:
            insert = {name: record.get(name) for name in COMMENT_FIELDS}
            insert["workspace_id"] = ctx.workspace_id
            insert["platform_comment_id"] = record["platform_comment_id"]
            inserts.append(insert)
            ctx.summary.inserted += 1
        elif _differs(record, row, COMMENT_FIELDS, weak):
            updates.append(_update_row(record, row, COMMENT_FIELDS, weak))
            if record["text"] != row.text:
                stale_analysis.append(row.id)
            ctx.summary.updated += 1
        else:
            ctx.summary.unchanged += 1
    ctx.plan_writes(len(inserts) + len(updates))
    _insert(ctx, COMMENT, inserts, ("workspace_id", "platform_comment_id"), COMMENT_FIELDS)
    _update(ctx, COMMENT, updates, COMMENT_FIELDS)
    record_search_hits(ctx, items, "_note")
    for chunk in _chunks(stale_analysis):
        ctx.session.execute(
            update(COMMENT)
            .where(COMMENT.c.workspace_id == ctx.workspace_id, COMMENT.c.id.in_(list(chunk)))
            .values({name: None for name in ANALYSIS_FIELDS})
        )


# --------------------------------------------------------------------------- search keywords


def record_search_hits(ctx: LoadContext, items: Sequence[Loaded], note_key: str) -> None:
    """One ``search_hit`` per note and keyword the records carry (``_keyword``), with the newest
    crawl time seen. Re-importing adds nothing; a later crawl moves ``crawled_at`` forward."""
    wanted: dict[tuple[str, str], Any] = {}
    for item in items:
        found = [
            *item.record.get("_searches", ()),
            (item.record.get("_keyword"), item.record.get("_crawled_at")),
        ]
        for keyword, crawled in found:
            if not keyword:
                continue
            key = (item.record[note_key], keyword)
            known = wanted.get(key)
            wanted[key] = crawled if known is None or (crawled is not None and crawled > known) else known
    if not wanted:
        return
    notes = {pid: row.id for pid, row in _fetch_notes(ctx, {pid for pid, _ in wanted}).items()}
    stored = {
        (row.note_id, row.keyword): row
        for row in _fetch(ctx, SEARCH_HIT, "note_id", notes.values(), ("note_id", "keyword", "crawled_at"))
    }
    inserts, updates = [], []
    for (pid, keyword), crawled in wanted.items():
        note_id = notes.get(pid)
        if note_id is None:
            continue
        row = stored.get((note_id, keyword))
        if row is None:
            inserts.append(
                {
                    "workspace_id": ctx.workspace_id,
                    "note_id": note_id,
                    "keyword": keyword,
                    "crawled_at": crawled,
                }
            )
        elif crawled is not None and (row.crawled_at is None or crawled > row.crawled_at):
            updates.append({"_id": row.id, "crawled_at": crawled})
    ctx.plan_writes(len(inserts) + len(updates))
    _insert(ctx, SEARCH_HIT, inserts, ("note_id", "keyword"), ())
    _update(ctx, SEARCH_HIT, updates, ("crawled_at",))
    ctx.summary.count_created("search_hit", len(inserts))


# --------------------------------------------------------------------------- rows keyed by pairs


def _upsert_pairs(
    ctx: LoadContext,
    table: Table,
    parent_column: str,
    date_column: str,
    items: list[Loaded],
    fields: Sequence[str],
) -> None:
    """Upsert rows keyed by (parent row id, second key): snapshots by (kol or note, date), campaign
    notes by (campaign, note). Records carry ``_parent`` and the second key under its column."""
    parents = {item.record["_parent"] for item in items}
    stored = {
        (getattr(row, parent_column), getattr(row, date_column)): row
        for row in _fetch(ctx, table, parent_column, parents, (date_column, *fields))
    }
    inserts, updates = [], []
    for item in items:
        record = item.record
        key = (record["_parent"], record[date_column])
        row = stored.get(key)
        if row is None:
            insert = {name: record.get(name) for name in fields}
            insert.update({"workspace_id": ctx.workspace_id, parent_column: key[0], date_column: key[1]})
            inserts.append(insert)
            ctx.summary.inserted += 1
        elif _differs(record, row, fields, ()):
            updates.append(_update_row(record, row, fields, ()))
            ctx.summary.updated += 1
        else:
            ctx.summary.unchanged += 1
    ctx.plan_writes(len(inserts) + len(updates))
    _insert(ctx, table, inserts, (parent_column, date_column), fields)
    _update(ctx, table, updates, fields)


def _resolve_kol_ids(ctx: LoadContext, items: list[Loaded]) -> dict[str, int]:
    return resolve_kols(ctx, {item.record["_kol"]: {} for item in items})


def _notes_with_kol_check(ctx: LoadContext, items: list[Loaded], kol_ids: Mapping[str, int]) -> list[Loaded]:
    """Attach note row ids (placeholders for unknown notes, owned by the row's KOL); reject rows
    whose note belongs to another KOL in this workspace."""
    stored = _fetch_notes(ctx, {item.record["_note"] for item in items})
    owners = _kols_by_pk(ctx, {row.kol_id for row in stored.values() if row.kol_id is not None})
    kept: list[Loaded] = []
    for item in items:
        row = stored.get(item.record["_note"])
        kol_id = kol_ids[item.record["_kol"]]
        if row is not None and row.kol_id is not None and row.kol_id != kol_id:
            ctx.reject(
                item,
                "kol_id",
                f"note {item.record['_note']} belongs to KOL {owners.get(row.kol_id, row.kol_id)} in this "
                f"workspace, not {item.record['_kol']}",
                item.record["_kol"],
            )
            continue
        kept.append(item)
    note_ids = ensure_notes(
        ctx, {item.record["_note"]: {"kol_id": kol_ids[item.record["_kol"]]} for item in kept}
    )
    for item in kept:
        item.record["_note_id"] = note_ids[item.record["_note"]]
        item.record["kol_id"] = kol_ids[item.record["_kol"]]
    ctx.touched_notes.update(note_ids.values())
    return kept


def load_follower_snapshots(ctx: LoadContext, items: list[Loaded]) -> None:
    kol_ids = _resolve_kol_ids(ctx, items)
    for item in items:
        item.record["_parent"] = kol_ids[item.record["_kol"]]
    _upsert_pairs(ctx, FOLLOWERS, "kol_id", "date", items, FOLLOWER_FIELDS)
    _refresh_kol_counts(ctx, set(kol_ids.values()))


def _refresh_kol_counts(ctx: LoadContext, kol_ids: set[int]) -> None:
    """Copy each KOL's newest snapshot into ``kol.followers`` (and the other counts)."""
    for chunk in _chunks(sorted(kol_ids)):
        newest = (
            select(FOLLOWERS.c.kol_id, func.max(FOLLOWERS.c.date).label("date"))
            .where(FOLLOWERS.c.workspace_id == ctx.workspace_id, FOLLOWERS.c.kol_id.in_(list(chunk)))
            .group_by(FOLLOWERS.c.kol_id)
            .subquery()
        )
        rows = ctx.session.execute(
            select(FOLLOWERS).join(
                newest, (FOLLOWERS.c.kol_id == newest.c.kol_id) & (FOLLOWERS.c.date == newest.c.date)
            )
        ).all()
        updates = [
            {
                "_id": row.kol_id,
                "followers": row.followers,
                "following": row.following,
                "notes_count": row.notes,
                "likes_and_collects": row.likes_and_collects,
            }
            for row in rows
        ]
        _update(ctx, KOL, updates, ("followers", "following", "notes_count", "likes_and_collects"))


def load_note_metrics(ctx: LoadContext, items: list[Loaded]) -> None:
    kol_ids = _resolve_kol_ids(ctx, items)
    kept = _notes_with_kol_check(ctx, items, kol_ids)
    for item in kept:
        item.record["_parent"] = item.record["_note_id"]
    _upsert_pairs(ctx, NOTE_METRICS, "note_id", "captured_at", kept, METRIC_FIELDS)


def _creator_note_id(kol_platform_id: str, title: str, published_iso: str) -> str:
    digest = hashlib.sha256(f"{kol_platform_id}|{title}|{published_iso}".encode()).hexdigest()
    return f"cc_{digest[:20]}"


def load_creator_notes(ctx: LoadContext, items: list[Loaded]) -> None:
    """Creator-centre rows: match each to a stored note of the KOL (by note id, else by title and
    publication time within two minutes), create the missing notes, then one metrics snapshot
    per note dated ``as_of``."""
    if ctx.kol is None or ctx.as_of is None:
        raise ValueError("creator-centre exports need the KOL (--kol) and the snapshot date")
    kol_id = resolve_kols(ctx, {ctx.kol: {}})[ctx.kol]
    kol_platform_id = _kols_by_pk(ctx, [kol_id])[kol_id]
    stored = ctx.session.execute(
        select(NOTE.c.id, NOTE.c.platform_note_id, NOTE.c.title, NOTE.c.published_at).where(
            NOTE.c.workspace_id == ctx.workspace_id, NOTE.c.kol_id == kol_id
        )
    ).all()
    by_title: dict[str, list[Any]] = {}
    for row in stored:
        if row.title:
            by_title.setdefault(row.title.strip(), []).append(row)
    tolerance = timedelta(seconds=CREATOR_MATCH_SECONDS)

    new_notes: dict[str, dict[str, Any]] = {}
    explicit: dict[str, Loaded] = {}
    for item in items:
        record = item.record
        if record["_note"]:
            explicit[record["_note"]] = item
            continue
        match = next(
            (
                row
                for row in by_title.get(record["title"].strip(), [])
                if row.published_at is not None
                and abs(row.published_at - record["published_at"]) <= tolerance
            ),
            None,
        )
        if match is not None:
            record["_parent"] = match.id
            continue
        pid = _creator_note_id(kol_platform_id, record["title"], record["published_at"].isoformat())
        record["_pid"] = pid
        new_notes[pid] = {
            "workspace_id": ctx.workspace_id,
            "platform_note_id": pid,
            "kol_id": kol_id,
            "type": record["type"],
            "title": record["title"],
            "published_at": record["published_at"],
            "liked_count": record["likes"],
            "collected_count": record["saves"],
            "comment_count": record["comments"],
            "share_count": record["shares"],
            "is_placeholder": False,
        }
    if explicit:
        note_ids = ensure_notes(ctx, {pid: {"kol_id": kol_id} for pid in explicit})
        for pid, item in explicit.items():
            item.record["_parent"] = note_ids[pid]
    if new_notes:
        existing = _fetch_notes(ctx, new_notes.keys())
        missing = [row for pid, row in new_notes.items() if pid not in existing]
        ctx.plan_writes(len(missing))
        _insert(ctx, NOTE, missing, ("workspace_id", "platform_note_id"), ())
        ctx.summary.count_created("note", len(missing))
        ids = {pid: row.id for pid, row in _fetch_notes(ctx, new_notes.keys()).items()}
        for item in items:
            if "_pid" in item.record:
                item.record["_parent"] = ids[item.record["_pid"]]
    for item in items:
        item.record["captured_at"] = ctx.as_of
    ctx.touched_notes.update(item.record["_parent"] for item in items)
    _upsert_pairs(ctx, NOTE_METRICS, "note_id", "captured_at", items, METRIC_FIELDS)


# --------------------------------------------------------------------------- campaigns


def resolve_campaigns(ctx: LoadContext, names: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Campaign (row id, currency) by name, creating missing campaigns in the workspace currency."""
    wanted = list(dict.fromkeys(names))
    rows = _fetch(ctx, CAMPAIGN, "name", wanted, ("name", "currency"))
    found = {row.name: (row.id, row.currency) for row in rows}
    missing = [name for name in wanted if name not in found]
    if missing:
        currency = (
            ctx.session.scalar(select(WORKSPACE.c.currency).where(WORKSPACE.c.id == ctx.workspace_id))
            or "CNY"
        )
        _insert(
            ctx,
            CAMPAIGN,
            [{"workspace_id": ctx.workspace_id, "name": name, "currency": currency} for name in missing],
            ("workspace_id", "name"),
            (),
        )
        ctx.summary.count_created("campaign", len(missing))
        found.update(
            {
                row.name: (row.id, row.currency)
                for row in _fetch(ctx, CAMPAIGN, "name", missing, ("name", "currency"))
            }
        )
    return found


def load_campaign_notes(ctx: LoadContext, items: list[Loaded]) -> None:
    campaigns = resolve_campaigns(ctx, {item.record["_campaign"] for item in items})
    kol_ids = _resolve_kol_ids(ctx, items)
    kept = _notes_with_kol_check(ctx, items, kol_ids)
    for item in kept:
        campaign_id, currency = campaigns[item.record["_campaign"]]
        item.record["_campaign_id"] = campaign_id
        item.record["currency"] = item.record.get("currency") or currency
    for item in kept:
        item.record["_parent"], item.record["note_id"] = item.record["_campaign_id"], item.record["_note_id"]
    _upsert_pairs(ctx, CAMPAIGN_NOTE, "campaign_id", "note_id", kept, CAMPAIGN_NOTE_FIELDS)
    _mark_sponsored(ctx, {item.record["_note_id"] for item in kept})


def _mark_sponsored(ctx: LoadContext, note_ids: set[int]) -> None:
    for chunk in _chunks(sorted(note_ids)):
        ctx.session.execute(
            update(NOTE)
            .where(
                NOTE.c.workspace_id == ctx.workspace_id,
                NOTE.c.id.in_(list(chunk)),
                NOTE.c.sponsored.is_(False),
            )
            .values(sponsored=True)
        )


def link_campaign(ctx: LoadContext, campaign: str, note_ids: set[int]) -> None:
    """Attach notes to a campaign (``--campaign``) without touching economics already entered."""
    if not note_ids:
        return
    campaign_id, currency = resolve_campaigns(ctx, [campaign])[campaign]
    notes = _fetch(ctx, NOTE, "id", note_ids, ("kol_id",))
    linked = {
        row.note_id
        for row in ctx.session.execute(
            select(CAMPAIGN_NOTE.c.note_id).where(
                CAMPAIGN_NOTE.c.workspace_id == ctx.workspace_id, CAMPAIGN_NOTE.c.campaign_id == campaign_id
            )
        )
    }
    rows = [
        {
            "workspace_id": ctx.workspace_id,
            "campaign_id": campaign_id,
            "note_id": row.id,
            "kol_id": row.kol_id,
            "currency": currency,
        }
        for row in notes
        if row.id not in linked
    ]
    _insert(ctx, CAMPAIGN_NOTE, rows, ("campaign_id", "note_id"), ())
    ctx.summary.count_created("campaign_note", len(rows))
    _mark_sponsored(ctx, note_ids)


# --------------------------------------------------------------------------- coverage


def comment_coverage(ctx: LoadContext, note_ids: Iterable[int]) -> list[NoteCoverage]:
    """Per note: comments stored vs ``comment_count`` reported by XHS."""
    ids = sorted(set(note_ids))
    result: list[NoteCoverage] = []
    for chunk in _chunks(ids):
        counts: dict[int, int] = {
            int(note_id): int(n)
            for note_id, n in ctx.session.execute(
                select(COMMENT.c.note_id, func.count())
                .where(COMMENT.c.workspace_id == ctx.workspace_id, COMMENT.c.note_id.in_(list(chunk)))
                .group_by(COMMENT.c.note_id)
            )
        }
        notes = ctx.session.execute(
            select(NOTE.c.id, NOTE.c.platform_note_id, NOTE.c.comment_count).where(
                NOTE.c.workspace_id == ctx.workspace_id, NOTE.c.id.in_(list(chunk))
            )
        ).all()
        for note in notes:
            collected = int(counts.get(note.id, 0))
            reported = note.comment_count
            coverage = round(collected / reported, 4) if reported else None
            result.append(NoteCoverage(note.platform_note_id, collected, reported, coverage))
    result.sort(key=lambda c: c.note_id)
    return result


def load_search_index(ctx: LoadContext, items: list[Loaded]) -> None:
    """Search-index values by (keyword, day): new ones inserted, a changed value replaces the
    stored one (a later export corrects an earlier), the same value is unchanged."""
    stored = {
        (row.keyword, row.day): row
        for row in _fetch(
            ctx, SEARCH_INDEX, "keyword", {i.record["keyword"] for i in items}, ("day", "value")
        )
    }
    inserts, updates = [], []
    for item in items:
        record = item.record
        row = stored.get((record["keyword"], record["day"]))
        if row is None:
            inserts.append({"workspace_id": ctx.workspace_id, "source": "import", **record})
            ctx.summary.inserted += 1
        elif row.value != record["value"]:
            updates.append({"_id": row.id, "value": record["value"], "source": "import"})
            ctx.summary.updated += 1
        else:
            ctx.summary.unchanged += 1
    ctx.plan_writes(len(inserts) + len(updates))
    _insert(ctx, SEARCH_INDEX, inserts, ("workspace_id", "keyword", "day"), ())
    _update(ctx, SEARCH_INDEX, updates, ("value", "source"))


LOADERS: dict[str, Callable[[LoadContext, list[Loaded]], None]] = {
    "notes": load_notes,
    "comments": load_comments,
    "creator_notes": load_creator_notes,
    "follower_snapshots": load_follower_snapshots,
    "note_metrics": load_note_metrics,
    "campaign_notes": load_campaign_notes,
    "search_index": load_search_index,
}
