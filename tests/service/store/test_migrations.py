"""The upgrade path from data written by earlier revisions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from service.store import engine as store
from service.store.repositories import create_job
from service.store.types import JSONType

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _table(name: str, *columns: str) -> sa.TableClause:
    json_columns = {"params", "result", "intents", "aliases"}
    return sa.table(name, *(sa.column(c, JSONType if c in json_columns else None) for c in columns))


def _seed_revision_0001(engine: Engine) -> None:
    """Rows as revision 0001 stored them: the job kind inside params, intents with "p"."""
    with engine.begin() as conn:
        conn.execute(_table("workspace", "id", "slug", "name", "created_at").insert(), [
            {"id": 1, "slug": "old", "name": "Old", "created_at": NOW}
        ])  # fmt: skip
        conn.execute(_table("note", "id", "workspace_id", "platform_note_id", "created_at", "updated_at").insert(), [
            {"id": 1, "workspace_id": 1, "platform_note_id": "n1", "created_at": NOW, "updated_at": NOW}
        ])  # fmt: skip
        conn.execute(
            _table("comment", "id", "workspace_id", "note_id", "platform_comment_id", "text", "intents", "imported_at").insert(),
            [
                {"id": 1, "workspace_id": 1, "note_id": 1, "platform_comment_id": "c1", "text": "求链接",
                 "intents": {"purchase_intent": {"p": 0.91, "flag": True}}, "imported_at": NOW},
                {"id": 2, "workspace_id": 1, "note_id": 1, "platform_comment_id": "c2", "text": "",
                 "intents": None, "imported_at": NOW},
            ],
        )  # fmt: skip
        conn.execute(
            _table("training_job", "id", "workspace_id", "state", "progress", "params", "result", "created_at").insert(),
            [
                {"id": 7, "workspace_id": 1, "state": "succeeded", "progress": 1.0,
                 "params": {"kind": "ingest", "files": [{"name": "a.csv"}]}, "result": {"ok": 1}, "created_at": NOW},
                {"id": 9, "workspace_id": 1, "state": "queued", "progress": 0.0,
                 "params": {"tasks": ["sentiment"]}, "result": None, "created_at": NOW},
            ],
        )  # fmt: skip


def _rows(engine: Engine, table: sa.TableClause) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_upgrade_moves_the_job_kind_into_its_column_and_renames_stored_probabilities(
    empty_db_url: str,
) -> None:
    store.upgrade(empty_db_url, "0001")
    engine = store.make_engine(empty_db_url)
    try:
        _seed_revision_0001(engine)
        store.upgrade(engine)
        assert store.current_revision(engine) == store.head_revision()
        jobs = _rows(engine, _table("job", "id", "kind", "state", "params", "result"))
        comments = _rows(engine, _table("comment", "id", "intents"))
        with store.make_session_factory(engine)() as session, session.begin():
            new_job = create_job(session, 1, "training")
    finally:
        engine.dispose()
    assert jobs == [
        {"id": 7, "kind": "ingest", "state": "succeeded", "params": {"files": [{"name": "a.csv"}]},
         "result": {"ok": 1}},
        {"id": 9, "kind": "training", "state": "queued", "params": {"tasks": ["sentiment"]}, "result": None},
    ]  # fmt: skip
    assert new_job.id == 10  # ids continue after the copied rows
    assert comments == [
        {"id": 1, "intents": {"purchase_intent": {"probability": 0.91, "flag": True}}},
        {"id": 2, "intents": None},
    ]


def test_downgrade_restores_the_earlier_shapes(empty_db_url: str) -> None:
    store.upgrade(empty_db_url, "0001")
    engine = store.make_engine(empty_db_url)
    try:
        _seed_revision_0001(engine)
        store.upgrade(engine)
        store.downgrade(engine, "0001")
        assert store.current_revision(engine) == "0001"
        jobs = _rows(engine, _table("training_job", "id", "params"))
        comments = _rows(engine, _table("comment", "id", "intents"))
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert "job" not in tables
    assert jobs == [
        {"id": 7, "params": {"files": [{"name": "a.csv"}], "kind": "ingest"}},
        {"id": 9, "params": {"tasks": ["sentiment"], "kind": "training"}},
    ]
    assert comments[0]["intents"] == {"purchase_intent": {"p": 0.91, "flag": True}}


def test_revision_0005_adds_cancelled_jobs_and_its_downgrade_marks_them_failed(empty_db_url: str) -> None:
    store.upgrade(empty_db_url, "0003")
    engine = store.make_engine(empty_db_url)
    job = _table("job", "id", "workspace_id", "kind", "state", "progress", "message", "created_at")
    try:
        with engine.begin() as conn:
            conn.execute(_table("workspace", "id", "slug", "name", "created_at").insert(), [
                {"id": 1, "slug": "old", "name": "Old", "created_at": NOW}
            ])  # fmt: skip
            conn.execute(job.insert(), [
                {"id": 3, "workspace_id": 1, "kind": "ingest", "state": "queued", "progress": 0.0,
                 "message": None, "created_at": NOW}
            ])  # fmt: skip
        store.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(job.update().where(job.c.id == 3).values(state="cancelled", message=None))
        cancelled = _rows(engine, _table("job", "id", "state", "cancel_requested_at"))
        store.downgrade(engine, "0003")
        after = _rows(engine, _table("job", "id", "state", "message"))
        columns = {c["name"] for c in sa.inspect(engine).get_columns("job")}
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(job.update().where(job.c.id == 3).values(state="cancelled"))
    finally:
        engine.dispose()
    assert cancelled == [{"id": 3, "state": "cancelled", "cancel_requested_at": None}]
    assert after == [{"id": 3, "state": "failed", "message": "cancelled"}]
    assert "cancel_requested_at" not in columns


def test_revision_0006_adds_label_corrections_and_downgrades(empty_db_url: str) -> None:
    store.upgrade(empty_db_url, "0005")
    engine = store.make_engine(empty_db_url)
    try:
        store.upgrade(engine)
        inspector = sa.inspect(engine)
        upgraded = (
            {c["name"] for c in inspector.get_columns("kol")},
            {c["name"] for c in inspector.get_columns("label_correction")},
        )
        store.downgrade(engine, "0005")
        inspector = sa.inspect(engine)
        after = ({c["name"] for c in inspector.get_columns("kol")}, set(inspector.get_table_names()))
    finally:
        engine.dispose()
    assert "price" not in upgraded[0]  # prices are quotes (kol_quote, revision 0008)
    assert {"comment_id", "labelled_example_id", "field", "value", "previous", "undone_at"} <= upgraded[1]
    assert after[0] == upgraded[0] and "label_correction" not in after[1]


def test_revision_0007_adds_the_market_tables_and_its_downgrade_drops_them(empty_db_url: str) -> None:
    store.upgrade(empty_db_url, "0005")
    engine = store.make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(_table("workspace", "id", "slug", "name", "created_at").insert(), [
                {"id": 1, "slug": "old", "name": "Old", "created_at": NOW}
            ])  # fmt: skip
        store.upgrade(engine)
        brand = _table("market_brand", "id", "workspace_id", "name", "aliases", "created_at")
        point = _table(
            "search_index_point", "id", "workspace_id", "keyword", "day", "value", "source", "updated_at"
        )
        with engine.begin() as conn:
            conn.execute(brand.insert(), [
                {"id": 1, "workspace_id": 1, "name": "朵拉朵尚", "aliases": ["DORA"], "created_at": NOW}
            ])  # fmt: skip
            row = {"workspace_id": 1, "keyword": "朵拉朵尚", "day": NOW.date(), "value": 5, "source": "form",
                   "updated_at": NOW}  # fmt: skip
            conn.execute(point.insert(), [{"id": 1, **row}])
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(point.insert(), [{"id": 2, **row}])  # one value per keyword and day
        stored = _rows(engine, _table("market_brand", "id", "name", "aliases", "own"))
        store.downgrade(engine, "0005")
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert stored == [{"id": 1, "name": "朵拉朵尚", "aliases": ["DORA"], "own": False}]
    assert not tables & {"market_brand", "search_hit", "search_index_point"}
