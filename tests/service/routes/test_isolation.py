"""A key of workspace A never reaches workspace B: every /v1 route is tried with A's admin key on
B's rows (404, never data) and every listing is checked for B's rows. A route added without a case
here fails :func:`test_isolation_cases_cover_every_route`."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.store.repositories import create_model_version, update_workspace
from tests.utils.client import auth
from tests.utils.factories import World
from tests.utils.models import SENTIMENT_V2


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


Case = Callable[[TestClient, World], None]
NOT_FOUND = "https://redlens.dev/problems/not-found"


def _not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["type"] == NOT_FOUND
    assert "brand-b" not in response.text


def _lists_only(client: TestClient, w: World, path: str, own_id: int) -> None:
    """The listing at ``path`` shows A's admin A's one row, none of B's."""
    items = client.get(path, headers=auth(w.a.admin)).json()["items"]
    assert [item["id"] for item in items] == [own_id]


def _b_trained_version(app: FastAPI, world: World) -> str:
    with app.state.services.session_factory() as session, session.begin():
        create_model_version(
            session, "sentiment", SENTIMENT_V2, "x", "0" * 64, {"m": 1}, workspace_id=world.b.workspace_id
        )
    return SENTIMENT_V2


def case_kol(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/kols/{w.b.kol_id}", headers=auth(w.a.admin)))


def case_vetting(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/kols/{w.b.kol_id}/vetting", headers=auth(w.a.admin)))


def case_vetting_report(client: TestClient, w: World) -> None:
    for fmt in ("html", "pdf", "json"):
        _not_found(client.get(f"/v1/kols/{w.b.kol_id}/report?format={fmt}", headers=auth(w.a.admin)))


def case_kols(client: TestClient, w: World) -> None:
    body = client.get("/v1/kols", headers=auth(w.a.admin)).json()
    assert [k["id"] for k in body["items"]] == [w.a.kol_id]
    assert body["total"] == 1
    assert client.get("/v1/kols?search=kol-brand-b", headers=auth(w.a.admin)).json()["items"] == []


def case_campaign(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/campaigns/{w.b.campaign_id}", headers=auth(w.a.admin)))


def case_report(client: TestClient, w: World) -> None:
    for fmt in ("json", "csv", "html", "pdf"):
        _not_found(
            client.get(f"/v1/campaigns/{w.b.campaign_id}/report?format={fmt}", headers=auth(w.a.admin))
        )


def case_campaigns(client: TestClient, w: World) -> None:
    _lists_only(client, w, "/v1/campaigns", w.a.campaign_id)


def case_job(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/jobs/{w.b.job_id}", headers=auth(w.a.admin)))


def case_cancel_job(client: TestClient, w: World) -> None:
    _not_found(client.post(f"/v1/jobs/{w.b.job_id}/cancel", headers=auth(w.a.admin)))
    theirs = client.get(f"/v1/jobs/{w.b.job_id}", headers=auth(w.b.reader)).json()
    assert (theirs["state"], theirs["cancel_requested_at"]) == ("succeeded", None)


def case_jobs(client: TestClient, w: World) -> None:
    _lists_only(client, w, "/v1/jobs", w.a.job_id)


def case_training_job(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/training-jobs/{w.b.job_id}", headers=auth(w.a.admin)))


def case_training_jobs(client: TestClient, w: World) -> None:
    _lists_only(client, w, "/v1/training-jobs", w.a.job_id)


def case_start_training(client: TestClient, w: World) -> None:
    """A's job trains on A's labelled examples only (B's are not counted)."""
    from service.jobs import labelled_frame

    app = cast(FastAPI, client.app)
    with app.state.services.session_factory() as session:
        frame = labelled_frame(session, w.a.workspace_id)
    assert list(frame["text"]) == ["求链接呀"]
    response = client.post("/v1/training-jobs", data={"tasks": "sentiment"}, headers=auth(w.b.reader))
    assert response.status_code == 403  # read key: the route itself is scoped


def case_delete_key(client: TestClient, w: World) -> None:
    _not_found(client.delete(f"/v1/keys/{w.b.admin_key_id}", headers=auth(w.a.admin)))
    assert client.get("/v1/me", headers=auth(w.b.admin)).status_code == 200


def case_keys(client: TestClient, w: World) -> None:
    keys = client.get("/v1/keys", headers=auth(w.a.admin)).json()
    assert len(keys) == 3
    assert all(k["id"] != w.b.admin_key_id for k in keys)


def case_create_key(client: TestClient, w: World) -> None:
    created = client.post("/v1/keys", json={"name": "ci", "scopes": ["read"]}, headers=auth(w.a.admin)).json()
    me = client.get("/v1/me", headers=auth(created["secret"])).json()
    assert me["workspace"]["slug"] == "brand-a"


def case_me(client: TestClient, w: World) -> None:
    assert client.get("/v1/me", headers=auth(w.a.reader)).json()["workspace"]["id"] == w.a.workspace_id


def case_models(client: TestClient, w: World) -> None:
    version = _b_trained_version(cast(FastAPI, client.app), w)
    listed = {v["version"] for v in client.get("/v1/models", headers=auth(w.a.admin)).json()["versions"]}
    assert version not in listed
    assert version in {
        v["version"] for v in client.get("/v1/models", headers=auth(w.b.admin)).json()["versions"]
    }


def case_promote(client: TestClient, w: World) -> None:
    version = _b_trained_version(cast(FastAPI, client.app), w)
    _not_found(client.post(f"/v1/models/{version}/promote", headers=auth(w.a.admin)))


def case_rollback(client: TestClient, w: World) -> None:
    version = _b_trained_version(cast(FastAPI, client.app), w)
    _not_found(client.post(f"/v1/models/{version}/rollback", headers=auth(w.a.admin)))


def case_ingest(client: TestClient, w: World) -> None:
    """Comments naming B's note land on a placeholder note in A; B's note is untouched."""
    csv_bytes = (
        "comment_id,note_id,create_time,content,user_id,nickname\n"
        "x1,note-brand-b-0,1767225600000,写进A的评论,u1,用户\n"
    ).encode()
    before = client.get(f"/v1/kols/{w.b.kol_id}", headers=auth(w.b.admin)).json()["comments_stored"]
    response = client.post(
        "/v1/ingest", files={"files": ("c.csv", csv_bytes, "text/csv")}, headers=auth(w.a.writer)
    )
    assert response.status_code == 200, response.text
    assert response.json()["totals"]["inserted"] == 1
    after = client.get(f"/v1/kols/{w.b.kol_id}", headers=auth(w.b.admin)).json()["comments_stored"]
    assert after == before


def _analyzed_by(client: TestClient, secret: str) -> str:
    response = client.post("/v1/comments/analyze", json={"comments": [{"text": "好"}]}, headers=auth(secret))
    assert response.status_code == 200, response.text
    version: str = response.json()["results"][0]["model_version"]
    return version


def case_analyze(client: TestClient, w: World) -> None:
    """B serves a model it trained and promoted; A is still served the deployment's."""
    version = _b_trained_version(cast(FastAPI, client.app), w)
    deployment = _analyzed_by(client, w.a.reader)
    promoted = client.post(f"/v1/models/{version}/promote", headers=auth(w.b.admin))
    assert promoted.status_code == 200, promoted.text
    assert _analyzed_by(client, w.b.reader).startswith(f"sentiment:{version}+")
    assert _analyzed_by(client, w.a.reader) == deployment
    assert version not in deployment


def case_kpis(client: TestClient, w: World) -> None:
    """B's own EMV rate card values B's KPIs only; A's use the placeholder card."""
    app = cast(FastAPI, client.app)
    with app.state.services.session_factory() as session, session.begin():
        update_workspace(session, w.b.workspace_id, emv_rates={"cpm": 80, "like": 3})
    numbers = {"impressions": 1000, "likes": 10, "comments": 2, "saves": 3, "shares": 1, "followers": 1000}
    mine = client.post("/v1/kpis", json=numbers, headers=auth(w.a.reader)).json()
    theirs = client.post("/v1/kpis", json=numbers, headers=auth(w.b.reader)).json()
    assert mine["metrics"]["engagements"]["value"] == theirs["metrics"]["engagements"]["value"] == 16
    assert mine["emv_rates"]["source"].startswith("placeholder")
    assert theirs["emv_rates"]["source"] == "workspace rate card"
    assert mine["metrics"]["emv"]["value"] != theirs["metrics"]["emv"]["value"]


def case_market_brands(client: TestClient, w: World) -> None:
    brands = {"brands": [{"name": "品牌B", "own": True}]}
    assert client.put("/v1/market/brands", json=brands, headers=auth(w.b.writer)).status_code == 200
    assert client.get("/v1/market/brands", headers=auth(w.a.admin)).json()["items"] == []
    mine = {"brands": [{"name": "品牌A", "own": True}]}
    assert client.put("/v1/market/brands", json=mine, headers=auth(w.a.admin)).status_code == 200
    theirs = client.get("/v1/market/brands", headers=auth(w.b.reader)).json()["items"]
    assert [b["name"] for b in theirs] == ["品牌B"]


def case_market_report(client: TestClient, w: World) -> None:
    brands = {"brands": [{"name": "口红", "own": True}]}  # B's notes are titled 秋冬口红试色
    client.put("/v1/market/brands", json=brands, headers=auth(w.b.writer))
    assert client.get("/v1/market/report", headers=auth(w.a.admin)).json()["brands"] == []
    theirs = client.get("/v1/market/report", headers=auth(w.b.reader)).json()["brands"]
    assert theirs[0]["totals"]["note_mentions"] == 5


def case_market_campaign(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/market/campaigns/{w.b.campaign_id}", headers=auth(w.a.admin)))


def case_search_index(client: TestClient, w: World) -> None:
    values = {"keyword": "品牌B", "values": [{"date": "2026-03-01", "value": 7}]}
    assert client.put("/v1/market/search-index", json=values, headers=auth(w.b.writer)).json()["saved"] == 1
    assert client.get("/v1/market/search-index", headers=auth(w.a.admin)).json()["items"] == []
    mine = {"keyword": "品牌B", "values": [{"date": "2026-03-01", "value": 9}]}
    client.put("/v1/market/search-index", json=mine, headers=auth(w.a.admin))
    theirs = client.get("/v1/market/search-index", headers=auth(w.b.reader)).json()["items"]
    assert [p["value"] for p in theirs] == [7]


PORTRAIT = {"dimensions": {"gender": {"female": 80, "male": 20}}}


def case_kol_audience(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/kols/{w.b.kol_id}/audience", headers=auth(w.a.admin)))
    _not_found(client.put(f"/v1/kols/{w.b.kol_id}/audience-profile", json=PORTRAIT, headers=auth(w.a.admin)))
    upload = {
        "file": ("portrait.csv", b"dimension,bucket,share\ngender,female,80\ngender,male,20\n", "text/csv")
    }
    _not_found(
        client.post(f"/v1/kols/{w.b.kol_id}/audience-profile/import", files=upload, headers=auth(w.a.admin))
    )
    assert client.get(f"/v1/kols/{w.b.kol_id}/audience", headers=auth(w.b.reader)).json()["portrait"] is None


def case_audience_target(client: TestClient, w: World) -> None:
    assert client.put("/v1/audience-target", json=PORTRAIT, headers=auth(w.b.writer)).status_code == 200
    assert client.get("/v1/audience-target", headers=auth(w.a.admin)).json() == {"profile": None}
    mine = {"dimensions": {"gender": {"female": 10, "male": 90}}}
    assert client.put("/v1/audience-target", json=mine, headers=auth(w.a.admin)).status_code == 200
    theirs = client.get("/v1/audience-target", headers=auth(w.b.reader)).json()["profile"]["shares"]
    assert theirs["gender"]["female"] == pytest.approx(0.8)


def case_sponsorship(client: TestClient, w: World) -> None:
    _not_found(client.get(f"/v1/kols/{w.b.kol_id}/sponsorship", headers=auth(w.a.admin)))
    quote = {"price": "8000"}
    _not_found(client.put(f"/v1/kols/{w.b.kol_id}/quotes/image", json=quote, headers=auth(w.a.admin)))
    assert client.get(f"/v1/kols/{w.b.kol_id}/sponsorship", headers=auth(w.b.reader)).status_code == 200


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/v1/kols"): case_kols,
    ("GET", "/v1/kols/{kol_id}"): case_kol,
    ("GET", "/v1/kols/{kol_id}/vetting"): case_vetting,
    ("GET", "/v1/kols/{kol_id}/report"): case_vetting_report,
    ("GET", "/v1/campaigns"): case_campaigns,
    ("GET", "/v1/campaigns/{campaign_id}"): case_campaign,
    ("GET", "/v1/campaigns/{campaign_id}/report"): case_report,
    ("GET", "/v1/jobs"): case_jobs,
    ("GET", "/v1/jobs/{job_id}"): case_job,
    ("POST", "/v1/jobs/{job_id}/cancel"): case_cancel_job,
    ("GET", "/v1/training-jobs"): case_training_jobs,
    ("GET", "/v1/training-jobs/{job_id}"): case_training_job,
    ("POST", "/v1/training-jobs"): case_start_training,
    ("GET", "/v1/keys"): case_keys,
    ("POST", "/v1/keys"): case_create_key,
    ("DELETE", "/v1/keys/{key_id}"): case_delete_key,
    ("GET", "/v1/me"): case_me,
    ("GET", "/v1/models"): case_models,
    ("POST", "/v1/models/{version}/promote"): case_promote,
    ("POST", "/v1/models/{version}/rollback"): case_rollback,
    ("POST", "/v1/ingest"): case_ingest,
    ("POST", "/v1/comments/analyze"): case_analyze,
    ("POST", "/v1/kpis"): case_kpis,
    ("GET", "/v1/market/brands"): case_market_brands,
    ("PUT", "/v1/market/brands"): case_market_brands,
    ("GET", "/v1/market/report"): case_market_report,
    ("GET", "/v1/market/campaigns/{campaign_id}"): case_market_campaign,
    ("GET", "/v1/market/search-index"): case_search_index,
    ("PUT", "/v1/market/search-index"): case_search_index,
    ("GET", "/v1/kols/{kol_id}/audience"): case_kol_audience,
    ("PUT", "/v1/kols/{kol_id}/audience-profile"): case_kol_audience,
    ("POST", "/v1/kols/{kol_id}/audience-profile/import"): case_kol_audience,
    ("GET", "/v1/audience-target"): case_audience_target,
    ("PUT", "/v1/audience-target"): case_audience_target,
    ("GET", "/v1/kols/{kol_id}/sponsorship"): case_sponsorship,
    ("PUT", "/v1/kols/{kol_id}/quotes/{note_format}"): case_sponsorship,
}


def _v1_routes(app: FastAPI) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() if path.startswith("/v1") for method in ops}


def test_isolation_cases_cover_every_route(app: FastAPI) -> None:
    assert all(isinstance(r, APIRoute) or not getattr(r, "path", "").startswith("/v1") for r in app.routes)
    assert _v1_routes(app) == set(CASES)


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_key_of_workspace_a_never_sees_workspace_b(
    route: tuple[str, str], client: TestClient, world: World
) -> None:
    CASES[route](client, world)
