"""Fixtures of the API tests: tiny fitted comment models (never the committed ones), an app on a
fresh database per test, and two seeded workspaces to test isolation.

The tiny models are fitted once per session on ``tests/fixtures/api/labelled_comments.csv``
(98 short comments written for these tests) and saved with :mod:`models.artifacts` into a models
folder with a registry; every test gets its own copy, so promotions do not leak between tests.
"""

from __future__ import annotations

import csv
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from models.artifacts import library_versions, save_artifact, set_current
from models.authenticity.calibration import provisional_calibration
from models.comments import IntentClassifier, build_features, mark_fitted_features
from models.labels import INTENTS, SENTIMENTS
from service.config import Settings
from service.main import create_app
from tests.service.api.factories import World, seed_world

with warnings.catch_warnings():
    # Starlette asks for httpx2 instead of httpx; the pinned environment has httpx (see report).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "api"
LABELLED = FIXTURES / "labelled_comments.csv"
SENTIMENT_V1 = "20260101-000000-aaaaaa"
SENTIMENT_V2 = "20260102-000000-bbbbbb"
SENTIMENT_V3 = "20260103-000000-dddddd"
INTENTS_V1 = "20260101-000000-cccccc"


def read_labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        names = {n.strip() for n in (row["intents"] or "").split(",") if n.strip()}
        row["intent_set"] = names
    return rows


def _card(kind: str, n: int) -> dict[str, Any]:
    return {
        "description": f"tiny {kind} model fitted on {n} test comments (tests only)",
        "metrics": {"xhs_written_test": {"n": n, "note": "tiny test model, no held-out evaluation"}},
        "library_versions": library_versions(),
    }


@pytest.fixture(scope="session")
def models_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with three sentiment versions (v1 current) and one intents version."""
    rows = read_labelled()
    texts = [r["text"] for r in rows]
    features = build_features(min_df=1, max_word_features=5000, max_char_features=5000)
    X = features.fit_transform(texts)
    mark_fitted_features(features)
    y = np.asarray([r["sentiment"] for r in rows])
    assert set(y) == set(SENTIMENTS)
    Y = np.asarray([[1 if name in r["intent_set"] else 0 for name in INTENTS] for r in rows])
    folder = tmp_path_factory.mktemp("models")
    for version, C in ((SENTIMENT_V1, 1.0), (SENTIMENT_V2, 8.0), (SENTIMENT_V3, 0.5)):
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=0).fit(X, y)
        save_artifact(
            Pipeline([("features", features), ("clf", clf)]),
            task="sentiment",
            version=version,
            card=_card("sentiment", len(rows)),
            models_dir=folder,
        )
    intents = IntentClassifier(INTENTS, C=4.0).fit(X, Y)
    save_artifact(
        Pipeline([("features", features), ("clf", intents)]),
        task="intents",
        version=INTENTS_V1,
        card=_card("intents", len(rows)),
        models_dir=folder,
    )
    set_current("sentiment", SENTIMENT_V1, folder)
    set_current("intents", INTENTS_V1, folder)
    return folder


@pytest.fixture(scope="session")
def training_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled fixture in the project corpus layout (written rows only), for training jobs."""
    from training.datasets import CORPUS_COLUMNS

    folder = tmp_path_factory.mktemp("corpus")
    with (folder / "written.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CORPUS_COLUMNS))
        writer.writeheader()
        for i, row in enumerate(read_labelled()):
            writer.writerow(
                {
                    "id": f"written:T-{i:03d}",
                    "provenance": "written",
                    "sample": "written",
                    "note_key": f"T-{i // 3:03d}",
                    "note_title": "test note",
                    "vertical": "beauty",
                    "text": row["text"],
                    "sentiment": row["sentiment"],
                    **{name: int(name in row["intent_set"]) for name in INTENTS},
                    "labeller": "tests",
                }
            )
    return folder


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

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": api_db_url,
            "models_dir": models_dir,
            "data_dir": tmp_path / "var",
            "training_corpus_dir": training_corpus,
            "training_public_data": False,
            "rate_limit_per_minute": 10_000,
            "cookie_secure": False,
            "job_heartbeat_seconds": 0.2,
            "model_check_seconds": 0.0,
            **overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


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
    factory = app.state.services.session_factory
    return seed_world(factory)


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def wait_for_job(
    client: TestClient, path: str, headers: dict[str, str], timeout: float = 60.0
) -> dict[str, Any]:
    """Poll a job until it leaves queued/running; returns its last state."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(path, headers=headers).json()
        if body.get("state") in ("succeeded", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.1)
