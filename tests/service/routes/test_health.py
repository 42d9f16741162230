"""/healthz, /readyz, /metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.readiness import DatabaseProbe
from service.store.repositories import create_api_key, create_workspace
from tests.utils.client import auth
from tests.utils.factories import World


def test_healthz_answers_without_a_key(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_model(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["database"] is True
    assert body["model_version"].startswith("sentiment:")


def test_readyz_is_a_503_problem_without_models(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    empty = tmp_path / "no-models"
    empty.mkdir()
    app = create_app(make_settings(models_dir=empty), calibration=None)
    with TestClient(app) as client:
        with app.state.services.session_factory() as session, session.begin():
            _, key = create_api_key(session, create_workspace(session, "no-models").id, "read")
        response = client.get("/readyz")
        anonymous = client.post("/v1/comments/analyze", json={"comments": [{"text": "好看"}]})
        analyze = client.post(
            "/v1/comments/analyze", json={"comments": [{"text": "好看"}]}, headers=auth(key)
        )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "https://redlens.dev/problems/unavailable"
    assert response.json()["models_loaded"] is False
    assert anonymous.status_code == 401  # the key is checked before anything else
    assert analyze.status_code == 503
    assert analyze.json()["type"] == "https://redlens.dev/problems/unavailable"


def test_metrics_counts_requests_by_route_template(client: TestClient, world: World) -> None:
    client.get(f"/v1/kols/{world.a.kol_id}", headers=auth(world.a.reader))
    text = client.get("/metrics").text
    assert 'route="/v1/kols/{kol_id}"' in text
    assert f"/v1/kols/{world.a.kol_id}" not in text
    assert "redlens_http_request_duration_seconds_bucket" in text


def test_readyz_and_healthz_do_not_need_the_request_pool(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        database_pool_size=1, database_max_overflow=0, database_pool_timeout_seconds=0.05
    )
    app = create_app(settings, calibration=None)
    with TestClient(app) as client:
        with app.state.services.engine.connect():  # requests could not get a connection now
            health = client.get("/healthz")
            ready = client.get("/readyz")
        assert (health.status_code, ready.status_code) == (200, 200)
        assert ready.json()["database"] is True


def test_readyz_reports_a_database_that_does_not_answer(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(), calibration=None)
    with TestClient(app) as client:
        app.state.services.database_probe = DatabaseProbe("postgresql+psycopg://nobody@127.0.0.1:1/none", 5.0)
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] is False
    assert response.json()["detail"].startswith("database not reachable: OperationalError")
