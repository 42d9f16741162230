"""Audience fit and sponsorship routes, on small exports in MediaCrawler's shapes (tests/fixtures/market)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.utils.client import auth
from tests.utils.factories import World

FIXTURES = Path(__file__).parents[2] / "fixtures" / "market"
KOL = "5fa00000000000000000aa01"


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


def _ingested(client: TestClient, world: World) -> int:
    files = [
        ("files", (name, (FIXTURES / name).read_bytes(), "text/csv"))
        for name in ("contents.csv", "comments.csv")
    ]
    response = client.post("/v1/ingest", files=files, headers=auth(world.a.writer))
    assert response.status_code == 200, response.text
    kols = client.get(f"/v1/kols?search={KOL}", headers=auth(world.a.reader)).json()["items"]
    return int(kols[0]["id"])


def _put_target(client: TestClient, world: World, **extra: Any) -> Any:
    body = {
        "dimensions": {
            "gender": {"female": 70, "male": 30},
            "city_tier": {"tier1": 40, "new_tier1": 30, "tier2": 20, "tier3": 10},
        },
        **extra,
    }
    return client.put("/v1/audience-target", json=body, headers=auth(world.a.writer))


def test_audience_counts_commenter_regions_with_coverage(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    body = client.get(f"/v1/kols/{kol_id}/audience", headers=auth(world.a.reader)).json()
    regions = body["regions"]
    # 12 commenters: 9 with a place (4 广东, 2 上海, 1 北京, 1 美国, 1 中国香港), 3 blank or 未知
    assert (regions["commenters"], regions["located"]) == (12, 9)
    assert regions["coverage"] == pytest.approx(9 / 12)
    assert regions["provinces"]["广东"] == pytest.approx(4 / 9)
    assert regions["outside_mainland"] == pytest.approx(2 / 9)
    assert sum(regions["city_tiers"].values()) == pytest.approx(1.0)
    assert body["fit"]["score"] is None and "no target" in body["fit"]["reason"]


def test_portrait_import_keeps_good_dimensions_and_reports_rows(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    upload = {"file": ("蒲公英画像.csv", (FIXTURES / "portrait.csv").read_bytes(), "text/csv")}
    body = client.post(
        f"/v1/kols/{kol_id}/audience-profile/import", files=upload, headers=auth(world.a.writer)
    ).json()
    assert body["kept"] == ["age", "gender", "interests"]
    assert any("city_tier: shares add up to 90.0%" in e for e in body["errors"])
    assert any(e.startswith("row 14:") for e in body["errors"])
    assert body["profile"]["entered_by"].startswith("writer") or "…" in body["profile"]["entered_by"]
    assert body["profile"]["shares"]["gender"] == {"female": 0.82, "male": 0.18}


def test_portrait_without_a_usable_dimension_is_refused(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    bad = {"dimensions": {"gender": {"female": 50, "male": 20}}}
    response = client.put(f"/v1/kols/{kol_id}/audience-profile", json=bad, headers=auth(world.a.writer))
    assert response.status_code == 422
    assert "gender: shares add up to 70.0%" in response.json()["detail"]


def test_fit_score_uses_portrait_then_commenters_and_names_the_driver(
    client: TestClient, world: World
) -> None:
    kol_id = _ingested(client, world)
    assert _put_target(client, world).status_code == 200
    portrait = {"dimensions": {"gender": {"female": 70, "male": 30}}}
    client.put(f"/v1/kols/{kol_id}/audience-profile", json=portrait, headers=auth(world.a.writer))
    fit = client.get(f"/v1/kols/{kol_id}/audience", headers=auth(world.a.reader)).json()["fit"]
    by = {d["dimension"]: d for d in fit["dimensions"]}
    assert by["gender"]["fit"] == pytest.approx(100.0) and by["gender"]["source"] == "platform"
    assert by["city_tier"]["source"] == "commenters" and by["city_tier"]["fit"] < 100
    assert fit["driver"] == "city_tier"
    assert fit["score"] == pytest.approx((100 + by["city_tier"]["fit"]) / 2, abs=0.1)


def test_reader_cannot_set_the_target(client: TestClient, world: World) -> None:
    response = client.put("/v1/audience-target", json={"dimensions": {}}, headers=auth(world.a.reader))
    assert response.status_code == 403


def test_sponsorship_finds_declared_tagged_and_shop_notes(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    body = client.get(f"/v1/kols/{kol_id}/sponsorship", headers=auth(world.a.reader)).json()
    found = {s["note_id"]: s for s in body["sponsored"]}
    assert set(found) == {"m005", "m006", "m007", "m008"}
    assert "disclosure" in found["m005"]["signals"]
    assert found["m006"]["brands"] == ["追风"] and "brand_tag_cluster" in found["m006"]["signals"]
    assert "shop_search" in found["m007"]["signals"]
    assert found["m008"]["signals"] == {"brand_mention": "追风"}  # learned from m006
    ratio = body["engagement_ratio"]
    # engagements: organic 1160, 1400, 930, 1750 (median 1280); sponsored 555, 670, 440, 790 (median 612.5)
    assert (ratio["sponsored_notes"], ratio["organic_notes"]) == (4, 4)
    assert ratio["ratio"] == pytest.approx(612.5 / 1280)


def test_quote_gives_cpe_and_says_why_cpm_is_missing(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    response = client.put(
        f"/v1/kols/{kol_id}/quotes/video", json={"price": "2560"}, headers=auth(world.a.writer)
    )
    assert response.status_code == 200, response.text
    quote = response.json()["quotes"][0]
    # organic video notes: m002 1400, m003 930 -> fewer than 3: all 4 organic notes, median 1280
    assert quote["cpe"] == pytest.approx(2.0)
    assert quote["cpm"] is None and any("reach" in r for r in quote["reasons"])
    bad = client.put(f"/v1/kols/{kol_id}/quotes/video", json={"price": "-5"}, headers=auth(world.a.writer))
    assert bad.status_code == 422 and "more than 0" in bad.json()["detail"]


def test_vetting_page_shows_audience_and_sponsorship(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    _put_target(client, world)
    headers = {**auth(world.a.writer), "accept": "text/html"}
    page = client.get(f"/kols/{kol_id}", headers=headers)
    assert page.status_code == 200, page.text[:500]
    assert 'id="audience"' in page.text and 'id="sponsorship"' in page.text
    assert 'id="fit-score"' in page.text and 'id="quote-form"' in page.text
    saved = client.post(
        f"/kols/{kol_id}/quotes",
        data={"note_format": "image", "price": "1280"},
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert 'data-format="image"' in client.get(f"/kols/{kol_id}", headers=headers).text


def test_target_page_form_saves_and_reports_bad_sums(client: TestClient, world: World) -> None:
    headers = {**auth(world.a.writer), "accept": "text/html"}
    form = {
        "gender.female": "60",
        "gender.male": "30",
        "age.18-24": "100",
        "region": "广东 50\n上海 50",
        "weight.age": "2",
    }
    page = client.post("/audience/target", data=form, headers=headers)
    assert page.status_code == 200, page.text[:500]
    assert "gender: shares add up to 90.0%" in page.text
    target = client.get("/v1/audience-target", headers=auth(world.a.reader)).json()["profile"]
    assert target["shares"] == {"age": {"18-24": 1.0}, "region": {"广东": 0.5, "上海": 0.5}}
    assert target["weights"]["age"] == 2.0


def test_compare_shows_fit_and_sponsored_ratio_rows(client: TestClient, world: World) -> None:
    kol_id = _ingested(client, world)
    headers = {**auth(world.a.reader), "accept": "text/html"}
    page = client.get(f"/compare?kol={kol_id}&kol={world.a.kol_id}", headers=headers)
    assert page.status_code == 200, page.text[:300]
    assert 'data-row="audience_fit"' in page.text and 'data-row="sponsored_ratio"' in page.text
    assert "0.48" in page.text  # 612.5 / 1280
