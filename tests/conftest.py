"""Shared database fixtures.

``db_url`` is parametrised over SQLite (a file in the test's tmp dir) and PostgreSQL (the server
at ``REDLENS_TEST_PG_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); every
test using it, or ``engine`` / ``session_factory`` / ``session``, runs on both. On PostgreSQL each
pytest-xdist worker migrates its own schema once (selected through ``search_path`` in the URL, so
workers running in parallel never see each other's rows) and every table is truncated after each
test; ``pg_schema_url`` gives a brand-new schema when a test needs one (migrations).

When PostgreSQL is unreachable its cases are skipped with the reason, unless
``REDLENS_REQUIRE_PG=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from service.store.engine import make_engine, make_session_factory, upgrade
from service.store.repositories import create_workspace
from service.store.tables import Base, Workspace
from tests.utils import skip_or_fail

DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Property and fuzz tests explore fresh random inputs on a developer's machine ("dev"), and replay
# one fixed derandomised sequence in CI ("ci", chosen by .ci/run), so that a merge gate never fails
# on a new random draw; a failure found while exploring becomes a pinned example in its test.
hypothesis_settings.register_profile("dev")
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pg_base_url() -> str:
    return os.environ.get("REDLENS_TEST_PG_URL", DEFAULT_TEST_PG_URL)


@lru_cache(maxsize=1)
def _pg_unavailable_reason() -> str | None:
    url = pg_base_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not reachable at {url}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def require_pg() -> None:
    """Skip (or fail, when REDLENS_REQUIRE_PG=1) a test that needs an unreachable PostgreSQL."""
    skip_or_fail(_pg_unavailable_reason(), "REDLENS_REQUIRE_PG")


def _pg_admin() -> Engine:
    return create_engine(pg_base_url(), connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for every test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _sqlite_url(template: Path, folder: Path) -> str:
    target = folder / "redlens.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_schema_url() -> Iterator[Callable[[bool], str]]:
    """Factory of PostgreSQL URLs, each on a brand-new schema (migrated unless asked not to);
    the schemas are dropped after the test."""
    require_pg()
    schemas: list[str] = []

    def make(migrate: bool = True) -> str:
        schema, url = _new_schema(migrate)
        schemas.append(schema)
        return url

    yield make
    _drop_schemas(schemas)


def _new_schema(migrate: bool) -> tuple[str, str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"rl_test_{worker}_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = f"{pg_base_url()}?options=-csearch_path%3D{schema}"
    if migrate:
        upgrade(url)
    return schema, url


def _drop_schemas(schemas: list[str]) -> None:
    admin = _pg_admin()
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def _pg_worker_schema() -> Iterator[tuple[str, str]]:
    """This worker's migrated schema, dropped at the end of the session."""
    require_pg()
    schema, url = _new_schema(True)
    yield schema, url
    _drop_schemas([schema])


def _truncate_all(schema: str) -> None:
    tables = ", ".join(f'"{schema}"."{table.name}"' for table in Base.metadata.sorted_tables)
    admin = _pg_admin()
    with admin.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))  # a leaked transaction fails loudly
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a migrated, empty database on the parametrised backend."""
    if db_backend == "sqlite":
        yield _sqlite_url(request.getfixturevalue("_sqlite_template"), tmp_path)
        return
    schema, url = request.getfixturevalue("_pg_worker_schema")
    try:
        yield url
    finally:
        _truncate_all(schema)


@pytest.fixture
def empty_db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a database with no tables at all (to test migrations)."""
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    make: Callable[[bool], str] = request.getfixturevalue("pg_schema_url")
    return make(False)


@pytest.fixture
def sqlite_db_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database only (for tests that need a database but not both backends)."""
    return _sqlite_url(_sqlite_template, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def make_workspace(session_factory: sessionmaker[Session]) -> Callable[..., Workspace]:
    """Create (and commit) a workspace: ``make_workspace("acme")``."""

    def make(slug: str | None = None, **kwargs: object) -> Workspace:
        with session_factory() as session, session.begin():
            return create_workspace(session, slug or f"ws-{uuid.uuid4().hex[:8]}", **kwargs)  # type: ignore[arg-type]

    return make
