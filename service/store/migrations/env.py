"""Alembic environment. Runs on the connection handed over by :func:`service.store.engine.upgrade`
(``config.attributes["connection"]``), or on a fresh engine for the configured database.

Nothing here names a schema: on PostgreSQL, tables and the ``alembic_version`` table go to the
first schema of the connection's ``search_path``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from service.store.engine import make_engine
from service.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine()
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `redlens db upgrade`")
run_migrations_online()
