"""Engine set-up, column types and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.store.engine import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    make_session_factory,
    upgrade,
)
from service.store.repositories import create_workspace
from service.store.tables import Base, Campaign, CampaignNote, Comment, Kol, Note, Workspace
from tests.utils.factories import add_campaign_note


def test_make_engine_sets_sqlite_pragmas_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.db'}")
    try:
        for _ in range(2):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
            engine.pool.dispose()  # next round: a brand-new connection
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "x.db").exists()  # the folder was created


def test_make_engine_refuses_other_backends() -> None:
    with pytest.raises(ValueError, match="mysql"):
        make_engine("mysql://localhost/x")


def test_upgrade_creates_every_table_matching_the_models(empty_db_url: str) -> None:
    assert current_revision(empty_db_url) is None
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= names
    assert diff == []


def test_upgrade_is_repeatable_and_downgrade_removes_the_tables(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    upgrade(empty_db_url)
    downgrade(empty_db_url, "base")
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
    finally:
        engine.dispose()
    assert left == set()
    assert current_revision(empty_db_url) is None


def test_migrations_honour_the_search_path(pg_schema_url: object) -> None:
    url = pg_schema_url(True)  # type: ignore[operator]
    schema = url.rsplit("%3D", 1)[1]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names(schema=schema))
            public = set(inspect(conn).get_table_names(schema="public"))
    finally:
        engine.dispose()
    assert {"comment", "note", "alembic_version"} <= tables
    assert "comment" not in public


def test_utc_datetime_round_trips_aware_and_refuses_naive(session: Session) -> None:
    china = timezone(timedelta(hours=8))
    workspace = create_workspace(session, "tz")
    note = Note(
        workspace_id=workspace.id,
        platform_note_id="n1",
        published_at=datetime(2024, 4, 25, 8, 30, 0, 123000, tzinfo=china),
    )
    session.add(note)
    session.commit()
    session.expire_all()
    stored = session.scalar(select(Note))
    assert stored is not None
    assert stored.published_at == datetime(2024, 4, 25, 0, 30, 0, 123000, tzinfo=UTC)
    assert stored.published_at is not None and stored.published_at.tzinfo is not None
    stored.published_at = datetime(2024, 4, 25, 8, 30)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()
    session.rollback()


def test_money_is_exact_decimal(session: Session) -> None:
    workspace = create_workspace(session, "money")
    campaign = Campaign(workspace_id=workspace.id, name="c")
    note = Note(workspace_id=workspace.id, platform_note_id="n1")
    session.add_all([campaign, note])
    session.flush()
    add_campaign_note(session, campaign, note.id, fee=Decimal("0.1"), revenue=Decimal("999999999999.99"))
    session.commit()
    session.expire_all()
    row = session.scalar(select(CampaignNote))
    assert row is not None
    assert isinstance(row.fee, Decimal) and row.fee == Decimal("0.10")
    assert row.revenue == Decimal("999999999999.99")


def test_foreign_keys_and_platform_ids_are_enforced(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, session.begin():
        workspace_id = create_workspace(session, "fk").id
    with session_factory() as session, pytest.raises(IntegrityError):
        session.add(Comment(workspace_id=workspace_id, platform_comment_id="c1", note_id=987654, text="x"))
        session.commit()
    with session_factory() as session, pytest.raises(IntegrityError):
        session.add_all(
            [
                Kol(workspace_id=workspace_id, platform_user_id="same"),
                Kol(workspace_id=workspace_id, platform_user_id="same"),
            ]
        )
        session.commit()


def test_platform_ids_are_unique_per_workspace_only(session: Session) -> None:
    first = create_workspace(session, "one")
    second = create_workspace(session, "two")
    session.add_all(
        [
            Note(workspace_id=first.id, platform_note_id="shared"),
            Note(workspace_id=second.id, platform_note_id="shared"),
        ]
    )
    session.commit()
    assert session.scalar(select(text("count(*)")).select_from(Note)) == 2


def test_deleting_a_workspace_cascades(engine: Engine, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, session.begin():
        workspace = create_workspace(session, "gone")
        note = Note(workspace_id=workspace.id, platform_note_id="n1")
        session.add(note)
        session.flush()
        session.add(Comment(workspace_id=workspace.id, platform_comment_id="c1", note_id=note.id, text="hi"))
    with session_factory() as session, session.begin():
        session.execute(delete(Workspace))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM comment")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM note")).scalar() == 0


def test_make_session_factory_keeps_attributes_after_commit(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        workspace = create_workspace(session, "kept", "Kept Brand")
    assert workspace.name == "Kept Brand" and workspace.currency == "CNY"
