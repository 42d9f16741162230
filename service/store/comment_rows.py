"""Comment tables and label corrections: the one query behind every comment table of the pages,
and the analysts' corrections of a comment's labels (stored as labelled examples, undoable).

Like :mod:`service.store.repositories`, every function takes ``workspace_id`` and filters by it,
flushes and never commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from models.labels import INTENTS, SENTIMENTS
from service.store.tables import CampaignNote, Comment, LabelCorrection, LabelledExample, Note
from service.store.types import utcnow

CORRECTION_SOURCE = "correction"


class CorrectionError(ValueError):
    """A correction that cannot be made or undone; the message says why."""


@dataclass(frozen=True)
class CommentScope:
    """Whose comments: a KOL's notes, a campaign's notes or one note (row ids)."""

    kind: str  # "kol", "campaign" or "note"
    id: int


@dataclass(frozen=True)
class CommentFilter:
    """What a comment table shows. Labels are the serving model's stored analysis; the times
    are UTC bounds of when the comment was posted (``created_from`` inclusive, ``created_before``
    exclusive)."""

    sentiment: str | None = None
    intent: str | None = None
    text: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    note_id: int | None = None


def _scope_notes(workspace_id: int, scope: CommentScope) -> Any:
    notes = select(Note.id).where(Note.workspace_id == workspace_id)
    if scope.kind == "kol":
        return notes.where(Note.kol_id == scope.id)
    if scope.kind == "campaign":
        return select(CampaignNote.note_id).where(
            CampaignNote.workspace_id == workspace_id, CampaignNote.campaign_id == scope.id
        )
    if scope.kind == "note":
        return notes.where(Note.id == scope.id)
    raise ValueError(f"comment scope {scope.kind!r} is not one of kol, campaign, note")


def intent_flag(name: str) -> Any:
    """SQL of "the stored analysis flags intent ``name``" (JSON path, SQLite and PostgreSQL)."""
    if name not in INTENTS:
        raise ValueError(f"intent {name!r} is not one of {list(INTENTS)}")
    return Comment.intents[(name, "flag")].as_boolean()


def _filtered(workspace_id: int, scope: CommentScope, wanted: CommentFilter) -> Select[Any]:
    stmt = select(Comment).where(
        Comment.workspace_id == workspace_id, Comment.note_id.in_(_scope_notes(workspace_id, scope))
    )
    if wanted.sentiment:
        if wanted.sentiment not in SENTIMENTS:
            raise ValueError(f"sentiment {wanted.sentiment!r} is not one of {list(SENTIMENTS)}")
        stmt = stmt.where(Comment.sentiment == wanted.sentiment)
    if wanted.intent:
        stmt = stmt.where(intent_flag(wanted.intent) == True)  # noqa: E712  # SQL comparison
    if wanted.text:
        pattern = "%" + wanted.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Comment.text.ilike(pattern, escape="\\"))
    if wanted.created_from is not None:
        stmt = stmt.where(Comment.created_at >= wanted.created_from)
    if wanted.created_before is not None:
        stmt = stmt.where(Comment.created_at < wanted.created_before)
    if wanted.note_id is not None:
        stmt = stmt.where(Comment.note_id == wanted.note_id)
    return stmt


def find_comments(
    session: Session,
    workspace_id: int,
    scope: CommentScope,
    wanted: CommentFilter,
    *,
    limit: int | None,
    offset: int = 0,
) -> tuple[list[Comment], int]:
    """One page of the comments of ``scope`` that ``wanted`` selects, newest first, and how many
    there are in all. ``limit=None`` returns every one (exports)."""
    stmt = _filtered(workspace_id, scope, wanted)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    stmt = stmt.order_by(Comment.created_at.desc().nulls_last(), Comment.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt)), total


def notes_by_id(session: Session, workspace_id: int, note_ids: Sequence[int]) -> dict[int, Note]:
    if not note_ids:
        return {}
    rows = session.scalars(select(Note).where(Note.workspace_id == workspace_id, Note.id.in_(set(note_ids))))
    return {n.id: n for n in rows}


def notes_published_between(
    session: Session, workspace_id: int, kol_id: int, start: datetime | None, before: datetime | None
) -> list[Note]:
    """A KOL's notes published in ``[start, before)`` (UTC bounds; ``None`` leaves a side open)."""
    if start is None and before is None:
        return []
    conditions = [Note.workspace_id == workspace_id, Note.kol_id == kol_id]
    conditions += [Note.published_at >= start] if start is not None else []
    conditions += [Note.published_at < before] if before is not None else []
    newest = (Note.published_at.desc().nulls_last(), Note.id.desc())
    return list(session.scalars(select(Note).where(*conditions).order_by(*newest)))


# --------------------------------------------------------------------------- corrections


def active_corrections(
    session: Session, workspace_id: int, comment_ids: Sequence[int]
) -> dict[int, list[LabelCorrection]]:
    """Corrections not undone, per comment, oldest first."""
    out: dict[int, list[LabelCorrection]] = {}
    for row in _of_comments(
        session, LabelCorrection, workspace_id, comment_ids, LabelCorrection.undone_at.is_(None)
    ):
        out.setdefault(row.comment_id, []).append(row)
    return out


