"""The compare page: 2 to 10 KOLs side by side, best values marked, CPE from a price, CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi import FastAPI

from service.web.compare import TOP_THEMES, _best, build_rows
from tests.utils.web import HTML, Seeded, add_kols, sign_in, vet_demo_kols


def _columns(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<th scope="col" data-kol-id="(\d+)"', page)]


def _row(page: str, key: str) -> str:
    found = re.search(rf'<tr data-row="{key}">(.*?)</tr>', page, re.S)
    assert found, key
    return found.group(1)


def test_best_marks_the_highest_or_lowest_and_nobody_on_a_full_tie() -> None:
    assert _best([0.1, 0.3, None, 0.3], "high") == {1, 3}
    assert _best([0.1, 0.3, None], "low") == {0}
    assert _best([2, 2], "high") == frozenset()
    assert _best([1, 5], None) == frozenset()


def test_compare_two_kols_marks_the_best_follower_count(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    first, second = seeded.demo_kol_ids[:2]
    response = client.get("/compare", params={"kol": [first, second]}, headers=HTML)
    assert response.status_code == 200
    page = response.text
    assert _columns(page) == [first, second]
    for key in (
        "followers",
        "tier",
        "engagement_rate",
        "save_rate",
        "authenticity",
        "positive",
        "purchase_intent",
        "themes",
        "verdict",
    ):
        assert f'data-row="{key}"' in page, key
    followers = {}
    for kol_id in (first, second):
        body = client.get(
            f"/v1/kols/{kol_id}/vetting", headers={"authorization": f"Bearer {seeded.demo.reader}"}
        ).json()
        followers[kol_id] = body["kol"]["followers"]
    row = _row(page, "followers")
    cells = re.findall(r"<td data-label=\"[^\"]*\"( class=\"best\")?>", row)
    assert len(cells) == 2
    best = 0 if followers[first] > followers[second] else 1
    assert cells[best] == ' class="best"' and cells[1 - best] == ""
    assert "★" in row and "(best)" in row  # marked by a sign and a text, not colour alone
    assert 'data-row="cpe"' not in page


def test_compare_ten_kols_with_a_price_estimates_cpe(client: Any, web_app: FastAPI, seeded: Seeded) -> None:
    ids = [
        *seeded.demo_kol_ids,
        *add_kols(
            web_app.state.services.session_factory, seeded.demo_id, 10 - len(seeded.demo_kol_ids), "对比"
        ),
    ]
    sign_in(client, seeded.demo.reader)
    first = seeded.demo_kol_ids[0]
    response = client.get("/compare", params={"kol": ids, f"price_{first}": "5000"}, headers=HTML)
    assert response.status_code == 200
    assert _columns(response.text) == ids
    body = client.get(
        f"/v1/kols/{first}/vetting", headers={"authorization": f"Bearer {seeded.demo.reader}"}
    ).json()
    average = body["kpis"]["metrics"]["engagements"]["value"] / body["window"]["notes_with_counters"]
    cpe = _row(response.text, "cpe")
    assert f"CNY {5000 / average:,.2f}" in cpe


@pytest.mark.parametrize("count", [1, 11])
def test_compare_refuses_fewer_than_two_or_more_than_ten(
    client: Any, web_app: FastAPI, seeded: Seeded, count: int
) -> None:
    ids = [
        *seeded.demo_kol_ids,
        *add_kols(web_app.state.services.session_factory, seeded.demo_id, 11, "对比"),
    ][:count]
    sign_in(client, seeded.demo.reader)
    response = client.get("/compare", params={"kol": ids}, headers=HTML)
    assert response.status_code == 422
    assert 'data-status="422"' in response.text
    assert f"choose 2 to 10 different KOLs to compare; got {count}" in response.text


def test_compare_refuses_another_workspaces_kol(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    response = client.get(
        "/compare", params={"kol": [seeded.demo_kol_ids[0], seeded.rival_kol_id]}, headers=HTML
    )
    assert response.status_code == 404


def test_compare_csv_has_bom_a_column_per_kol_and_the_best(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    first, second = seeded.demo_kol_ids[:2]
    response = client.get("/compare.csv", params={"kol": [first, second], f"price_{second}": "800"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "metric" and rows[0][-1] == "best" and len(rows[0]) == 4
    metrics = {r[0]: r for r in rows[1:]}
    assert {"followers", "engagement_rate", "authenticity", "verdict", "price", "cpe"} <= set(metrics)
    assert metrics["price"][2] == "800"
    assert metrics["followers"][3] in (rows[0][1], rows[0][2])


def test_rows_from_the_leading_themes_equal_those_from_the_full_vetting(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    kols, full = vet_demo_kols(web_app.state.services, seeded)
    _, short = vet_demo_kols(web_app.state.services, seeded, theme_top=TOP_THEMES)
    assert all(v["themes"]["themes"] for v in full)
    assert build_rows(kols, short, {}) == build_rows(kols, full, {})
