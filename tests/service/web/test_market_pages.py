"""The Market page (brand form, weekly mentions, search-index form) and the campaign dashboard's
market block, on the demo workspace (its simulated keyword-search exports)."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest

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


def _fit_rows(page: str) -> dict[str, tuple[str, str]]:
    """Per KOL row of the audience-fit table: (fit cell, audience-data cell as text)."""
    table = page.split('id="audience-fit-table"', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in table.split('<tr data-kol="')[1:]:
        fit = re.search(r'<td class="num fit"[^>]*>([^<]*)</td>', row)
        data = re.search(r'<td class="fit-data"[^>]*>(.*?)</td>', row, re.S)
        assert fit and data
        out[row.split('"', 1)[0]] = (fit.group(1), html.unescape(re.sub(r"<[^>]+>", "", data.group(1))))
    return out


def test_campaign_dashboard_shows_each_kols_audience_fit_and_the_campaigns(
    client: Any, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.reader)
    report = client.get(f"/v1/campaigns/{seeded.demo_campaign_id}/report").json()["audience_fit"]
    page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    assert 'href="#audience-fit"' in page
    rows = _fit_rows(page)
    # The demo stores a target and fan portraits: every KOL has a score, shown rounded.
    assert set(rows) == {k["kol_id"] for k in report["kols"]} and len(rows) == 4
    for k in report["kols"]:
        assert rows[k["kol_id"]][0] == f"{k['score']:.0f}"
    without_portrait = [k for k in report["kols"] if not k["portrait"]]
    assert [rows[k["kol_id"]][1].split(" ·")[0] for k in without_portrait] == ["commenter IP locations"]
    weights = [k["followers"] for k in report["kols"]]
    expected = sum(k["score"] * w for k, w in zip(report["kols"], weights, strict=True)) / sum(weights)
    assert report["campaign"] == pytest.approx(
        report["campaign"] | {"score": round(expected, 1), "weighting": "followers", "kols_with_data": 4}
    )
    card = page.split('id="campaign-fit"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert f'<div class="value">{report["campaign"]["score"]:.0f}<small>/100</small>' in card
    assert "over the 4 of 4 KOLs with audience data" in card


def test_campaign_fit_names_the_reason_when_a_kol_has_no_data(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.writer)
    # A target on interests only: the KOL without a fan portrait has nothing to compare.
    saved = client.post("/audience/target", data={"interests": "护肤 70, 美妆 60"}, headers=FORM)
    assert saved.status_code == 200
    report = client.get(f"/v1/campaigns/{seeded.demo_campaign_id}/report").json()["audience_fit"]
    lacking = [k["kol_id"] for k in report["kols"] if not k["portrait"]]
    page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    rows = _fit_rows(page)
    for kol_id in lacking:
        assert rows[kol_id] == (
            "–",
            "No fit score: no audience data for Interests: import the KOL's fan portrait or collect "
            "comments with IP locations",
        )
    assert all(rows[k["kol_id"]][0].isdigit() for k in report["kols"] if k["portrait"])
    assert report["campaign"]["kols_with_data"] == 4 - len(lacking) == 3
    client.get("/lang/zh-CN", headers=HTML)
    chinese = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    assert "活动整体受众匹配度" in chinese
    assert _fit_rows(chinese)[lacking[0]][1].startswith(
        "无匹配分： 缺少兴趣的受众数据：请导入该博主的粉丝画像"
    )


def test_campaign_fit_without_a_target_says_so(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.rival.reader)
    page = client.get(f"/campaigns/{seeded.rival_campaign_id}", headers=HTML).text
    rows = _fit_rows(page)
    assert rows and all(
        cells == ("–", "No fit score: the workspace has no target audience yet") for cells in rows.values()
    )
    assert '<div class="value">–</div>' in page.split('id="campaign-fit"', 1)[1]


def test_campaign_report_and_csv_carry_the_audience_fit(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    base = f"/v1/campaigns/{seeded.demo_campaign_id}/report"
    fits = {k["kol_id"]: k for k in client.get(base).json()["audience_fit"]["kols"]}
    report = client.get(f"{base}?format=html").text
    section = report.split('<section id="audience-fit">', 1)[1].split("</section>", 1)[0]
    shown = _fit_rows(section)
    assert {kol_id: fit for kol_id, (fit, _) in shown.items()} == {
        kol_id: f"{k['score']:.0f}" for kol_id, k in fits.items()
    }
    assert {kol_id: data.split(" ·")[0] for kol_id, (_, data) in shown.items()} == {
        kol_id: "fan portrait" if k["portrait"] else "commenter IP locations" for kol_id, k in fits.items()
    }
    assert "<a href" not in section  # the offline report links nowhere
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}?format=csv").text)))
    assert rows
    for row in rows:
        fit = fits[row["kol_id"]]
        assert float(row["audience_fit"]) == fit["score"]
        assert row["audience_fit_driver"] == fit["driver"] and row["audience_fit_reason"] == ""
        assert float(row["commenter_location_coverage"]) == pytest.approx(fit["coverage"])
