"""Pages for keyboards, screen readers and slow phone networks: a skip link and landmarks, labelled
form fields, charts whose numbers are also a table, and gzip-compressed answers."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.utils.web import HTML, Seeded, main_pages, sign_in

PAGES = (
    "home",
    "kols",
    "vetting",
    "compare",
    "campaigns",
    "campaign",
    "labelling",
    "upload",
    "jobs",
    "models",
)


class _Outline(HTMLParser):
    """The landmarks, the first link, the form fields and the labels of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.first_link: dict[str, str | None] | None = None
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "a" and self.first_link is None:
            self.first_link = values
        if tag == "label":
            self._label_depth += 1
            if values.get("for"):
                self.labelled.add(str(values["for"]))
        if tag in ("input", "select", "textarea") and values.get("type") not in ("hidden", "submit"):
            self.fields.append({**values, "_wrapped": "yes" if self._label_depth else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def _outline(html: str) -> _Outline:
    outline = _Outline()
    outline.feed(html)
    return outline


@pytest.fixture
def pages(client: Any, seeded: Seeded) -> dict[str, str]:
    sign_in(client, seeded.demo.admin)
    paths = main_pages(seeded)
    out = {}
    for name in PAGES:
        response = client.get(paths[name], headers=HTML)
        assert response.status_code == 200, name
        out[name] = response.text
    out["login"] = client.get("/login", headers=HTML).text
    return out


def test_every_page_starts_with_a_skip_link_to_its_main_landmark(pages: dict[str, str]) -> None:
    for name, html in pages.items():
        outline = _outline(html)
        assert outline.first_link is not None and outline.first_link.get("href") == "#main", name
        assert outline.first_link.get("class") == "skip-link", name
        assert '<main id="main" tabindex="-1">' in html, name
        for landmark in ("main", "footer"):
            assert outline.tags.count(landmark) == 1, (name, landmark)
        assert html.count('<header class="topbar">') == 1, name  # the banner (articles have their own)


def test_every_form_field_has_a_label(pages: dict[str, str]) -> None:
    for name, html in pages.items():
        outline = _outline(html)
        for field in outline.fields:
            named = field.get("aria-label") or field.get("_wrapped") or field.get("id") in outline.labelled
            assert named, f"{name}: a field without a label: {field}"


def test_vetting_charts_carry_their_numbers_in_a_table(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    kol = seeded.demo_kol_ids[0]
    page = client.get(f"/kols/{kol}", headers=HTML).text
    vetting = client.get(
        f"/v1/kols/{kol}/vetting", headers={"authorization": f"Bearer {seeded.demo.reader}"}
    ).json()
    growth = page.split('id="growth"', 1)[1].split("</section>", 1)[0]
    assert '<figure class="chart-box">' in growth and "<figcaption" in growth and 'role="img"' in growth
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">([^<]+)</td>", growth)
    assert rows, "the growth chart has no data table"
    shown = {int(count.replace(",", "")) for _, count in rows}
    drawn = {
        int(p["followers"])
        for p in vetting["authenticity"]["series"]["daily_followers"]
        if p.get("observed", True)
    }
    assert shown <= drawn and max(shown) == max(drawn)
    intents = page.split('id="comment-mix"', 1)[1].split("</section>", 1)[0]
    shares = vetting["comments"]["intent_shares"]
    table = intents.split("<figcaption", 1)[1]
    assert f'<td>purchase intent</td><td class="num">{shares["purchase_intent"] * 100:.1f}%</td>' in table


def test_campaign_funnel_chart_carries_its_counts(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    report = client.get(
        f"/v1/campaigns/{seeded.demo_campaign_id}/report",
        headers={"authorization": f"Bearer {seeded.demo.reader}"},
    ).json()
    funnel = page.split('id="funnel"', 1)[1].split("</figure>", 1)[0]
    first = report["funnel"]["steps"][0]
    assert f'<td>impressions</td><td class="num">{first["from_count"]:,}</td>' in funnel
    assert f'<td>clicks</td><td class="num">{first["to_count"]:,}</td>' in funnel
    client.cookies.set("redlens_lang", "zh_CN")
    chinese = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
    assert "<caption>转化漏斗</caption>" in chinese and "<td>曝光</td>" in chinese


def test_pages_are_gzip_compressed_when_the_browser_accepts_it(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    path = main_pages(seeded)["vetting"]
    plain = client.get(path, headers={**HTML, "accept-encoding": "identity"})
    packed = client.get(path, headers={**HTML, "accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert (
        packed.headers["content-encoding"] == "gzip" and "accept-encoding" in packed.headers["vary"].lower()
    )
    assert packed.text == plain.text  # the client unpacked it
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert len(gzip.compress(plain.content)) < len(plain.content) / 3
    css = client.get("/static/app.css", headers={"accept-encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip"


def test_small_answers_are_not_compressed(client: Any) -> None:
    health = client.get("/healthz", headers={"accept-encoding": "gzip"})
    assert health.status_code == 200 and "content-encoding" not in health.headers
