"""GET /v1/kols, /v1/kols/{id}, /v1/kols/{id}/vetting."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.store.tables import Comment
from tests.utils.client import auth
from tests.utils.factories import World, seed_world


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


def test_kols_list_searches_and_paginates(client: TestClient, world: World) -> None:
    headers = auth(world.a.reader)
    assert client.get("/v1/kols?search=博主brand-a", headers=headers).json()["total"] == 1
    assert client.get("/v1/kols?search=nobody", headers=headers).json()["items"] == []
    page = client.get("/v1/kols?limit=1&offset=1", headers=headers).json()
    assert (page["limit"], page["offset"], page["items"]) == (1, 1, [])
    assert client.get("/v1/kols?limit=0", headers=headers).status_code == 422


def test_kol_detail_has_notes_newest_first_and_history(client: TestClient, world: World) -> None:
    body = client.get(f"/v1/kols/{world.a.kol_id}", headers=auth(world.a.reader)).json()
    published = [n["published_at"] for n in body["notes"]]
    assert published == sorted(published, reverse=True)
    assert body["comments_stored"] == 5 * 8
    assert len(body["follower_history"]) == 40


def test_vetting_gives_a_verdict_with_reasons_and_sections(
    client: TestClient, world: World, app: FastAPI
) -> None:
    response = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schema"] == "redlens.vetting/1"
    assert body["verdict"]["decision"] in ("recommend", "caution", "avoid")
    reasons = body["verdict"]["reasons"]
    assert reasons, "a verdict always carries its reasons"
    order = {"avoid": 0, "caution": 1, "info": 2, "support": 3}
    assert [order[r["effect"]] for r in reasons] == sorted(order[r["effect"]] for r in reasons)
    assert body["authenticity"]["status"] in ("ok", "insufficient_data")
    assert body["comments"]["total"] == 40
    assert body["comments"]["analyzed"] == 40
    assert sum(body["comments"]["sentiment_counts"].values()) == 40
    assert body["kpis"]["metrics"]["engagement_rate_by_followers"]["value"] is not None
    assert body["themes"]["n_comments"] > 0
    assert body["window"]["comments_analyzed_now"] == 40
    # analyses were saved: the second call analyses nothing
    again = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader)).json()
    assert again["window"]["comments_analyzed_now"] == 0
    with app.state.services.session_factory() as session:
        stored = session.query(Comment).filter(Comment.workspace_id == world.a.workspace_id).all()
    assert {c.model_version for c in stored} == {body["model_version"]}
    assert all(c.workspace_id == world.a.workspace_id for c in stored)


def test_vetting_without_authenticity_calibration_is_at_most_caution(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(), calibration=None)
    with TestClient(app) as client:
        world = seed_world(app.state.services.session_factory)
        body = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader)).json()
    assert body["authenticity"]["status"] == "unavailable"
    assert body["verdict"]["decision"] != "recommend"
    assert "authenticity_unavailable" in {r["code"] for r in body["verdict"]["reasons"]}


def test_vetting_recent_notes_bounds_the_window(client: TestClient, world: World) -> None:
    body = client.get(
        f"/v1/kols/{world.a.kol_id}/vetting?recent_notes=2", headers=auth(world.a.reader)
    ).json()
    assert body["window"]["notes"] == 2
    assert body["comments"]["total"] == 16
    assert (
        client.get(
            f"/v1/kols/{world.a.kol_id}/vetting?recent_notes=0", headers=auth(world.a.reader)
        ).status_code
        == 422
    )


def test_vetting_a_kol_without_notes_says_what_is_missing(
    client: TestClient, world: World, app: FastAPI
) -> None:
    from service.store.repositories import upsert_kol

    with app.state.services.session_factory() as session, session.begin():
        empty = upsert_kol(session, world.a.workspace_id, "kol-without-notes", nickname="新号")
        kol_id = empty.id
    response = client.get(f"/v1/kols/{kol_id}/vetting", headers=auth(world.a.reader))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verdict"]["decision"] == "caution"
    codes = {r["code"] for r in body["verdict"]["reasons"]}
    assert {"few_comments", "few_notes"} <= codes
    assert body["themes"] is None and body["comments"]["total"] == 0


def test_vetting_counts_real_commenters_beside_the_raw_mix(client: TestClient, world: World) -> None:
    body = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader)).json()
    comments = body["comments"]
    assert comments["screened"] is True
    assert comments["raw"]["analyzed"] == 40
    assert comments["analyzed"] + comments["excluded"] == 40
    assert body["authenticity"]["rejected_comments"] == comments["excluded"]
    for reason in body["verdict"]["reasons"]:
        if reason["code"] in ("purchase_intent", "spam_comments", "paid_suspicion", "skepticism"):
            assert "model" in reason["evidence"] and "weak_evidence" in reason["evidence"]


def test_vetting_unscreened_comments_never_count_in_favour(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(), calibration=None)
    with TestClient(app) as client:
        world = seed_world(app.state.services.session_factory)
        body = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader)).json()
    assert body["comments"]["screened"] is False and body["comments"]["raw"] is None
    comment_codes = {"purchase_intent", "net_sentiment_positive"}
    assert not [
        r for r in body["verdict"]["reasons"] if r["code"] in comment_codes and r["effect"] == "support"
    ]
