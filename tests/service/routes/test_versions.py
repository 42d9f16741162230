"""GET /v1/models, promote and rollback.

A workspace admin changes what its own workspace is served, never another workspace's; the
deployment's models are switched by the operator (``redlens models promote``, which updates the
registry and the table), and every process follows that within seconds.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from models.artifacts import copy_version, current_version, set_current
from service.config import Settings
from service.main import create_app
from service.serving import (
    record_registry,
    table_current_versions,
    workspace_current_versions,
    workspace_models_dir,
    workspaces_models_root,
)
from service.store.repositories import create_model_version, list_model_versions
from tests.utils.client import auth
from tests.utils.factories import World
from tests.utils.models import INTENTS_V1, SENTIMENT_V1, SENTIMENT_V2, SENTIMENT_V3

DEFAULT = f"sentiment:{SENTIMENT_V1}+intents:{INTENTS_V1}"


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


@pytest.fixture
def settings(make_settings: Any) -> Settings:
    """Room for the concurrent-promotion bursts below: they test the database, not load shedding
    (tests/service/test_shedding.py covers the 503s)."""
    return make_settings(max_in_flight=64, max_queued=64, rate_limit_per_minute=6000)


def _served(client: TestClient, key: str) -> str:
    body = client.post(
        "/v1/comments/analyze", json={"comments": [{"text": "求链接"}]}, headers=auth(key)
    ).json()
    return str(body["model_version"])


def _record(app: FastAPI, version: str, workspace_id: int | None = None) -> None:
    """Record a sentiment version as a workspace's training job (or a shipped one, ``None``)."""
    with app.state.services.session_factory() as session, session.begin():
        create_model_version(
            session, "sentiment", version, "x", "0" * 64, {"tiny": True}, workspace_id=workspace_id
        )


def _operator_promotes(app: FastAPI, models_dir: Path, version: str) -> None:
    """What `redlens models promote sentiment VERSION` does: the registry, then the table."""
    set_current("sentiment", version, models_dir)
    with app.state.services.session_factory() as session:
        record_registry(session, models_dir)
        session.commit()


def test_models_lists_serving_and_recorded_versions(client: TestClient, world: World) -> None:
    body = client.get("/v1/models", headers=auth(world.a.reader)).json()
    assert body["serving"] == {
        "sentiment": SENTIMENT_V1,
        "intents": INTENTS_V1,
        "model_version": DEFAULT,
        "promoted_by_workspace": [],
    }
    current = {(v["task"], v["version"]) for v in body["versions"] if v["is_current"]}
    assert current == {("sentiment", SENTIMENT_V1), ("intents", INTENTS_V1)}
    assert all(v["origin"] == "shipped" for v in body["versions"])


def test_promoting_its_own_version_changes_only_that_workspace(
    client: TestClient, world: World, app: FastAPI, models_dir: Path
) -> None:
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    response = client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin))
    assert response.status_code == 200, response.text
    assert response.json()["previous_version"] == SENTIMENT_V1
    assert response.json()["serving"] == f"sentiment:{SENTIMENT_V2}+intents:{INTENTS_V1}"
    assert _served(client, world.a.reader) == f"sentiment:{SENTIMENT_V2}+intents:{INTENTS_V1}"
    # the other workspace, the registry and the deployment's current version are untouched
    assert _served(client, world.b.reader) == DEFAULT
    assert current_version("sentiment", models_dir) == SENTIMENT_V1
    with app.state.services.session_factory() as session:
        assert table_current_versions(session)["sentiment"] == SENTIMENT_V1
    listed = client.get("/v1/models", headers=auth(world.a.reader)).json()
    assert listed["serving"]["promoted_by_workspace"] == ["sentiment"]
    assert {v["version"] for v in listed["versions"] if v["is_current"]} == {SENTIMENT_V2, INTENTS_V1}
    other = client.get("/v1/models", headers=auth(world.b.reader)).json()
    assert SENTIMENT_V2 not in {v["version"] for v in other["versions"]}
    assert other["serving"]["promoted_by_workspace"] == []


