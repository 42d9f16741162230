"""Fixtures of the service tests: tiny fitted comment models (never the committed ones), an app
on a fresh database per test, and two seeded workspaces to test isolation.

The models are fitted once per session (:func:`tests.utils.models.fit_tiny_models`); every test
gets its own copy, so promotions do not leak between tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from models.authenticity.calibration import provisional_calibration
from service.config import Settings
from service.main import create_app
from tests.utils.client import TestClient
from tests.utils.factories import World, seed_world
from tests.utils.models import fit_tiny_models, write_training_corpus
from tests.utils.settings import settings_factory


@pytest.fixture(scope="session")
def models_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with three sentiment versions (v1 current) and one intents version."""
    return fit_tiny_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def training_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled fixture in the project corpus layout (written rows only), for training jobs."""
    return write_training_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def models_dir(models_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(models_template, target)
    return target


@pytest.fixture
def api_db_url(sqlite_db_url: str) -> str:
    """The database of the test app: SQLite here; modules that must hold on PostgreSQL too
    override this fixture with ``db_url`` (both backends)."""
    return sqlite_db_url


@pytest.fixture
def make_settings(
    api_db_url: str, models_dir: Path, training_corpus: Path, tmp_path: Path
) -> Callable[..., Settings]:
    """Settings for a test app; keyword arguments override (e.g. ``rate_limit_per_minute=3``)."""

    return settings_factory(
        database_url=api_db_url,
        models_dir=models_dir,
        data_dir=tmp_path / "var",
        training_corpus_dir=training_corpus,
    )


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, calibration=provisional_calibration())


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient, app: FastAPI) -> World:
    """Two workspaces (A and B) with the same kinds of rows, and keys of several scopes."""
    return seed_world(app.state.services.session_factory)
