"""Fixtures of the page tests: tiny real models (fitted once per session on a slice of the project's
written corpus), a database seeded once with the demo workspace and a rival workspace, and a fresh
copy of both for every test, served by the real app through a TestClient."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from models.comments import load_comment_models
from service.config import Settings
from service.main import create_app
from service.store.engine import make_engine, make_session_factory
from tests.utils.client import TestClient
from tests.utils.settings import settings_factory
from tests.utils.web import ORIGIN, Seeded, seed_workspaces, train_tiny_models, write_tiny_corpus


def copy_sqlite(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)
    return target


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_corpus(tmp_path_factory.mktemp("web-corpus"))


@pytest.fixture(scope="session")
def web_models_template(tmp_path_factory: pytest.TempPathFactory, web_corpus: Path) -> Path:
    folder = tmp_path_factory.mktemp("web-models")
    train_tiny_models(folder, web_corpus)
    return folder


@pytest.fixture(scope="session")
def web_world(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path, web_models_template: Path
) -> tuple[Path, Seeded]:
    """A migrated SQLite file holding the demo and rival workspaces (copied for each test)."""
    folder = tmp_path_factory.mktemp("web-db")
    database = copy_sqlite(_sqlite_template, folder / "redlens.db")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{database}",
        models_dir=web_models_template,
        data_dir=folder / "var",
    )
    engine = make_engine(settings.database_url)
    try:
        seeded = seed_workspaces(
            make_session_factory(engine), settings, load_comment_models(web_models_template)
        )
    finally:
        engine.dispose()
    return database, seeded


@pytest.fixture
def seeded(web_world: tuple[Path, Seeded]) -> Seeded:
    return web_world[1]


@pytest.fixture
def make_web_settings(
    web_world: tuple[Path, Seeded], web_models_template: Path, web_corpus: Path, tmp_path: Path
) -> Callable[..., Settings]:
    """Settings on this test's own copy of the database and models; keywords override."""
    database = copy_sqlite(web_world[0], tmp_path / "redlens.db")
    models_dir = tmp_path / "models"
    shutil.copytree(web_models_template, models_dir)

    return settings_factory(
        database_url=f"sqlite:///{database}",
        models_dir=models_dir,
        data_dir=tmp_path / "var",
        training_corpus_dir=web_corpus,
    )


@pytest.fixture
def web_app(make_web_settings: Callable[..., Settings]) -> FastAPI:
    return create_app(make_web_settings())


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url=ORIGIN) as test_client:
        yield test_client
