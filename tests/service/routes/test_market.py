"""/v1/market: tracked brands, weekly mentions, search-index values, a campaign's market block."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.utils.client import auth
from tests.utils.factories import World
from tests.utils.market import BRANDS, CAMPAIGN, import_market_exports


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


@pytest.fixture
def market(client: TestClient, app: FastAPI, world: World, tmp_path: Path) -> World:
    import_market_exports(app.state.services.session_factory, world.a.workspace_id, tmp_path)
    response = client.put("/v1/market/brands", json={"brands": BRANDS}, headers=auth(world.a.writer))
    assert response.status_code == 200, response.text
    return world


def _campaign_id(client: TestClient, world: World) -> int:
    items = client.get("/v1/campaigns", headers=auth(world.a.reader)).json()["items"]
    return next(c["id"] for c in items if c["name"] == CAMPAIGN)


def test_brands_round_trip_own_first(client: TestClient, market: World) -> None:
    items = client.get("/v1/market/brands", headers=auth(market.a.reader)).json()["items"]
    assert [(b["name"], b["own"]) for b in items] == [("朵拉朵尚", True), ("兰蔻", False), ("珀莱雅", False)]
    assert items[0]["hashtags"] == ["#朵拉朵尚#"]


def test_brands_refuse_a_term_shared_by_two_brands(client: TestClient, world: World) -> None:
    brands = [{"name": "朵拉朵尚", "aliases": ["DORA"]}, {"name": "多拉", "aliases": ["ＤＯＲＡ"]}]
    response = client.put("/v1/market/brands", json={"brands": brands}, headers=auth(world.a.writer))
    assert response.status_code == 422
    assert "'dora' is a term of both" in response.json()["detail"]


def test_brands_need_the_write_scope(client: TestClient, world: World) -> None:
    response = client.put("/v1/market/brands", json={"brands": BRANDS}, headers=auth(world.a.reader))
    assert response.status_code == 403


def test_report_counts_mentions_per_brand_and_iso_week(client: TestClient, market: World) -> None:
    response = client.get("/v1/market/report", headers=auth(market.a.reader))
    assert response.status_code == 200, response.text
    body = response.json()
    totals = {b["brand"]: b["totals"] for b in body["brands"]}
    assert {k: (v["note_mentions"], v["comment_mentions"]) for k, v in totals.items()} == {
        "朵拉朵尚": (4, 3),
        "兰蔻": (2, 2),
        "珀莱雅": (2, 1),
    }
    assert totals["朵拉朵尚"]["share_of_voice"]["value"] == pytest.approx(7 / 14)
    assert body["weeks"] == ["2026-02-16", "2026-03-02", "2026-03-09"]
    own_weeks = {w["week"]: w for w in body["brands"][0]["weeks"]}
    assert own_weeks["2026-03-02"]["iso_week"] == "2026-W10"
    assert own_weeks["2026-03-02"]["mentions"] == 3
    assert own_weeks["2026-03-02"]["share_of_voice"]["value"] == pytest.approx(3 / 8)
    rated = sum(w["comments_rated"] + w["comments_left_out"] for w in body["brands"][0]["weeks"])
    assert rated == 3  # every mentioning comment was analysed, then kept or left out as not real
    assert {c["creator"] for c in body["brands"][0]["top_creators"]} == {
        "5fa0000000000000000000c1",
        "5fa0000000000000000000c3",
        "5fa0000000000000000000c5",
        "5fa0000000000000000000c6",
    }


def test_report_period_filter(client: TestClient, market: World) -> None:
    body = client.get(
        "/v1/market/report?since=2026-03-09&until=2026-03-15", headers=auth(market.a.reader)
    ).json()
    assert {b["brand"]: b["totals"]["mentions"] for b in body["brands"]} == {
        "朵拉朵尚": 3,
        "兰蔻": 1,
        "珀莱雅": 1,
    }
    bad = client.get("/v1/market/report?since=2026-03-09&until=2026-03-01", headers=auth(market.a.reader))
    assert bad.status_code == 422


def test_campaign_market_sov_ugc_and_search_lift(client: TestClient, market: World) -> None:
    campaign_id = _campaign_id(client, market)
    body = client.get(f"/v1/market/campaigns/{campaign_id}", headers=auth(market.a.reader)).json()
    assert body["brand"] == "朵拉朵尚"
    assert body["window"] == {"from": "2026-03-02", "to": "2026-03-30"}
    assert body["share_of_voice"]["value"] == pytest.approx(6 / 13)
    ugc = body["ugc"]
    assert (ugc["before"]["notes"], ugc["after"]["notes"]) == (1, 2)
    assert ugc["ugc_lift"]["value"] == pytest.approx(1.0)
    assert [n["note_id"] for n in ugc["notes_after"]] == [
        "6a2000000000000000000n03",
        "6a2000000000000000000s01",
    ]
    search = body["search"]
    assert (search["before"]["total"], search["after"]["total"]) == (2500, 38000)
    assert search["branded_search_lift"]["value"] == pytest.approx(38000 / 2500 - 1)


def test_campaign_report_fills_share_of_voice_and_competitors(client: TestClient, market: World) -> None:
    campaign_id = _campaign_id(client, market)
    report = client.get(f"/v1/campaigns/{campaign_id}/report", headers=auth(market.a.reader)).json()
    health = report["brand_health"]["metrics"]["metrics"]
    assert health["share_of_voice"]["value"] == pytest.approx(6 / 13)
    assert health["branded_search_lift"]["value"] == pytest.approx(38000 / 2500 - 1)
    assert [b["brand"] for b in report["competitive_context"]["brands"]] == ["朵拉朵尚", "兰蔻", "珀莱雅"]
    assert report["market"]["ugc"]["after"]["notes"] == 2


def test_search_values_typed_keep_good_rows_and_report_bad_ones(client: TestClient, world: World) -> None:
    rows = [
        {"date": "2026-03-01", "value": "1.2万"},
        {"date": "yesterday", "value": 5},
        {"date": "2026-03-02"},
    ]
    response = client.put(
        "/v1/market/search-index", json={"keyword": "朵拉朵尚", "values": rows}, headers=auth(world.a.writer)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["saved"] == 1
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "date"), (3, "value")]
    items = client.get("/v1/market/search-index", headers=auth(world.a.reader)).json()["items"]
    assert items == [{"keyword": "朵拉朵尚", "date": "2026-03-01", "value": 12000, "source": "form"}]