def test_a_workspace_key_cannot_switch_the_deployment(
    client: TestClient, world: World, app: FastAPI, models_dir: Path
) -> None:
    _record(app, SENTIMENT_V2)  # shipped, not current
    response = client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin))
    assert response.status_code == 409
    assert "redlens models promote sentiment" in response.json()["detail"]
    assert _served(client, world.a.reader) == DEFAULT
    assert _served(client, world.b.reader) == DEFAULT
    assert current_version("sentiment", models_dir) == SENTIMENT_V1
    rollback = client.post(f"/v1/models/{SENTIMENT_V1}/rollback", headers=auth(world.a.admin))
    assert rollback.status_code == 409
    assert "operator" in rollback.json()["detail"]
    # another workspace's version is invisible: 404, not 409
    _record(app, SENTIMENT_V3, world.b.workspace_id)
    assert client.post(f"/v1/models/{SENTIMENT_V3}/promote", headers=auth(world.a.admin)).status_code == 404


def test_rollback_walks_back_through_the_workspace_promotions(
    client: TestClient, world: World, app: FastAPI
) -> None:
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    _record(app, SENTIMENT_V3, world.a.workspace_id)
    admin = auth(world.a.admin)
    assert client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=admin).status_code == 200
    assert client.post(f"/v1/models/{SENTIMENT_V3}/promote", headers=admin).status_code == 200
    assert _served(client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V3}")
    not_current = client.post(f"/v1/models/{SENTIMENT_V2}/rollback", headers=admin)
    assert not_current.status_code == 409
    assert not_current.json()["type"] == "https://redlens.dev/problems/conflict"

    back = client.post(f"/v1/models/{SENTIMENT_V3}/rollback", headers=admin)
    assert back.status_code == 200, back.text
    assert (back.json()["version"], back.json()["previous_version"]) == (SENTIMENT_V2, SENTIMENT_V3)
    assert _served(client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")

    back = client.post(f"/v1/models/{SENTIMENT_V2}/rollback", headers=admin)
    assert back.status_code == 200, back.text
    assert back.json()["version"] == SENTIMENT_V1
    assert _served(client, world.a.reader) == DEFAULT
    assert client.post(f"/v1/models/{SENTIMENT_V1}/rollback", headers=admin).status_code == 409


def test_promoting_the_deployment_version_ends_the_workspace_choice(
    client: TestClient, world: World, app: FastAPI
) -> None:
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    admin = auth(world.a.admin)
    assert client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=admin).status_code == 200
    response = client.post(f"/v1/models/{SENTIMENT_V1}/promote", headers=admin)
    assert response.status_code == 200, response.text
    assert (response.json()["version"], response.json()["previous_version"]) == (SENTIMENT_V1, SENTIMENT_V2)
    assert _served(client, world.a.reader) == DEFAULT
    assert (
        client.get("/v1/models", headers=auth(world.a.reader)).json()["serving"]["promoted_by_workspace"]
        == []
    )


def test_unknown_or_malformed_versions(client: TestClient, world: World) -> None:
    missing = client.post("/v1/models/20990101-000000-ffffff/promote", headers=auth(world.a.admin))
    assert missing.status_code == 404
    traversal = client.post("/v1/models/..%2F..%2Fetc/promote", headers=auth(world.a.admin))
    assert traversal.status_code == 404  # the decoded slashes make it a path no route matches
    assert traversal.json()["detail"].startswith("no route POST /v1/models/../../etc/promote")
    malformed = client.post("/v1/models/not%20a%20version/promote", headers=auth(world.a.admin))
    assert malformed.status_code == 422
    assert malformed.json()["type"] == "https://redlens.dev/problems/validation-error"