def _of_comments(
    session: Session, table: Any, workspace_id: int, comment_ids: Sequence[int], *where: Any
) -> list[Any]:
    """Rows of ``table`` (with ``comment_id``) about these comments, in id order."""
    if not comment_ids:
        return []
    ours = (table.workspace_id == workspace_id, table.comment_id.in_(set(comment_ids)), *where)
    return list(session.scalars(select(table).where(*ours).order_by(table.id)))


def _example_of(session: Session, workspace_id: int, comment_id: int) -> LabelledExample | None:
    return session.scalar(
        select(LabelledExample)
        .where(LabelledExample.workspace_id == workspace_id, LabelledExample.comment_id == comment_id)
        .order_by(LabelledExample.id.desc())
        .limit(1)
    )


def correct_label(
    session: Session,
    workspace_id: int,
    comment_id: int,
    field: str,
    value: str | bool,
    shown_intents: Mapping[str, bool] | None = None,
) -> LabelCorrection:
    """Store an analyst's label of one comment into its labelled example (what retraining reads).

    ``field`` is ``sentiment`` (``value`` one of :data:`SENTIMENTS`) or an intent (``value`` a
    bool). A new example gets only that label for a sentiment; for an intent it gets every
    intent, the others as the row showed them (``shown_intents``), because an intent example
    trains only with all intents known. An existing example (a label made earlier) has that one
    label replaced. Raises :class:`CorrectionError` for an unknown field or value, or a comment
    that is not in the workspace or has no text.
    """
    if field == "sentiment":
        if value not in SENTIMENTS:
            raise CorrectionError(f"sentiment {value!r} is not one of {', '.join(SENTIMENTS)}")
    elif field in INTENTS:
        if not isinstance(value, bool):
            raise CorrectionError(f"an intent label is true or false, not {value!r}")
    else:
        raise CorrectionError(f"label {field!r} is not sentiment or one of {', '.join(INTENTS)}")
    comment = session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.workspace_id == workspace_id)
    )
    if comment is None or not (comment.text or "").strip():
        raise CorrectionError(f"comment {comment_id} does not exist in this workspace (or has no text)")
    example = _example_of(session, workspace_id, comment_id)
    previous = None
    if example is None:
        example = LabelledExample(
            workspace_id=workspace_id,
            text=comment.text,
            sentiment=None,
            intents={},
            source=CORRECTION_SOURCE,
            comment_id=comment_id,
        )
        if field in INTENTS:
            example.intents = {name: bool((shown_intents or {}).get(name, False)) for name in INTENTS}
        session.add(example)
    else:
        previous = {"sentiment": example.sentiment, "intents": dict(example.intents or {})}
    if field == "sentiment":
        example.sentiment = str(value)
    else:
        example.intents = {**(example.intents or {}), field: bool(value)}
    session.flush()
    correction = LabelCorrection(workspace_id=workspace_id, comment_id=comment_id, field=field, value=value)
    correction.labelled_example_id, correction.previous = example.id, previous
    session.add(correction)
    session.flush()
    return correction


def undo_correction(session: Session, workspace_id: int, correction_id: int) -> LabelCorrection:
    """Undo a correction: its example gets back the labels it had before, or is deleted when the
    correction created it (so the label leaves the training data). Only a comment's latest
    correction can be undone (undo the later ones first); raises :class:`CorrectionError`."""
    correction = session.scalar(
        select(LabelCorrection).where(
            LabelCorrection.id == correction_id, LabelCorrection.workspace_id == workspace_id
        )
    )
    if correction is None:
        raise CorrectionError(f"correction {correction_id} does not exist in this workspace")
    if correction.undone_at is not None:
        raise CorrectionError(f"correction {correction_id} was already undone")
    later = session.scalar(
        select(func.count()).where(
            and_(
                LabelCorrection.workspace_id == workspace_id,
                LabelCorrection.comment_id == correction.comment_id,
                LabelCorrection.id > correction.id,
                LabelCorrection.undone_at.is_(None),
            )
        )
    )
    if later:
        raise CorrectionError("this comment has a later correction: undo that one first")
    example = (
        session.get(LabelledExample, correction.labelled_example_id)
        if correction.labelled_example_id is not None
        else None
    )
    if example is not None and example.workspace_id == workspace_id:
        if correction.previous is None:
            session.delete(example)
        else:
            example.sentiment = correction.previous.get("sentiment")
            example.intents = dict(correction.previous.get("intents") or {})
    correction.undone_at = utcnow()
    session.flush()
    return correction


def labelled_examples_of(
    session: Session, workspace_id: int, comment_ids: Sequence[int]
) -> dict[int, LabelledExample]:
    """The latest labelled example of each of these comments (those that have one)."""
    rows = _of_comments(session, LabelledExample, workspace_id, comment_ids)
    return {row.comment_id: row for row in rows if row.comment_id is not None}
