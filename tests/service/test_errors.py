"""The problem registry: values a validation error echoes stay encodable, and the OpenAPI schema
documents every problem an operation can answer, as ``application/problem+json``."""

from __future__ import annotations

import json
import math

import pytest
from fastapi import FastAPI

from service.errors import PROBLEM_MEDIA_TYPE, _clean_input


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