def test_other_processes_serve_a_workspace_promotion_at_once(
    settings: Settings, world: World, app: FastAPI, client: TestClient
) -> None:
    """Two apps on one database and models folder stand for two server processes."""
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    other = create_app(settings, calibration=None)
    with TestClient(other) as other_client:
        assert _served(other_client, world.a.reader) == DEFAULT
        assert (
            client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin)).status_code == 200
        )
        assert _served(other_client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")
        assert _served(other_client, world.b.reader) == DEFAULT
    with TestClient(create_app(settings, calibration=None)) as restarted:
        assert _served(restarted, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")
        assert _served(restarted, world.b.reader) == DEFAULT


@pytest.fixture
def second_process(
    settings: Settings, world: World, app: FastAPI, client: TestClient
) -> Iterator[tuple[FastAPI, TestClient]]:
    """Another app on the same database and models folder (a second server process), started after
    the first recorded version ``SENTIMENT_V2``."""
    _record(app, SENTIMENT_V2)
    other = create_app(settings, calibration=None)
    with TestClient(other) as other_client:
        yield other, other_client


def test_a_second_process_follows_the_operator_switching_the_deployment(
    world: World, app: FastAPI, models_dir: Path, second_process: tuple[FastAPI, TestClient]
) -> None:
    other, other_client = second_process
    assert _served(other_client, world.a.reader) == DEFAULT
    _operator_promotes(app, models_dir, SENTIMENT_V2)
    holder = other.state.services.holder
    assert holder.sync(other.state.services.session_factory, force=True)
    assert _served(other_client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")
    assert _served(other_client, world.b.reader).startswith(f"sentiment:{SENTIMENT_V2}")
    assert not holder.sync(other.state.services.session_factory, force=True)
    registry = json.loads((models_dir / "registry.json").read_text())
    assert registry["sentiment"]["history"] == [SENTIMENT_V1]


def test_the_housekeeper_follows_the_deployment_without_being_asked(
    world: World, app: FastAPI, models_dir: Path, second_process: tuple[FastAPI, TestClient]
) -> None:
    _, other_client = second_process
    _operator_promotes(app, models_dir, SENTIMENT_V2)
    deadline = time.monotonic() + 15
    served = _served(other_client, world.a.reader)
    while not served.startswith(f"sentiment:{SENTIMENT_V2}") and time.monotonic() < deadline:
        time.sleep(0.2)
        served = _served(other_client, world.a.reader)
    assert served.startswith(f"sentiment:{SENTIMENT_V2}")


def test_a_workspace_version_the_operator_makes_the_deployments_becomes_shipped(
    client: TestClient, world: World, app: FastAPI, models_dir: Path
) -> None:
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    _operator_promotes(app, models_dir, SENTIMENT_V2)
    app.state.services.holder.sync(app.state.services.session_factory, force=True)
    for key in (world.a.reader, world.b.reader):
        assert _served(client, key).startswith(f"sentiment:{SENTIMENT_V2}")
    listed = client.get("/v1/models", headers=auth(world.b.reader)).json()
    assert {"task": "sentiment", "version": SENTIMENT_V2, "origin": "shipped"}.items() <= next(
        v for v in listed["versions"] if v["version"] == SENTIMENT_V2
    ).items()


def test_the_models_cli_switches_the_deployment_for_running_servers(
    settings: Settings, world: World, app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`redlens models promote` / `rollback` write the registry and the table the servers poll."""
    from typer.testing import CliRunner

    from service.cli import app as cli
    from service.config import get_settings

    monkeypatch.setenv("REDLENS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDLENS_MODELS_DIR", str(settings.models_dir))
    get_settings.cache_clear()
    try:
        promoted = CliRunner().invoke(cli, ["models", "promote", "sentiment", SENTIMENT_V2])
        assert promoted.exit_code == 0, promoted.output
        assert "switch within about 10 s" in promoted.output
        app.state.services.holder.sync(app.state.services.session_factory, force=True)
        assert _served(client, world.b.reader).startswith(f"sentiment:{SENTIMENT_V2}")

        rolled = CliRunner().invoke(cli, ["models", "rollback", "sentiment"])
        assert rolled.exit_code == 0, rolled.output
        app.state.services.holder.sync(app.state.services.session_factory, force=True)
        assert _served(client, world.b.reader) == DEFAULT
    finally:
        get_settings.cache_clear()


def test_concurrent_promotions_never_answer_a_server_error(
    client: TestClient, world: World, app: FastAPI
) -> None:
    """50 promotions at once (two versions, alternately) are taken in turn: all succeed, and the
    workspace ends with one current version, the one it is served."""
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    _record(app, SENTIMENT_V3, world.a.workspace_id)
    quiet = TestClient(app, raise_server_exceptions=False)  # a 500 is an answer here, not an exception
    assert _served(quiet, world.a.reader) == DEFAULT  # the app has answered once before the burst

    def promote(i: int) -> int:
        version = SENTIMENT_V2 if i % 2 else SENTIMENT_V3
        return quiet.post(f"/v1/models/{version}/promote", headers=auth(world.a.admin)).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = Counter(pool.map(promote, range(50)))
    assert statuses == {200: 50}
    with app.state.services.session_factory() as session:
        own = workspace_current_versions(session, world.a.workspace_id)
        current_rows = [
            r.version
            for r in list_model_versions(session, "sentiment", workspace_id=world.a.workspace_id)
            if r.is_current and r.workspace_id is not None
        ]
    assert current_rows == [own["sentiment"]]
    assert _served(client, world.a.reader) == f"sentiment:{own['sentiment']}+intents:{INTENTS_V1}"
    assert _served(client, world.b.reader) == DEFAULT


def test_concurrent_rollbacks_of_one_version_are_one_success_and_conflicts(
    client: TestClient, world: World, app: FastAPI
) -> None:
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    _record(app, SENTIMENT_V3, world.a.workspace_id)
    for version in (SENTIMENT_V2, SENTIMENT_V3):
        assert client.post(f"/v1/models/{version}/promote", headers=auth(world.a.admin)).status_code == 200
    quiet = TestClient(app, raise_server_exceptions=False)

    def roll_back(_: int) -> int:
        return quiet.post(f"/v1/models/{SENTIMENT_V3}/rollback", headers=auth(world.a.admin)).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(roll_back, range(20)))
    assert statuses == {200: 1, 409: 19}
    assert _served(client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")


def test_a_locked_database_answers_503_with_retry_after_never_500(
    client: TestClient, world: World, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every attempt loses the race for the lock (forced here), the answer is a 503."""
    from sqlalchemy.exc import OperationalError

    import service.serving

    def always_locked(session: object, workspace_id: int) -> None:
        raise OperationalError("UPDATE workspace ...", {}, Exception("database is locked"))

    _record(app, SENTIMENT_V2, world.a.workspace_id)
    monkeypatch.setattr(service.serving, "lock_workspace", always_locked)
    response = client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert "the database stayed busy" in response.json()["detail"]
    assert _served(client, world.a.reader) == DEFAULT


def test_the_listing_names_the_workspace_that_trained_a_version(
    client: TestClient, world: World, app: FastAPI
) -> None:
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    versions = client.get("/v1/models", headers=auth(world.a.reader)).json()["versions"]
    trained = {v["version"]: v["trained_by"] for v in versions}
    assert trained == {SENTIMENT_V1: None, INTENTS_V1: None, SENTIMENT_V2: world.a.slug}


def test_a_version_in_the_workspace_folder_is_promoted_served_and_found_after_a_restart(
    settings: Settings, world: World, app: FastAPI, client: TestClient, models_dir: Path
) -> None:
    """Versions a workspace trains live under the data directory, not in the shipped folder."""
    own = workspace_models_dir(workspaces_models_root(settings), world.a.workspace_id)
    copy_version("sentiment", SENTIMENT_V2, models_dir, own)
    shutil.rmtree(models_dir / "sentiment" / SENTIMENT_V2)
    _record(app, SENTIMENT_V2, world.a.workspace_id)
    assert client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin)).status_code == 200
    assert _served(client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")
    assert _served(client, world.b.reader) == DEFAULT
    with TestClient(create_app(settings, calibration=None)) as restarted:
        assert _served(restarted, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")
