"""The KOL list: server-side sorting, filtering and paging, CSV export, and the shortlist."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi import FastAPI

from service.store.tables import Kol
from service.web.pages import PAGE_SIZE
from service.web.summaries import VettingSummary
from tests.utils.web import HTML, ORIGIN, Seeded, add_kols, sign_in, vet_demo_kols


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-kol-id="(\d+)"', page)]


def _followers(client: Any, key: str, kol_id: int) -> int:
    body = client.get(f"/v1/kols/{kol_id}/vetting", headers={"authorization": f"Bearer {key}"}).json()
    return int(body["kol"]["followers"])


def test_kol_list_sorts_by_followers_both_ways_on_the_server(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    followers = {k: _followers(client, seeded.demo.reader, k) for k in seeded.demo_kol_ids}
    ascending = _ids(client.get("/kols", params={"sort": "followers", "order": "asc"}, headers=HTML).text)
    descending = _ids(client.get("/kols", params={"sort": "followers", "order": "desc"}, headers=HTML).text)
    assert ascending == sorted(followers, key=lambda k: (followers[k], k))
    assert [followers[k] for k in descending] == sorted(followers.values(), reverse=True)


def test_kol_list_column_headers_link_to_the_other_order(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get("/kols", params={"sort": "authenticity", "order": "desc"}, headers=HTML).text
    assert 'aria-sort="descending"><a href="/kols?sort=authenticity&amp;order=asc"' in page
    assert 'href="/kols?sort=name&amp;order=asc"' in page


def test_kol_list_sorts_by_authenticity_from_the_vetting(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get("/kols", params={"sort": "authenticity", "order": "asc"}, headers=HTML).text
    scores = [int(s) for s in re.findall(r'<span class="score risk-\w+">(\d+)</span>', page)]
    assert len(scores) >= 2
    assert scores == sorted(scores)


def test_kol_list_filters_by_verdict_and_category(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get("/kols", headers=HTML).text
    decisions = re.findall(r'verdict-pill verdict-(\w+)"', page)
    chosen = decisions[0]
    filtered = client.get("/kols", params={"verdict": chosen}, headers=HTML).text
    assert set(re.findall(r'verdict-pill verdict-(\w+)"', filtered)) == {chosen}
    assert len(_ids(filtered)) == decisions.count(chosen)
    none = client.get("/kols", params={"category": "no-such-category"}, headers=HTML).text
    assert _ids(none) == [] and "No KOL matches" in none


def test_kol_list_refuses_an_unknown_sort_with_a_page(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    response = client.get("/kols", params={"sort": "password"}, headers=HTML)
    assert response.status_code == 400
    assert 'data-status="400"' in response.text


def test_kol_list_pages_keep_the_filters(client: Any, web_app: FastAPI, seeded: Seeded) -> None:
    added = add_kols(
        web_app.state.services.session_factory, seeded.demo_id, PAGE_SIZE + 5, "分页博主", category="paging"
    )
    sign_in(client, seeded.demo.reader)
    params = {"category": "paging", "sort": "name", "order": "asc"}
    first = client.get("/kols", params=params, headers=HTML).text
    second = client.get("/kols", params={**params, "page": 2}, headers=HTML).text
    assert len(_ids(first)) == PAGE_SIZE and len(_ids(second)) == 5
    assert _ids(first) + _ids(second) == added  # names 分页博主00.. sort like the insertion order
    assert 'href="/kols?category=paging&amp;sort=name&amp;order=asc&amp;page=2" rel="next"' in first
    assert "Page 2 of 2" in second


def test_kol_csv_has_a_bom_every_filtered_kol_and_neutralised_cells(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    added = add_kols(
        web_app.state.services.session_factory, seeded.demo_id, PAGE_SIZE + 5, "分页博主", category="paging"
    )
    with web_app.state.services.session_factory() as session:
        kol = session.get(Kol, added[0])
        assert kol is not None
        kol.nickname = '=HYPERLINK("http://x")'
        session.commit()
    sign_in(client, seeded.demo.reader)
    response = client.get("/kols.csv", params={"category": "paging", "sort": "followers", "order": "asc"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(r["kol_id"]) for r in rows] == added  # all of them, not one page
    assert rows[0]["nickname"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["nickname"] == "分页博主01"
    assert {"engagement_rate", "authenticity_score", "verdict", "first_reason"} <= set(rows[0])


def test_kol_csv_is_for_signed_in_keys_only(client: Any) -> None:
    assert client.get("/kols.csv").status_code == 401


def _shortlist(client: Any, action: str, ids: list[int]) -> Any:
    return client.post(
        "/shortlist",
        data={"action": action, "kol": ids, "next": "/kols"},
        headers={**HTML, "origin": ORIGIN},
        follow_redirects=False,
    )


def test_shortlist_adds_removes_and_filters_the_list(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.writer)
    first, second = seeded.demo_kol_ids[:2]
    assert _shortlist(client, "add", [first, second]).status_code == 303
    page = client.get("/kols", params={"shortlisted": "true"}, headers=HTML).text
    assert sorted(_ids(page)) == sorted([first, second])
    assert "Shortlist: 2 KOLs" in page
    assert f'href="/compare?kol={first}&amp;kol={second}"' in page
    _shortlist(client, "remove", [first])
    assert _ids(client.get("/kols", params={"shortlisted": "true"}, headers=HTML).text) == [second]


def test_shortlist_is_per_workspace(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.writer)
    _shortlist(client, "add", [seeded.demo_kol_ids[0], seeded.rival_kol_id])
    demo = client.get("/kols", params={"shortlisted": "true"}, headers=HTML).text
    assert _ids(demo) == [seeded.demo_kol_ids[0]]  # the rival's KOL is never taken in
    sign_in(client, seeded.rival.writer)
    rival = client.get("/kols", params={"shortlisted": "true"}, headers=HTML).text
    assert _ids(rival) == [] and "Shortlist: 0 KOLs" in rival
    _shortlist(client, "add", [seeded.rival_kol_id, seeded.demo_kol_ids[1]])
    assert _ids(client.get("/kols", params={"shortlisted": "true"}, headers=HTML).text) == [
        seeded.rival_kol_id
    ]
    sign_in(client, seeded.demo.writer)
    assert _ids(client.get("/kols", params={"shortlisted": "true"}, headers=HTML).text) == [
        seeded.demo_kol_ids[0]
    ]


def test_shortlist_form_from_another_site_is_refused(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.writer)
    response = client.post(
        "/shortlist",
        data={"action": "add", "kol": [seeded.demo_kol_ids[0]]},
        headers={**HTML, "origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_a_summary_needs_no_themes_audience_or_sponsorship(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    _, fulls = vet_demo_kols(web_app.state.services, seeded)
    _, shorts = vet_demo_kols(web_app.state.services, seeded, sections=False)
    left_out = {"themes", "audience", "sponsorship", "evaluated_at"}
    for full, short in zip(fulls, shorts, strict=True):
        assert short["themes"] is short["audience"] is short["sponsorship"] is None
        assert full["themes"] is not None and full["audience"] is not None
        assert VettingSummary.of(short) == VettingSummary.of(full)
        assert {k: v for k, v in short.items() if k not in left_out} == {
            k: v for k, v in full.items() if k not in left_out
        }


def test_the_list_shows_each_summary_from_a_short_vetting(
    client: Any, web_app: FastAPI, seeded: Seeded
) -> None:
    services, calls = web_app.state.services, []
    vet = services.vet

    def counted(*args: Any, **options: Any) -> Any:
        calls.append(options)
        return vet(*args, **options)

    services.vet = counted
    sign_in(client, seeded.demo.reader)
    assert client.get("/kols", headers=HTML).status_code == 200
    assert calls == [{"sections": False}] * len(seeded.demo_kol_ids)
    assert client.get("/kols", headers=HTML).status_code == 200
    assert len(calls) == len(seeded.demo_kol_ids)  # then cached
