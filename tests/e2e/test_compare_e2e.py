"""The shortlist-and-compare flow and the language switch in a real browser, without scripts of
their own: checkboxes, buttons, links and a GET form."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer, Ui

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def test_select_two_kols_compare_price_and_export(ui: Ui, live_server: LiveServer, tmp_path: Path) -> None:
    seeded = live_server.seeded
    ui.sign_in(seeded.demo.reader)
    ui.go("/kols")
    first, second = seeded.demo_simulated_kol_ids[:2]
    ui.page.check(f"#pick-{first}")
    ui.page.check(f"#pick-{second}")
    with ui.page.expect_navigation():
        ui.page.click("#compare-selected")
    assert "/compare?" in ui.page.url
    heads = ui.page.locator("#compare-table thead th[data-kol-id]").evaluate_all(
        "hs => hs.map(h => h.dataset.kolId)"
    )
    assert sorted(heads) == sorted([str(first), str(second)])
    assert ui.page.locator("#compare-table td.best").count() >= 1
    assert "★" in ui.page.locator("#compare-table tr[data-row='followers']").inner_text()
    ui.page.fill(f"#price-{first}", "5000")
    with ui.page.expect_navigation():
        ui.page.click("#price-form button[type=submit]")
    assert f"price_{first}=5000" in ui.page.url
    cpe = ui.page.locator("#compare-table tr[data-row='cpe']").inner_text()
    assert "CNY" in cpe
    ui.shot("20-compare")
    with ui.page.expect_download() as download:
        ui.page.click("#compare-csv")
    saved = tmp_path / "compare.csv"
    download.value.save_as(str(saved))
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"\ncpe," in content.replace(b"\r\n", b"\n")
    ui.assert_no_console_errors()


def test_language_switch_is_remembered(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.reader)
    ui.go("/kols")
    assert ui.page.locator("html").get_attribute("lang") == "en"
    with ui.page.expect_navigation():
        ui.page.click("#lang-zh-CN")
    assert ui.page.url.endswith("/kols")
    assert ui.page.locator("html").get_attribute("lang") == "zh-CN"
    assert ui.page.locator("h1").inner_text() == "博主"
    ui.go("/campaigns")
    assert ui.page.locator("h1").inner_text() == "活动"
    ui.shot("21-campaigns-zh")
    with ui.page.expect_navigation():
        ui.page.click("#lang-en")
    assert ui.page.locator("html").get_attribute("lang") == "en"
    assert ui.page.locator("h1").inner_text() == "Campaigns"
    ui.assert_no_console_errors()
