"""The Market page (brand form, weekly mentions, search-index form) and the campaign dashboard's
market block, on the demo workspace (its simulated keyword-search exports)."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.utils.web import HTML, ORIGIN, Seeded, sign_in

FORM = {**HTML, "origin": ORIGIN}


def _brand_form(rows: list[dict[str, str]], own: int = 0) -> dict[str, str]:
    data = {"own": str(own)}
    for i, row in enumerate(rows):
        data.update({f"{field}_{i}": value for field, value in row.items()})
    return data


def test_market_page_shows_each_brand_with_weekly_chart(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get("/market", headers=HTML).text
    assert [m for m in re.findall(r'<tr data-brand="([^"]+)"', page)] == ["Glow Lab", "兰蔻", "珀莱雅"]
    assert page.count('class="brand-trend"') == 3
    assert page.count("<svg") >= 3 and "mentions per week" in page  # the left axis title
    assert re.search(r'<td class="num sov">\d+\.\d%</td>', page)  # share of voice as a percentage
    assert 'name="aliases_0" value="光研, GlowLab"' in page


def test_market_page_in_chinese(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    client.get("/lang/zh-CN", headers=HTML)
    page = client.get("/market", headers=HTML).text
    assert "每周提及" in page and "声量份额" in page and "品牌与竞品" in page


def test_brand_form_saves_and_refuses_a_shared_term(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.writer)
    rows = [{"name": "Glow Lab", "aliases": "光研，GlowLab"}, {"name": "兰蔻", "products": "小黑瓶"}]
    saved = client.post("/market/brands", data=_brand_form(rows), headers=FORM, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/market"
    page = client.get("/market", headers=HTML).text
    assert re.findall(r'<tr data-brand="([^"]+)"', page) == ["Glow Lab", "兰蔻"]
    clash = [{"name": "Glow Lab", "aliases": "光研"}, {"name": "光研中国"}, {"name": "X", "aliases": "光研"}]
    refused = client.post("/market/brands", data=_brand_form(clash), headers=FORM)
    assert refused.status_code == 422
    assert "'光研' is a term of both 'Glow Lab' and 'X'" in html.unescape(refused.text)


def test_brand_form_needs_write_scope_and_same_origin(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    rows = [{"name": "Only"}]
    assert client.post("/market/brands", data=_brand_form(rows), headers=FORM).status_code == 403
    sign_in(client, seeded.demo.writer)
    evil = {**HTML, "origin": "https://evil.example"}
    assert client.post("/market/brands", data=_brand_form(rows), headers=evil).status_code == 403
    assert "Only" not in client.get("/market", headers=HTML).text


def test_search_form_keeps_good_lines_and_names_bad_ones(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.writer)
    values = "2030-01-01,1.2万\nnot a date,5\n2030-01-02,"
    page = client.post("/market/search-index", data={"keyword": "光研", "values": values}, headers=FORM)
    assert page.status_code == 200
    result = page.text.split('id="search-result"', 1)[1].split("</div>", 1)[0]
    assert "1 values saved" in result and "line 2" in result and "line 3" in result
    assert (
        '<td>光研</td><td>2030-01-01 – 2030-01-01</td><td class="num">1</td><td class="num">12,000</td>'
        in page.text
    )


def test_campaign_dashboard_fills_share_of_voice_ugc_and_search_lift(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    health = page.split('id="brand-health"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"Share of voice</div><div class=\"value\">\d+\.\d%", health)
    market = page.split('id="market-context"', 1)[1]
    assert re.findall(r"<tr(?: class=\"own\")?><td>([^<]+)", market.split("</table>", 1)[0]) == [
        "Glow Lab ",
        "兰蔻",
        "珀莱雅",
    ]
    assert re.search(
        r'data-metric="ugc_lift"><div class="label">UGC lift</div><div class="value">\+?\d', market
    )
    assert re.search(r'data-metric="branded_search_lift">.*?<div class="value">\d', market, re.S)
