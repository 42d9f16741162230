"""Engines, sessions and programmatic Alembic migrations.

SQLite (the default, ``var/redlens.db``) gets on every connection: WAL journal (readers do not
block the writer), ``busy_timeout`` (a writer waits for another instead of failing at once),
``foreign_keys=ON`` (SQLite ignores foreign keys otherwise) and ``synchronous=NORMAL`` (safe with
WAL). Python's sqlite3 module manages transactions in a way that breaks SAVEPOINT; the engine
takes that over (``isolation_level=None`` plus an explicit ``BEGIN``), as SQLAlchemy documents.

PostgreSQL URLs (``postgresql+psycopg://...``) are used as given; a ``search_path`` in the URL
(``?options=-csearch_path%3Dmyschema``) is honoured by the tables and by the migrations, which
never name a schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from service.config import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _install_sqlite_hooks(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: ``get_settings().database_url``).

    For a SQLite file the parent folder is created here (not at import). ``kwargs`` go to
    :func:`sqlalchemy.create_engine`.
    """
    parsed = make_url(url if url is not None else get_settings().database_url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(parsed)
        in_memory = path is None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("check_same_thread", False)
        if in_memory:  # one shared connection: pool sizes and timeouts do not apply
            kwargs.setdefault("poolclass", StaticPool)
            for option in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(option, None)
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        _install_sqlite_hooks(engine, in_memory=in_memory)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    raise ValueError(
        f"database URL {parsed.render_as_string(hide_password=True)!r} is not supported: "
        "use sqlite:///path/to.db or postgresql+psycopg://user@host:port/db"
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (handy for returning rows from a unit of work)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def end_transaction(session: Session) -> None:
    """End the session's transaction (committing it) so its connection goes back to the pool.

    Rows it loaded stay usable (:func:`make_session_factory` keeps attributes after commit). Call it
    before work that needs no database, such as running the models, so that a request never holds a
    pooled connection while it computes; the next query takes a connection again. The session must
    hold no unsaved changes it does not mean to commit.
    """
    if session.in_transaction():
        session.commit()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _connection(url: str | URL | Engine | None, *, begin: bool) -> Iterator[Connection]:
    """A connection to ``url`` (in a transaction when ``begin``); an engine made here is disposed."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.begin() if begin else engine.connect() as connection:
            yield connection
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def upgrade(url: str | URL | Engine | None = None, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` on ``url`` (default: the configured database)."""
    from alembic import command

    with _connection(url, begin=True) as connection:
        command.upgrade(_alembic_config(connection), revision)


def downgrade(url: str | URL | Engine | None, revision: str) -> None:
    """Revert the migrations down to ``revision`` (``"base"`` removes every table)."""
    from alembic import command

    with _connection(url, begin=True) as connection:
        command.downgrade(_alembic_config(connection), revision)


def current_revision(url: str | URL | Engine | None = None) -> str | None:
    """The revision the database is at, or ``None`` for a database never migrated."""
    from alembic.runtime.migration import MigrationContext

    with _connection(url, begin=False) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()
