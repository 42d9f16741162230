"""POST /v1/comments/analyze."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from models.labels import INTENTS, SENTIMENTS
from service import comment_analysis
from service.comment_analysis import predict_in_batches
from tests.utils.client import auth
from tests.utils.factories import World
from tests.utils.pool import connections_held_while


def test_analyze_answers_every_item_and_reports_bad_ones_alone(client: TestClient, world: World) -> None:
    items = [
        {"id": "ok-1", "text": "求链接！黄皮能用吗", "note_title": "口红"},
        {"id": "empty", "text": "   "},
        {"id": "long", "text": "好" * 2001},
        {"id": "number", "text": 12},
        {"id": "missing-text", "text": None},
        {"id": 7, "text": "滤镜太重了吧"},
    ]
    response = client.post("/v1/comments/analyze", json={"comments": items}, headers=auth(world.a.reader))
    assert response.status_code == 200
    body = response.json()
    assert [r["index"] for r in body["results"]] == list(range(len(items)))
    assert [r["id"] for r in body["results"]] == ["ok-1", "empty", "long", "number", "missing-text", 7]
    assert [r["status"] for r in body["results"]] == ["ok", "error", "error", "error", "error", "ok"]
    assert (body["analyzed"], body["errors"]) == (2, 4)
    errors = {r["id"]: r["error"] for r in body["results"] if r["status"] == "error"}
    assert errors["empty"] == "empty text"
    assert "2001 characters" in errors["long"]
    assert "must be a string" in errors["number"]
    ok = body["results"][0]
    assert set(ok["sentiment_proba"]) == set(SENTIMENTS)
    assert abs(sum(ok["sentiment_proba"].values()) - 1) < 1e-3
    assert set(ok["intents"]) == set(INTENTS)
    assert ok["sentiment"] == max(ok["sentiment_proba"], key=ok["sentiment_proba"].get)
    assert ok["model_version"] == body["model_version"]
    assert ok["note_title"] == "口红"


def test_analyze_refuses_more_than_1000_comments(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/comments/analyze", json={"comments": [{"text": "好"}] * 1001}, headers=auth(world.a.reader)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "https://redlens.dev/problems/validation-error"
    assert problem["errors"][0]["loc"][:2] == ["body", "comments"]


def test_analyze_needs_a_key(client: TestClient) -> None:
    response = client.post("/v1/comments/analyze", json={"comments": [{"text": "好看"}]})
    assert response.status_code == 401
    assert response.json()["type"] == "https://redlens.dev/problems/unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_analyze_results_follow_the_text_not_the_batch(client: TestClient, world: World) -> None:
    """The same comment gets the same answer alone and inside a larger batch."""
    alone = client.post(
        "/v1/comments/analyze",
        json={"comments": [{"text": "用了过敏，踩雷了"}]},
        headers=auth(world.a.reader),
    ).json()["results"][0]
    batch = client.post(
        "/v1/comments/analyze",
        json={"comments": [{"text": "求链接"}, {"text": "用了过敏，踩雷了"}, {"text": ""}]},
        headers=auth(world.a.reader),
    ).json()["results"][1]
    assert alone["sentiment_proba"] == batch["sentiment_proba"]
    assert alone["intents"] == batch["intents"]


def test_analyze_holds_no_database_connection_while_the_models_run(
    client: TestClient, world: World, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    with connections_held_while(app, monkeypatch, (comment_analysis, "predict_in_batches")) as held:
        response = client.post(
            "/v1/comments/analyze", json={"comments": [{"text": "求链接"}]}, headers=auth(world.a.reader)
        )
    assert response.status_code == 200
    assert held == {"predict_in_batches": [[]]}


def test_analyze_runs_the_models_inside_a_model_slot(
    client: TestClient, world: World, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    slots = app.state.services.model_slots
    free_during_inference: list[int] = []

    def predicting(models: Any, texts: Any) -> Any:
        free_during_inference.append(slots._value)  # model_concurrency is 1 in the test settings
        return predict_in_batches(models, texts)

    monkeypatch.setattr(comment_analysis, "predict_in_batches", predicting)
    response = client.post(
        "/v1/comments/analyze", json={"comments": [{"text": "求链接"}]}, headers=auth(world.a.reader)
    )
    assert response.status_code == 200
    assert free_during_inference == [0]
    assert slots._value == 1  # given back
