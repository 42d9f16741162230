"""The pages' script speaks the page's language: in Chinese its status lines are Chinese."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LiveServer, Ui

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def test_labelling_status_lines_follow_the_page_language(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.writer)
    ui.use_language("zh_CN")
    ui.go("/labelling")
    assert ui.page.locator("html").get_attribute("lang") == "zh-CN"
    ui.page.locator(".label-card:not([hidden]) .save").click()
    assert ui.page.locator("#label-status").inner_text() == "请先选择情感（1、2 或 3）。"
    ui.page.locator(".label-card:not([hidden]) .skip").click()
    assert ui.page.locator("#label-status").inner_text() == "已跳过。"
    ui.use_language("en")
    ui.go("/labelling")
    ui.page.locator(".label-card:not([hidden]) .skip").click()
    assert ui.page.locator("#label-status").inner_text() == "Skipped."
    ui.assert_no_console_errors()
