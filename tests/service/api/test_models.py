"""GET /v1/models, promote and rollback: atomic swap without restart, other processes follow."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from models.artifacts import current_version
from service.config import Settings
from service.main import create_app
from service.serving import table_current_versions
from service.store.repositories import create_model_version
from tests.service.api.conftest import INTENTS_V1, SENTIMENT_V1, SENTIMENT_V2, auth
from tests.service.api.factories import World


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


def _served(client: TestClient, key: str) -> str:
    body = client.post(
        "/v1/comments/analyze", json={"comments": [{"text": "求链接"}]}, headers=auth(key)
    ).json()
    return str(body["model_version"])


def _record_v2(app: FastAPI, workspace_id: int | None = None) -> None:
    with app.state.services.session_factory() as session, session.begin():
        create_model_version(
            session, "sentiment", SENTIMENT_V2, "x", "0" * 64, {"tiny": True}, workspace_id=workspace_id
        )


def test_models_lists_serving_and_recorded_versions(client: TestClient, world: World) -> None:
    body = client.get("/v1/models", headers=auth(world.a.reader)).json()
    assert body["serving"] == {
        "sentiment": SENTIMENT_V1,
        "intents": INTENTS_V1,
        "model_version": f"sentiment:{SENTIMENT_V1}+intents:{INTENTS_V1}",
    }
    current = {(v["task"], v["version"]) for v in body["versions"] if v["is_current"]}
    assert current == {("sentiment", SENTIMENT_V1), ("intents", INTENTS_V1)}
    assert all(v["origin"] == "shipped" for v in body["versions"])


def test_promote_swaps_the_serving_model_without_restart(
    client: TestClient, world: World, app: FastAPI, models_dir: Path
) -> None:
    _record_v2(app, world.a.workspace_id)
    before = _served(client, world.a.reader)
    response = client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin))
    assert response.status_code == 200, response.text
    assert response.json()["previous_version"] == SENTIMENT_V1
    after = _served(client, world.a.reader)
    assert before == f"sentiment:{SENTIMENT_V1}+intents:{INTENTS_V1}"
    assert after == f"sentiment:{SENTIMENT_V2}+intents:{INTENTS_V1}"
    assert current_version("sentiment", models_dir) == SENTIMENT_V2
    registry = json.loads((models_dir / "registry.json").read_text())
    assert registry["sentiment"]["history"] == [SENTIMENT_V1]
    with app.state.services.session_factory() as session:
        assert table_current_versions(session)["sentiment"] == SENTIMENT_V2
    # the other workspace is served the same (global) model
    assert _served(client, world.b.reader) == after


def test_rollback_restores_the_previous_version(client: TestClient, world: World, app: FastAPI) -> None:
    _record_v2(app)
    assert client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin)).status_code == 200
    not_current = client.post(f"/v1/models/{SENTIMENT_V1}/rollback", headers=auth(world.a.admin))
    assert not_current.status_code == 409
    assert not_current.json()["type"] == "https://redlens.dev/problems/conflict"
    response = client.post(f"/v1/models/{SENTIMENT_V2}/rollback", headers=auth(world.a.admin))
    assert response.status_code == 200, response.text
    assert response.json()["version"] == SENTIMENT_V1
    assert _served(client, world.a.reader) == f"sentiment:{SENTIMENT_V1}+intents:{INTENTS_V1}"
    nothing_left = client.post(f"/v1/models/{SENTIMENT_V1}/rollback", headers=auth(world.a.admin))
    assert nothing_left.status_code == 409


def test_unknown_or_malformed_versions(client: TestClient, world: World) -> None:
    missing = client.post("/v1/models/20990101-000000-ffffff/promote", headers=auth(world.a.admin))
    assert missing.status_code == 404
    traversal = client.post("/v1/models/..%2F..%2Fetc/promote", headers=auth(world.a.admin))
    assert traversal.status_code in (404, 422)


def test_a_second_process_follows_a_promotion(
    settings: Settings, world: World, app: FastAPI, client: TestClient
) -> None:
    """Two apps on one database and models folder stand for two server processes."""
    _record_v2(app)
    other = create_app(settings, calibration=None)
    with TestClient(other) as other_client:
        assert _served(other_client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V1}")
        assert (
            client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin)).status_code == 200
        )
        holder = other.state.services.holder
        changed = holder.sync(other.state.services.session_factory, force=True)
        assert changed
        assert _served(other_client, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")
        assert not holder.sync(other.state.services.session_factory, force=True)


def test_a_restarted_process_serves_the_registry_version(
    settings: Settings, world: World, app: FastAPI, client: TestClient
) -> None:
    _record_v2(app)
    assert client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin)).status_code == 200
    with TestClient(create_app(settings, calibration=None)) as restarted:
        assert _served(restarted, world.a.reader).startswith(f"sentiment:{SENTIMENT_V2}")


def test_the_housekeeper_follows_a_promotion_without_being_asked(
    settings: Settings, world: World, app: FastAPI, client: TestClient
) -> None:
    _record_v2(app)
    other = create_app(settings, calibration=None)
    with TestClient(other) as other_client:
        assert (
            client.post(f"/v1/models/{SENTIMENT_V2}/promote", headers=auth(world.a.admin)).status_code == 200
        )
        deadline = time.monotonic() + 15
        served = _served(other_client, world.a.reader)
        while not served.startswith(f"sentiment:{SENTIMENT_V2}") and time.monotonic() < deadline:
            time.sleep(0.2)
            served = _served(other_client, world.a.reader)
    assert served.startswith(f"sentiment:{SENTIMENT_V2}")
