"""GET /v1/campaigns, /v1/campaigns/{id}, /v1/campaigns/{id}/report in JSON, CSV and HTML."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.utils.client import auth
from tests.utils.factories import World


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


SECTIONS = (
    "overview",
    "kol_breakdown",
    "content_performance",
    "funnel",
    "brand_health",
    "competitive_context",
)


def test_campaign_list_and_detail(client: TestClient, world: World) -> None:
    items = client.get("/v1/campaigns", headers=auth(world.a.reader)).json()["items"]
    assert [(c["name"], c["notes"], c["currency"]) for c in items] == [("Spring Glow", 3, "CNY")]
    one = client.get(f"/v1/campaigns/{world.a.campaign_id}", headers=auth(world.a.reader)).json()
    assert one["start_date"] == "2026-01-01"


def test_report_json_has_the_six_sections_and_themes(client: TestClient, world: World) -> None:
    response = client.get(f"/v1/campaigns/{world.a.campaign_id}/report", headers=auth(world.a.reader))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["schema"] == "redlens.campaign_report/1"
    for section in SECTIONS:
        assert report[section], section
    overview = report["overview"]
    assert overview["notes"] == 3 and overview["kols"] == 1
    # revenue 3 x 12,000; cost 3 x (8,000 + 300 + 1,000): ROAS = 36,000 / 27,900
    assert overview["metrics"]["revenue"]["value"] == "36000.00"
    assert abs(overview["metrics"]["roas"]["value"] - 36000 / 27900) < 1e-9
    steps = report["funnel"]["steps"]
    assert [(s["from"], s["to"]) for s in steps[:3]] == [
        ("impressions", "clicks"),
        ("clicks", "add_to_carts"),
        ("add_to_carts", "orders"),
    ]
    first = steps[0]
    assert abs(first["drop_off"] - (1 - first["rate"]["value"])) < 1e-6
    daily = report["brand_health"]["daily"]
    assert sum(d["mentions"] for d in daily) == 3 * 8
    ranking = report["content_performance"]["ranking"]
    rates = [r["save_rate"] for r in ranking]
    assert rates == sorted(rates, reverse=True)
    assert report["themes"]["n_comments"] > 0
    assert report["kol_breakdown"][0]["brand_health"]["comments_analyzed"] == 24
    groups = {(g["dimension"], g["group"]) for g in report["competitive_context"]["groups"]}
    assert ("tier", "micro") in groups and ("category", "beauty") in groups


def _csv(client: TestClient, world: World, by: str) -> list[dict[str, str]]:
    response = client.get(
        f"/v1/campaigns/{world.a.campaign_id}/report?format=csv&by={by}", headers=auth(world.a.reader)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_report_csv_has_one_row_per_kol_and_one_column_per_metric(client: TestClient, world: World) -> None:
    rows = _csv(client, world, "kol")
    assert len(rows) == 1
    row = rows[0]
    assert row["kol_id"] == world.a.kol_platform_id and row["notes"] == "3"
    assert row["revenue"] == "36000.00" and row["currency"] == "CNY"
    assert abs(float(row["roas"]) - 36000 / 27900) < 1e-6
    assert row["comments_analyzed"] == "24"
    themed = [c for c in row if c.startswith("theme_") and c.endswith("_share")]
    assert themed, "the KOL rows carry the campaign's aspect themes"
    assert all(0.0 <= float(row[c]) <= 1.0 for c in themed)


def test_report_csv_by_note_and_by_theme(client: TestClient, world: World) -> None:
    notes = _csv(client, world, "note")
    assert sorted(r["note_id"] for r in notes) == [f"note-brand-a-{i}" for i in range(3)]
    assert [r["rank"] for r in notes] == ["1", "2", "3"]
    assert all(r["engagements"] and r["save_rate"] for r in notes)
    themes = _csv(client, world, "theme")
    assert themes and {"share_before", "share_after", "change_pts", "summary_zh"} <= set(themes[0])
    assert any(float(r["share_after"]) > 0 for r in themes)


def test_report_csv_neutralises_formula_cells(client: TestClient, world: World) -> None:
    rows = _csv(client, world, "note")
    cells = [value for row in rows for value in row.values() if isinstance(value, str)]
    dangerous = [
        c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c.startswith("-") and not _number(c))
    ]
    assert dangerous == []
    assert any(c.startswith("'=cmd") for c in cells), "the note title starting with = is kept, neutralised"


def _number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", text) is not None


def test_report_html_is_self_contained_and_escaped(client: TestClient, world: World) -> None:
    response = client.get(
        f"/v1/campaigns/{world.a.campaign_id}/report?format=html", headers=auth(world.a.reader)
    )
    assert response.status_code == 200
    html = response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<svg" in html and "<script" not in html
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None
    assert "@import" not in html and "url(" not in html
    for section in (
        "Headline",
        "KOL breakdown",
        "Content performance",
        "Conversion funnel",
        "Brand-health",
        "KPI table",
        "Competitive context",
        "Before and after the campaign's first note",
        "Method and model versions",
    ):
        assert section in html
    assert "<nav" not in html and "rl_" not in html  # no navigation, no key prefix
    assert re.search(r"@media print", html) and "break-after: page" in html


def test_report_of_an_empty_campaign_explains_itself(client: TestClient, world: World, app: FastAPI) -> None:
    from service.store.repositories import create_campaign

    with app.state.services.session_factory() as session, session.begin():
        campaign_id = create_campaign(session, world.a.workspace_id, "Not started").id
    for fmt in ("json", "csv", "html"):
        response = client.get(
            f"/v1/campaigns/{campaign_id}/report?format={fmt}", headers=auth(world.a.reader)
        )
        assert response.status_code == 200, (fmt, response.text)
    report = client.get(f"/v1/campaigns/{campaign_id}/report", headers=auth(world.a.reader)).json()
    assert report["overview"]["notes"] == 0
    assert any("no notes" in w for w in report["warnings"])
