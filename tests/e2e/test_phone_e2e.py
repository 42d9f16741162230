"""The pages on a phone (390 x 844, an iPhone 12-15) and on a wide screen in a real browser:
nothing wider than the viewport (no sideways scrolling), the vetting verdict and its reasons
above the fold, no chart text drawn below 11 px, and a keyboard's first Tab lands on the skip
link. Screenshots of each page at both widths go to ``test-artifacts/e2e/`` (look at them)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, Ui
from tests.utils.web import main_pages

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
LAPTOP = {"width": 1280, "height": 800}
MIN_CHART_TEXT_PX = 11.0

#: Elements whose right edge passes the viewport, the page's scroll width, and the visible chart
#: texts smaller than the minimum (font size times the SVG's scale on screen).
LAYOUT = """
(minimum) => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5) {
      wide.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className.baseVal ?? el.className} right=${Math.round(box.right)}`);
    }
  }
  const small = [];
  for (const text of document.querySelectorAll("svg text")) {
    if (!text.getClientRects().length || getComputedStyle(text).display === "none") continue;
    const px = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    if (px < minimum) small.push(`${text.textContent} ${px.toFixed(1)}px`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8), small: small.slice(0, 8)};
}
"""


def _layout(ui: Ui) -> dict[str, Any]:
    return dict(ui.page.evaluate(LAYOUT, MIN_CHART_TEXT_PX))


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP, WIDE], ids=["390", "1280", "1440"])
def test_no_page_is_wider_than_the_screen(ui: Ui, live_server: LiveServer, viewport: dict[str, int]) -> None:
    ui.page.set_viewport_size(viewport)
    ui.go("/login")
    layout = _layout(ui)
    assert layout["scrollWidth"] <= viewport["width"] and not layout["wide"], ("login", layout)
    ui.sign_in(live_server.seeded.demo.admin)
    for name, path in main_pages(live_server.seeded).items():
        ui.go(path)
        layout = _layout(ui)
        assert layout["scrollWidth"] <= viewport["width"], (name, layout)
        assert not layout["wide"], (name, layout)
        if viewport == PHONE:
            assert not layout["small"], (name, layout)
        ui.shot(f"30-{name}-{viewport['width']}")
    ui.assert_no_console_errors()


def test_phone_vetting_shows_verdict_and_reasons_first(ui: Ui, live_server: LiveServer) -> None:
    ui.page.set_viewport_size(PHONE)
    ui.sign_in(live_server.seeded.demo.reader)
    ui.go(main_pages(live_server.seeded)["vetting"])
    box = {
        selector: ui.page.locator(selector).bounding_box()
        for selector in ("#verdict", "#reasons", "#authenticity", ".section-nav")
    }
    assert box["#verdict"] is not None and box["#verdict"]["y"] + box["#verdict"]["height"] <= PHONE["height"]
    assert box["#reasons"]["y"] < PHONE["height"] * 0.6  # the reasons start in the top of the first screen
    assert box["#verdict"]["y"] < box["#reasons"]["y"] < box["#authenticity"]["y"]
    assert box["#reasons"]["y"] < box[".section-nav"]["y"]
    # the growth chart's numbers are a visible table on the phone
    assert ui.page.locator("#growth .chart-data table").is_visible()
    assert ui.page.locator("#growth .chart-data tbody tr").count() >= 5
    # a table of the page is a stack of labelled cards
    cell = ui.page.locator("#signal-table tbody tr").first.locator("td").first
    assert ui.page.evaluate("td => getComputedStyle(td).display", cell.element_handle()) == "block"
    label = ui.page.evaluate("td => getComputedStyle(td, '::before').content", cell.element_handle())
    assert label == '"Signal"'
    # in Chinese too: the cards' labels translated, nothing wider than the screen
    ui.use_language("zh_CN")
    for name in ("vetting", "campaign"):
        ui.go(main_pages(live_server.seeded)[name])
        layout = _layout(ui)
        assert layout["scrollWidth"] <= PHONE["width"] and not layout["wide"] and not layout["small"], (
            name,
            layout,
        )
        ui.shot(f"31-{name}-390-zh")
    cell = ui.page.locator("#funnel table.data:not(.chart-table) tbody tr").first.locator("td").first
    assert (
        ui.page.evaluate("td => getComputedStyle(td, '::before').content", cell.element_handle()) == '"步骤"'
    )


def test_first_tab_reaches_the_skip_link(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.reader)
    ui.go("/kols")
    ui.page.keyboard.press("Tab")
    focused = ui.page.evaluate(
        "() => [document.activeElement.className, document.activeElement.getAttribute('href')]"
    )
    assert focused == ["skip-link", "#main"]
    assert ui.page.locator(".skip-link").bounding_box()["y"] >= 0  # shown once focused
    outline = ui.page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    ui.page.keyboard.press("Enter")
    assert ui.page.evaluate("() => document.activeElement.id") == "main"
