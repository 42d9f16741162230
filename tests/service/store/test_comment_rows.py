"""The comment-table query and label corrections, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.jobs import labelled_frame
from service.store import comment_rows as rows
from service.store import repositories as repo
from service.store import tables

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _comment(ws: int, note: int, n: int, text: str, sentiment: str, paid: bool) -> tables.Comment:
    return tables.Comment(
        workspace_id=ws,
        note_id=note,
        platform_comment_id=f"c{ws}-{n}",
        text=text,
        created_at=T0.replace(day=n),
        sentiment=sentiment,
        intents={
            "paid_suspicion": {"probability": 0.9 if paid else 0.1, "flag": paid},
            "question": {"probability": 0.2, "flag": False},
        },
    )


def _world(session: Session) -> tuple[int, int, int, list[int]]:
    """Workspace, KOL, note and comment ids; a second workspace holds an identical comment."""
    out = []
    for slug in ("a", "b"):
        ws = repo.create_workspace(session, slug, slug).id
        kol = tables.Kol(workspace_id=ws, platform_user_id=f"u-{slug}", nickname="博主")
        session.add(kol)
        session.flush()
        note = tables.Note(workspace_id=ws, platform_note_id=f"n-{slug}", kol_id=kol.id, title="t")
        session.add(note)
        session.flush()
        comments = [
            _comment(ws, note.id, 1, "是广告吧", "negative", True),
            _comment(ws, note.id, 2, "好用 100%", "positive", False),
            _comment(ws, note.id, 3, "恰饭", "neutral", True),
        ]
        session.add_all(comments)
        session.flush()
        out.append((ws, kol.id, note.id, [c.id for c in comments]))
    session.commit()
    return out[0]


def test_find_comments_filters_by_label_text_and_time_within_the_workspace(session: Session) -> None:
    ws, kol, _, ids = _world(session)
    scope = rows.CommentScope("kol", kol)
    paid, total = rows.find_comments(
        session, ws, scope, rows.CommentFilter(intent="paid_suspicion"), limit=10
    )
    assert ([c.id for c in paid], total) == ([ids[2], ids[0]], 2)  # newest first
    negative, _ = rows.find_comments(session, ws, scope, rows.CommentFilter(sentiment="negative"), limit=10)
    assert [c.id for c in negative] == [ids[0]]
    literal, _ = rows.find_comments(session, ws, scope, rows.CommentFilter(text="100%"), limit=10)
    assert [c.id for c in literal] == [ids[1]]
    window = rows.CommentFilter(created_from=T0.replace(day=2), created_before=T0.replace(day=3))
    assert [c.id for c in rows.find_comments(session, ws, scope, window, limit=10)[0]] == [ids[1]]
    page, total = rows.find_comments(session, ws, scope, rows.CommentFilter(), limit=1, offset=1)
    assert ([c.id for c in page], total) == ([ids[1]], 3)


def test_find_comments_of_another_workspaces_kol_is_empty(session: Session) -> None:
    ws, _, _, _ = _world(session)
    other = session.scalar(select(tables.Kol.id).where(tables.Kol.workspace_id != ws))
    assert other is not None
    assert rows.find_comments(
        session, ws, rows.CommentScope("kol", other), rows.CommentFilter(), limit=10
    ) == ([], 0)


def test_a_correction_becomes_a_training_label_and_undo_removes_it(session: Session) -> None:
    ws, _, _, ids = _world(session)
    correction = rows.correct_label(
        session, ws, ids[0], "paid_suspicion", False, {"paid_suspicion": True, "question": True}
    )
    frame = labelled_frame(session, ws)
    assert frame.to_dict("records")[0]["paid_suspicion"] == 0.0
    assert frame.to_dict("records")[0]["question"] == 1.0  # the other intents as the row showed them
    assert frame["sentiment"].isna().all()
    rows.undo_correction(session, ws, correction.id)
    assert labelled_frame(session, ws).empty
    assert rows.active_corrections(session, ws, [ids[0]]) == {}


def test_undo_restores_the_label_an_earlier_correction_made(session: Session) -> None:
    ws, _, _, ids = _world(session)
    first = rows.correct_label(session, ws, ids[1], "sentiment", "neutral")
    second = rows.correct_label(session, ws, ids[1], "sentiment", "negative")
    with pytest.raises(rows.CorrectionError, match="later correction"):
        rows.undo_correction(session, ws, first.id)
    rows.undo_correction(session, ws, second.id)
    assert list(labelled_frame(session, ws)["sentiment"]) == ["neutral"]
    with pytest.raises(rows.CorrectionError, match="already undone"):
        rows.undo_correction(session, ws, second.id)


def test_corrections_refuse_bad_labels_and_other_workspaces(session: Session) -> None:
    ws, _, _, ids = _world(session)
    with pytest.raises(rows.CorrectionError, match="not one of"):
        rows.correct_label(session, ws, ids[0], "sentiment", "angry")
    with pytest.raises(rows.CorrectionError, match="not sentiment or one of"):
        rows.correct_label(session, ws, ids[0], "price", True)
    foreign = session.scalar(select(tables.Comment.id).where(tables.Comment.workspace_id != ws))
    assert foreign is not None
    with pytest.raises(rows.CorrectionError, match="does not exist"):
        rows.correct_label(session, ws, foreign, "sentiment", "positive")
    mine = rows.correct_label(session, ws, ids[0], "sentiment", "positive")
    other_ws = session.scalar(select(tables.Workspace.id).where(tables.Workspace.id != ws))
    assert other_ws is not None
    with pytest.raises(rows.CorrectionError, match="does not exist"):
        rows.undo_correction(session, other_ws, mine.id)
