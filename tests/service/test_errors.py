"""The problem registry: values a validation error echoes stay encodable, the OpenAPI schema
documents every problem an operation can answer, as ``application/problem+json``, and exceptions of
other layers map to problems (a saturated connection pool is a 503, never a 500)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import Settings
from service.errors import PROBLEM_MEDIA_TYPE, _clean_input
from service.main import create_app
from tests.utils.client import auth
from tests.utils.factories import seed_world


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, 10**5000, "x" * 10_000, {"a": 1}],
    ids=["nan", "inf", "-inf", "5000-digit-int", "long-text", "object"],
)
def test_an_echoed_input_is_always_encodable(value: object) -> None:
    cleaned = _clean_input(value)
    assert len(json.dumps(cleaned, allow_nan=False)) <= 210


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, object]]]:
    schema = app.openapi()
    return [(method, path, op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_every_error_response_is_a_documented_problem(app: FastAPI) -> None:
    schema = app.openapi()
    assert "Problem" in schema["components"]["schemas"]
    for method, path, operation in operations(app):
        for status, response in operation["responses"].items():  # type: ignore[attr-defined]
            if status[0] in "45":
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (method, path, status)
                ref = response["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"]
                assert ref == "#/components/schemas/Problem", (method, path, status)


def test_every_operation_lists_the_problems_any_route_can_answer(app: FastAPI) -> None:
    for method, path, operation in operations(app):
        documented = set(operation["responses"])  # type: ignore[arg-type]
        expected = {"500"}
        if path.startswith("/v1/"):
            expected |= {"401", "403", "429", "503"}
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        if "{" in path:
            expected |= {"404", "422"}
        assert expected <= documented, (method, path, sorted(expected - documented))


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
