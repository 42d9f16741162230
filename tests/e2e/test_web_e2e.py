"""The web pages in a real browser: pages load without console errors and draw their charts,
tables sort, uploads report per-row errors, a label -> train -> promote round trip completes, and
one workspace's key cannot open another's pages. Each page is saved as a screenshot under
``test-artifacts/e2e/`` (look at them: Chinese text must render, not as empty boxes)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, Ui, require_browser
from tests.utils.web import FIXTURES

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail in CI) with the reason
    expect = None  # type: ignore[assignment]

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("e2e")]

NUMBER_KEYS = ("1", "2", "3")


def _count(ui: Ui, selector: str) -> int:
    return int(ui.page.locator(selector).count())


def test_a_cjk_font_is_installed() -> None:
    """Without one, Chinese renders as empty boxes in the browser and in the screenshots."""
    require_browser()
    if shutil.which("fc-list") is None:
        pytest.skip("fc-list (fontconfig) not available to check the installed fonts")
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False)
    assert listed.stdout.strip(), "no font covers Simplified Chinese: apt-get install -y fonts-noto-cjk"


def test_every_page_loads_without_console_errors_and_draws_charts(ui: Ui, live_server: LiveServer) -> None:
    seeded = live_server.seeded
    ui.go("/login")
    ui.shot("01-login")
    ui.sign_in(seeded.demo.admin)

    ui.go("/kols")
    ids = ui.page.locator("#kol-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.kolId)")
    assert {str(k) for k in seeded.demo_kol_ids} <= set(ids)
    assert _count(ui, "#kol-table .verdict-pill") == len(ids)
    ui.shot("02-kol-list")

    for n, kol_id in enumerate(seeded.demo_simulated_kol_ids):
        ui.go(f"/kols/{kol_id}")
        assert ui.page.locator("#verdict .verdict-word").inner_text() in ("Recommend", "Caution", "Avoid")
        assert _count(ui, "#growth svg.growth-chart polyline.series") == 1
        assert _count(ui, "#growth svg.growth-chart circle.point") >= 5
        assert _count(ui, "#benchmarks svg") == 2
        assert _count(ui, "#comment-mix svg rect") >= 3
        ui.shot(f"03-kol-{n + 1}")

    ui.go("/campaigns")
    ui.shot("04-campaigns")
    ui.go(f"/campaigns/{seeded.demo_campaign_id}")
    assert _count(ui, "#kol-breakdown svg rect") >= 4
    assert _count(ui, "#funnel svg rect") >= 3
    assert _count(ui, "#brand-health svg rect") >= 3 and _count(ui, "#brand-health svg polyline") == 1
    assert _count(ui, "#content svg rect") >= 3
    assert ui.page.locator("#export-csv").get_attribute("href", timeout=1000)
    assert _count(ui, "#competitor-table tbody tr") == 3
    assert ui.page.locator("#ugc [data-metric='ugc_lift'] .value").inner_text() != "–"
    ui.shot("05-campaign-dashboard")

    ui.go("/market")
    assert _count(ui, "#sov-table tbody tr") == 3
    assert _count(ui, ".brand-trend svg rect") >= 9 and _count(ui, ".brand-trend svg polyline") == 3
    ui.shot("05b-market")

    ui.go("/upload")
    ui.shot("06-upload")
    ui.go("/models")
    assert _count(ui, "table.confusion td") >= 9
    ui.shot("07-models")
    ui.go("/labelling")
    assert _count(ui, ".label-card") >= 1
    ui.shot("08-labelling")
    ui.assert_no_console_errors()


def test_kol_breakdown_table_sorts_by_any_column(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.reader)
    ui.go(f"/campaigns/{live_server.seeded.demo_campaign_id}")
    table = ui.page.locator("#kol-breakdown-table")
    headers = table.locator("thead th")
    for index in range(headers.count()):
        header = headers.nth(index)
        numeric = header.get_attribute("data-type") == "number"
        for expected in ("descending", "ascending") if numeric else ("ascending", "descending"):
            header.locator("button").click()
            assert header.get_attribute("aria-sort") == expected
            values = table.locator(f"tbody tr td:nth-child({index + 1})").evaluate_all(
                "cells => cells.map(c => c.dataset.sort)"
            )
            known = [v for v in values if v != ""]
            assert values[: len(known)] == known, "unknown values sort last"
            keys: list[Any] = [float(v) for v in known] if numeric else known
            if not numeric:
                continue  # text order follows the browser's zh-Hans collation, checked below
            assert keys == sorted(keys, reverse=expected == "descending"), (index, expected, keys)
    ui.page.locator("#kol-breakdown-table thead th").first.locator("button").click()
    names = table.locator("tbody tr td:first-child").evaluate_all("cells => cells.map(c => c.dataset.sort)")
    collated = ui.page.evaluate("names => [...names].sort((a, b) => a.localeCompare(b, 'zh-Hans-CN'))", names)
    assert names in (collated, collated[::-1])
    ui.shot("09-campaign-sorted")
    ui.assert_no_console_errors()


def test_upload_shows_progress_and_per_row_errors(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.writer)
    ui.go("/upload")
    assert ui.page.locator("#upload-button").is_disabled()
    ui.page.set_input_files(
        "#files", [str(FIXTURES / "upload_notes.csv"), str(FIXTURES / "upload_comments.csv")]
    )
    assert ui.page.locator("#chosen-files li").count() == 2
    ui.page.click("#upload-button")
    ui.page.wait_for_selector("#upload-result:not([hidden])")
    assert ui.page.get_attribute("#upload-progress", "data-mode") == "job"  # above the size threshold
    assert ui.page.locator("#upload-progress .status").inner_text() == "Done."
    summary = ui.page.locator("#upload-summary")
    assert "3 rejected" in summary.locator("p").first.inner_text()
    lines = summary.locator("table.row-errors tbody tr td:first-child").all_inner_texts()
    assert lines == ["4", "6", "8"]
    reasons = " ".join(summary.locator("table.row-errors tbody tr td:nth-child(3)").all_inner_texts())
    assert "not a time" in reasons and "is empty but required" in reasons and "not a count" in reasons
    ui.shot("10-upload-result")

    # the same comments dropped onto the drop zone are recognised as already imported
    content = (FIXTURES / "upload_comments.csv").read_text(encoding="utf-8")
    ui.page.evaluate(
        """content => {
            const data = new DataTransfer();
            data.items.add(new File([content], 'dropped_comments.csv', {type: 'text/csv'}));
            const zone = document.querySelector('#dropzone');
            zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true}));
            zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true}));
        }""",
        content,
    )
    assert ui.page.locator("#chosen-files li").inner_text().startswith("dropped_comments.csv")
    ui.page.click("#upload-button")
    expect(ui.page.locator("#upload-summary p").first).to_contain_text("5 unchanged")
    assert ui.page.get_attribute("#upload-progress", "data-mode") == "direct"

    ui.go("/kols?q=包包")
    assert "包包研究所" in ui.page.locator("#kol-table").inner_text()
    ui.assert_no_console_errors()


def test_label_train_promote_round_trip(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.admin)
    ui.go("/labelling")
    total = ui.page.locator("#labelled-total")
    before = int(total.inner_text())
    card = ui.page.locator(".label-card:not([hidden])")

    # keyboard: 1 = positive, q toggles "question", Enter saves and moves on
    first = card.get_attribute("data-comment-id")
    question = card.locator("[data-intent='question']")
    was = question.get_attribute("aria-pressed")
    ui.page.keyboard.press("1")
    ui.page.keyboard.press("q")
    assert question.get_attribute("aria-pressed") != was
    ui.page.keyboard.press("Enter")
    expect(total).to_have_text(str(before + 1))
    assert card.get_attribute("data-comment-id") != first

    # Enter without a sentiment is refused with a message, nothing is stored
    ui.page.keyboard.press("Enter")
    assert "Choose a sentiment" in ui.page.locator("#label-status").inner_text()
    # skip with the arrow key, then label with clicks
    skipped = card.get_attribute("data-comment-id")
    ui.page.keyboard.press("ArrowRight")
    assert card.get_attribute("data-comment-id") != skipped
    card.locator("[data-sentiment='neutral']").click()
    card.locator("button.save").click()
    expect(total).to_have_text(str(before + 2))
    ui.page.keyboard.press(NUMBER_KEYS[2])
    ui.page.keyboard.press("Enter")
    expect(total).to_have_text(str(before + 3))

    ui.page.click("#start-training")
    ui.page.wait_for_selector("#training[data-job-state]", timeout=150_000)
    assert ui.page.get_attribute("#training", "data-job-state") == "succeeded", ui.page.locator(
        "#training-error"
    ).inner_text()
    assert f"{before + 3} labelled rows" in ui.page.locator("#training-result .notice").inner_text()
    ui.shot("11-training-finished")

    new_versions = {}
    for task in ("sentiment", "intents"):
        result = ui.page.locator(f".task-result[data-task='{task}']")
        new_versions[task] = result.get_attribute("data-version")
        result.locator("button.promote-new").click()
        ui.page.wait_for_selector(f".task-result[data-task='{task}'][data-promoted='true']")
    serving = ui.page.request.get(live_server.url + "/v1/models").json()["serving"]
    assert (serving["sentiment"], serving["intents"]) == (new_versions["sentiment"], new_versions["intents"])

    ui.go("/models")
    current = {task: ui.page.locator(f"details.model.current[data-task='{task}']") for task in new_versions}
    for task, version in new_versions.items():
        assert current[task].get_attribute("data-version") == version
    ui.shot("12-models-after-promotion")

    # roll the new sentiment model back: the page reloads with the previous version current
    older = ui.page.locator("details.model[data-task='sentiment']:not(.current)").first
    previous = older.get_attribute("data-version")
    current["sentiment"].locator("button.rollback").click()
    expect(current["sentiment"]).to_have_attribute("data-version", str(previous), timeout=15_000)
    assert ui.page.request.get(live_server.url + "/v1/models").json()["serving"]["sentiment"] == previous
    ui.assert_no_console_errors()


def test_read_key_sees_clear_messages(ui: Ui, live_server: LiveServer) -> None:
    ui.sign_in(live_server.seeded.demo.reader)
    ui.go("/models")
    assert ui.page.locator("#admin-needed").is_visible()
    assert all(b.is_disabled() for b in ui.page.locator("button.promote, button.rollback").all())
    ui.go("/upload", status=403)
    assert "Not allowed with this key" in ui.page.locator("h1").inner_text()
    ui.shot("13-forbidden-upload")
    ui.assert_no_console_errors(allow_http_errors=True)


def test_key_of_one_workspace_cannot_open_the_other_workspaces_pages(ui: Ui, live_server: LiveServer) -> None:
    seeded = live_server.seeded
    ui.sign_in(seeded.demo.reader)
    ui.go("/kols")
    with ui.page.expect_navigation():
        ui.page.click("#sign-out")
    assert "You are signed out" in ui.page.locator(".login").inner_text()

    ui.sign_in(seeded.rival.admin)
    ui.go("/kols")
    ids = ui.page.locator("#kol-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.kolId)")
    assert ids == [str(seeded.rival_kol_id)]
    assert "对手品牌的博主" in ui.page.locator("#kol-table").inner_text()
    for path in (f"/kols/{seeded.demo_kol_ids[0]}", f"/campaigns/{seeded.demo_campaign_id}"):
        ui.go(path, status=404)
        assert ui.page.locator(".error-code").inner_text() == "404"
    ui.shot("14-other-workspace-404")
    ui.go(f"/kols/{seeded.rival_kol_id}")
    ui.shot("15-rival-kol")

    # revoking the key in use ends the session with a clear page
    keys = ui.page.request.get(
        live_server.url + "/v1/keys", headers={"Authorization": f"Bearer {seeded.rival.admin}"}
    ).json()
    writer = next(k for k in keys if k["name"] == "tests writer")
    ui.sign_in(seeded.rival.writer)
    revoked = ui.page.request.delete(
        f"{live_server.url}/v1/keys/{writer['id']}", headers={"Authorization": f"Bearer {seeded.rival.admin}"}
    )
    assert revoked.status == 204
    ui.go("/kols", status=401)
    assert "Session expired" in ui.page.locator("h1").inner_text()
    ui.shot("16-session-expired")
    ui.assert_no_console_errors(allow_http_errors=True)


def test_pdf_report_downloads_from_the_vetting_page_and_has_the_verdict(
    ui: Ui, live_server: LiveServer
) -> None:
    import io
    from pathlib import Path

    pypdf = pytest.importorskip("pypdf")
    ui.sign_in(live_server.seeded.demo.admin)
    ui.go(f"/kols/{live_server.seeded.demo_kol_ids[0]}")
    verdict = ui.page.locator("#verdict .verdict-word").inner_text()
    with ui.page.expect_download(timeout=90_000) as info:
        ui.page.click("#report-pdf")
    path = info.value.path()
    data = Path(path).read_bytes()
    assert data[:5] == b"%PDF-"
    text = " ".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert f"Verdict: {verdict}" in text
    ui.assert_no_console_errors()
