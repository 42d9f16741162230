"""The comment table: one component for every page that lists comments (a KOL's, a campaign's, a
note's, the comments behind a flag).

Each row shows the stored analysis (sentiment and intents with their probabilities, in text and
in a ``title``), the commenter by nickname and id, the note with its date and XHS link, and the
analyst's labels. Filtering by label, searching, time windows and paging are query parameters
(``sentiment``, ``intent``, ``q``, ``from``, ``to``, ``note``, ``page``), so the table works without
script; the same query exports as CSV (UTF-8 with BOM, through the formula-safe writer).

Corrections: a row's form posts one label (``sentiment:negative``, ``paid_suspicion:no``) to
``/comments/{id}/labels``; it goes into the comment's labelled example, which the workspace's next
training job reads (:func:`service.jobs.labelled_frame`), and ``/corrections/{id}/undo`` restores
the state before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from models.labels import INTENTS, SENTIMENTS
from service.comment_analysis import intent_flags, intent_probabilities
from service.errors import InvalidInput
from service.ingest.parsing import CHINA_TZ
from service.store.comment_rows import (
    CommentFilter,
    CommentScope,
    active_corrections,
    find_comments,
    labelled_examples_of,
    notes_by_id,
)
from service.store.tables import Comment, LabelCorrection, LabelledExample, Note
from service.web.formatting import query_url
from service.web.i18n import N_

PAGE_SIZE = 50
MAX_EXPORT = 100_000
XHS_NOTE_URL = "https://www.xiaohongshu.com/explore/{}"
#: XHS note ids are 24 hexadecimal digits (an ObjectId); other ids (tests, agency sheets) have no URL.
XHS_NOTE_ID = re.compile(r"^[0-9a-f]{24}$")
#: Names of the labels as pages show them (translated).
LABEL_TEXT: dict[str, str] = {
    "sentiment": N_("sentiment"),
    "positive": N_("positive"),
    "neutral": N_("neutral"),
    "negative": N_("negative"),
    "purchase_intent": N_("purchase intent"),
    "skepticism": N_("skepticism"),
    "paid_suspicion": N_("paid suspicion"),
    "question": N_("question"),
    "spam": N_("spam"),
}
CSV_COLUMNS = (
    "comment_id",
    "platform_comment_id",
    "note_id",
    "note_title",
    "note_url",
    "posted_at",
    "commenter_nickname",
    "commenter_id",
    "text",
    "sentiment",
    "p_positive",
    "p_neutral",
    "p_negative",
    *(f"{name}" for name in INTENTS),
    *(f"p_{name}" for name in INTENTS),
    "analyst_sentiment",
    *(f"analyst_{name}" for name in INTENTS),
    "model_version",
)


def note_url(note: Note | None) -> str | None:
    """The note on XHS: its stored URL, else the explore URL when the id is an XHS id."""
    if note is None:
        return None
    if note.note_url and note.note_url.startswith(("https://", "http://")):
        return note.note_url
    if XHS_NOTE_ID.match(note.platform_note_id or ""):
        return XHS_NOTE_URL.format(note.platform_note_id)
    return None


def day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds of China days ``first`` to ``last`` inclusive (the days as XHS shows them)."""
    start = datetime.combine(first, time(), CHINA_TZ) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), CHINA_TZ) if last else None
    return start, end


def table_context() -> dict[str, Any]:
    """What the comment-table macros need besides the table (pass to the page's context)."""
    return {"label_text": LABEL_TEXT, "sentiments": SENTIMENTS, "intents": INTENTS, "note_url": note_url}


@dataclass(frozen=True)
class CommentQuery:
    """The query parameters of a comment table."""

    #: labels of the stored analysis ("" for any), text the comment contains
    sentiment: str = ""
    intent: str = ""
    q: str = ""
    #: China days posted, YYYY-MM-DD: ``from`` and ``to`` in the address
    since: str = field(default="", metadata={"param": "from"})
    until: str = field(default="", metadata={"param": "to"})
    #: one note's comments (its row id), 0 for all
    note: int = 0
    page: int = 1

    def url(self, path: str, **changes: Any) -> str:
        return query_url(replace(self, **changes), CommentQuery(), path)

    @property
    def filtered(self) -> bool:
        return bool(self.sentiment or self.intent or self.q or self.since or self.until or self.note)

    def comment_filter(self) -> CommentFilter:
        start, end = day_bounds(parse_day(self.since), parse_day(self.until))
        return CommentFilter(
            sentiment=self.sentiment or None,
            intent=self.intent or None,
            text=self.q or None,
            created_from=start,
            created_before=end,
            note_id=self.note or None,
        )


