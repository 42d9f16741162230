"""Exceptions of other layers mapped to problems: a saturated connection pool is a 503, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from tests.utils.client import auth
from tests.utils.factories import seed_world


def test_exhausted_connection_pool_is_a_503_with_retry_after_and_recovers(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        database_pool_size=1, database_max_overflow=0, database_pool_timeout_seconds=0.05
    )
    app = create_app(settings, calibration=None)
    client = TestClient(app)  # no lifespan: nothing else takes the one connection
    world = seed_world(app.state.services.session_factory)
    with app.state.services.engine.connect():  # the only connection of the pool
        saturated = client.get("/v1/me", headers=auth(world.a.reader))
    after = client.get("/v1/me", headers=auth(world.a.reader))
    assert saturated.status_code == 503
    assert saturated.headers["content-type"].startswith("application/problem+json")
    assert saturated.json()["type"] == "https://redlens.dev/problems/unavailable"
    assert saturated.headers["retry-after"] == "1"
    assert "QueuePool" not in saturated.text  # no internals
    assert after.status_code == 200
