"""JSON request bodies within limits, on every route that takes one (found from the OpenAPI
document, so a new route is covered without editing this file): non-finite numbers (NaN,
Infinity, 1e400), numbers of thousands of digits and deep nesting get a 422 problem naming the
field, never a 500 or a dropped connection."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.params import Form
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import BaseRoute

from models.limits import MAX_JSON_DEPTH
from tests.utils.client import TestClient, auth
from tests.utils.factories import World

PROBLEM = "application/problem+json"


def json_body_routes(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, a valid example body) of every operation whose body is JSON: those of the
    OpenAPI document, and the web pages' ones (kept out of the document) with a non-form body."""
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method.upper(), path, valid_body(path)))
    for route in api_routes(app.routes):
        body = route.body_field
        if not route.include_in_schema and body is not None and not isinstance(body.field_info, Form):
            found += [(method, route.path, valid_body(route.path)) for method in sorted(route.methods)]
    return found


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """The API routes, inside the routers the app includes too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


def valid_body(path: str) -> dict[str, Any]:
    return {
        "/v1/comments/analyze": {"comments": [{"id": "c1", "text": "求链接"}]},
        "/v1/kpis": {"followers": 52000, "impressions": 1200, "likes": 30, "fee": "100.00"},
        "/v1/keys": {"name": "k", "scopes": ["read"]},
        "/labelling/labels": {"comment_id": 1, "sentiment": "positive", "intents": {"spam": False}},
    }.get(path, {})


def test_every_json_body_route_is_covered(app: FastAPI) -> None:
    routes = {(method, path) for method, path, _ in json_body_routes(app)}
    assert {
        ("POST", "/v1/comments/analyze"),
        ("POST", "/v1/kpis"),
        ("POST", "/v1/keys"),
        ("POST", "/labelling/labels"),
    } <= routes


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value where a scalar could be put instead."""
    places = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            places += paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            places += paths_of(child, (*prefix, index))
    return places


def put(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return copy


# What goes into a body: a number JSON cannot carry (Python writes NaN and Infinity, many clients
# do too), a literal too large for a float, a number of thousands of digits, or deep nesting.
hostile = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e999", "9" * 5000]) | st.integers(
    min_value=MAX_JSON_DEPTH + 1, max_value=5000
).map(lambda depth: "[" * depth + "]" * depth)


def send(client: TestClient, method: str, path: str, raw: str, headers: dict[str, str]) -> Any:
    return client.request(
        method, path, content=raw.encode(), headers={**headers, "Content-Type": "application/json"}
    )


def test_hostile_numbers_and_nesting_anywhere_in_any_body_are_422(
    client: TestClient, world: World, app: FastAPI
) -> None:
    headers = auth(world.a.admin)
    routes = json_body_routes(app)

    @given(data=st.data())
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(data: st.DataObject) -> None:
        method, path, body = data.draw(st.sampled_from(routes))
        where = data.draw(st.sampled_from(paths_of(body)))
        token = data.draw(hostile)
        marker = "__HOSTILE__"
        raw = json.dumps(put(body, where, marker)).replace(json.dumps(marker), token)
        response = send(client, method, path, raw, headers)
        assert response.status_code == 422, (
            method,
            path,
            raw[:200],
            response.status_code,
            response.text[:300],
        )
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["type"] == "https://redlens.dev/problems/validation-error"
        if where and not token.startswith("["):  # the field holding the bad number is named
            assert problem["errors"][0]["loc"][1 : 1 + len(where)] == [str(part) for part in where]

    run()


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/kpis", '{"followers": %s, "likes": 3}', ["body", "followers"]),
        ("/v1/comments/analyze", '{"comments": [{"id": %s, "text": "好"}]}', ["body", "comments", "0", "id"]),
        ("/v1/keys", '{"name": %s, "scopes": ["read"]}', ["body", "name"]),
        ("/labelling/labels", '{"comment_id": %s, "sentiment": "positive"}', ["body", "comment_id"]),
    ],
)
def test_non_finite_numbers_are_422_naming_the_field(
    client: TestClient, world: World, path: str, body: str, field: list[str], token: str
) -> None:
    response = send(client, "POST", path, body % token, auth(world.a.admin))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["loc"] == field
    assert problem["errors"][0]["msg"] == "numbers must be finite (no NaN or Infinity)"
    assert problem["detail"].startswith(".".join(field[1:]) + ": numbers must be finite")


def test_a_5000_digit_number_is_422_naming_the_field(client: TestClient, world: World) -> None:
    response = send(client, "POST", "/v1/kpis", '{"likes": ' + "9" * 5000 + "}", auth(world.a.admin))
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "likes"] and "5,000 digits" in error["msg"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 5000])
def test_deep_nesting_is_422(client: TestClient, world: World, depth: int) -> None:
    """Named where it starts when Python can decode it; the body as a whole beyond that."""
    raw = '{"comments": [{"text": ' + "[" * depth + "]" * depth + "}]}"
    response = send(client, "POST", "/v1/comments/analyze", raw, auth(world.a.admin))
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["msg"] == f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    assert error["loc"][:4] == (["body", "comments", "0", "text"] if depth < 100 else ["body"])


def test_items_without_text_get_their_own_error_and_the_rest_is_answered(
    client: TestClient, world: World
) -> None:
    response = client.post(
        "/v1/comments/analyze", json={"comments": [{"text": "ok"}, {}]}, headers=auth(world.a.reader)
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, "ok"), (1, "error")]
    assert results[1]["error"] == "missing text"