def parse_day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def comment_query(
    sentiment: Annotated[Literal["", "positive", "neutral", "negative"], Query()] = "",
    intent: Annotated[
        Literal["", "purchase_intent", "skepticism", "paid_suspicion", "question", "spam"], Query()
    ] = "",
    q: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[str | None, Query(alias="from", pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = None,
    until: Annotated[str | None, Query(alias="to", pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = None,
    note: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> CommentQuery:
    for name, value in (("from", since), ("to", until)):
        try:
            parse_day(value or "")
        except ValueError:
            raise InvalidInput(f"{name}={value!r} is not a calendar date (YYYY-MM-DD)") from None
    return CommentQuery(sentiment, intent, (q or "").strip(), since or "", until or "", note, page)


CommentQueryDep = Annotated[CommentQuery, Depends(comment_query)]


@dataclass(frozen=True)
class IntentCell:
    name: str
    probability: float | None
    flag: bool


@dataclass
class CommentRow:
    """One comment as a table row (see the module docstring)."""

    comment: Comment
    note: Note | None
    note_url: str | None
    commenter_id: str | None
    sentiment_p: float | None
    probabilities: dict[str, float | None]
    intents: list[IntentCell]
    example: LabelledExample | None
    corrections: list[LabelCorrection] = field(default_factory=list)

    @property
    def flagged(self) -> list[IntentCell]:
        return [i for i in self.intents if i.flag]

    @property
    def last_correction(self) -> LabelCorrection | None:
        return self.corrections[-1] if self.corrections else None


def comment_rows(session: Session, workspace_id: int, comments: list[Comment]) -> list[CommentRow]:
    """Rows of these comments with their notes, analyst labels and corrections."""
    ids = [c.id for c in comments]
    notes = notes_by_id(session, workspace_id, [c.note_id for c in comments])
    examples = labelled_examples_of(session, workspace_id, ids)
    corrections = active_corrections(session, workspace_id, ids)
    out = []
    for c in comments:
        probabilities = {"positive": c.p_positive, "neutral": c.p_neutral, "negative": c.p_negative}
        intent_p, flags = intent_probabilities(c), intent_flags(c)
        note = notes.get(c.note_id)
        out.append(
            CommentRow(
                comment=c,
                note=note,
                note_url=note_url(note),
                commenter_id=c.commenter_id or c.commenter_hash,
                sentiment_p=probabilities.get(c.sentiment or ""),
                probabilities=probabilities,
                intents=[
                    IntentCell(name, intent_p.get(name), flags.get(name, False))
                    for name in INTENTS
                    if name in intent_p or name in flags
                ],
                example=examples.get(c.id),
                corrections=corrections.get(c.id, []),
            )
        )
    return out


@dataclass
class CommentTable:
    """One page of a comment table, with what its links and forms need."""

    rows: list[CommentRow]
    total: int
    page: int
    pages: int
    query: CommentQuery
    path: str
    csv_path: str
    can_correct: bool
    notes: list[Note] = field(default_factory=list)


def build_table(
    session: Session,
    workspace_id: int,
    scope: CommentScope,
    query: CommentQuery,
    path: str,
    *,
    can_correct: bool,
    csv_path: str | None = None,
) -> CommentTable:
    """The page of the comment table ``query`` asks for (the last page when it asks past it)."""
    wanted = query.comment_filter()
    _, total = find_comments(session, workspace_id, scope, wanted, limit=0)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(query.page, pages)
    comments, total = find_comments(
        session, workspace_id, scope, wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return CommentTable(
        rows=comment_rows(session, workspace_id, comments),
        total=total,
        page=page,
        pages=pages,
        query=replace(query, page=page),
        path=path,
        csv_path=csv_path or f"{path}.csv",
        can_correct=can_correct,
    )


def _yes_no(value: Any) -> str:
    return "" if value is None else ("yes" if value else "no")


def csv_rows(rows: list[CommentRow]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        c, example = row.comment, row.example
        flags = {i.name: i for i in row.intents}
        labelled = (example.intents or {}) if example else {}
        out.append(
            {
                "comment_id": c.id,
                "platform_comment_id": c.platform_comment_id,
                "note_id": row.note.platform_note_id if row.note else "",
                "note_title": (row.note.title or "") if row.note else "",
                "note_url": row.note_url or "",
                "posted_at": c.created_at.isoformat() if c.created_at else "",
                "commenter_nickname": c.nickname or "",
                "commenter_id": row.commenter_id or "",
                "text": c.text,
                "sentiment": c.sentiment or "",
                **{f"p_{k}": "" if v is None else round(v, 4) for k, v in row.probabilities.items()},
                **{name: _yes_no(flags[name].flag) if name in flags else "" for name in INTENTS},
                **{
                    f"p_{name}": ""
                    if name not in flags or flags[name].probability is None
                    else round(float(flags[name].probability or 0.0), 4)
                    for name in INTENTS
                },
                "analyst_sentiment": (example.sentiment or "") if example else "",
                **{f"analyst_{name}": _yes_no(labelled.get(name)) for name in INTENTS},
                "model_version": c.model_version or "",
            }
        )
    return out
