"""GET /v1/kols/{id}/report and /v1/campaigns/{id}/report as files to hand on: standalone HTML
(verdict, reasons, model versions, no navigation or key prefix) and PDF (printed by Chromium, or a
503 that names the HTML report)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.reports.pdf import find_chromium
from tests.utils.client import auth
from tests.utils.factories import World, seed_world


def _get(client: TestClient, world: World, path: str) -> tuple[int, bytes, dict[str, str]]:
    response = client.get(path, headers=auth(world.a.reader))
    return response.status_code, response.content, dict(response.headers)


def test_vetting_report_html_carries_verdict_reasons_and_versions(client: TestClient, world: World) -> None:
    vetting = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader)).json()
    status, body, headers = _get(client, world, f"/v1/kols/{world.a.kol_id}/report?format=html")
    assert status == 200
    html = body.decode()
    assert headers["content-type"].startswith("text/html") and "attachment" in headers["content-disposition"]
    assert "default-src 'none'" in headers["content-security-policy"]
    verdict = {"recommend": "Recommend", "caution": "Caution", "avoid": "Avoid"}[
        vetting["verdict"]["decision"]
    ]
    cover = html[html.index('id="cover"') : html.index('id="growth"')]
    assert f"Verdict: {verdict}" in cover
    for reason in vetting["verdict"]["reasons"]:
        assert reason["message"].replace("'", "&#39;").replace('"', "&#34;") in cover
    assert vetting["model_version"] in html and "Method and model versions" in html
    assert "<nav" not in html and "<script" not in html and "rl_" not in html
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None
    assert html.count("<svg") >= 4 and 'class="legend"' in html


def test_vetting_report_in_chinese(client: TestClient, world: World) -> None:
    status, body, _ = _get(client, world, f"/v1/kols/{world.a.kol_id}/report?format=html&lang=zh_CN")
    html = body.decode()
    assert status == 200 and '<html lang="zh-CN">' in html
    assert "方法与模型版本" in html and "审核报告" in html


def test_pdf_without_chromium_is_503_naming_the_html_report(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    app = create_app(make_settings(chromium=tmp_path / "no-chromium"))
    with TestClient(app) as client:
        world = seed_world(app.state.services.session_factory)
        for path in (f"/v1/kols/{world.a.kol_id}/report", f"/v1/campaigns/{world.a.campaign_id}/report"):
            response = client.get(f"{path}?format=pdf", headers=auth(world.a.reader))
            assert response.status_code == 503, response.text
            problem = response.json()
            assert problem["type"].endswith("/pdf-unavailable")
            assert "[pdf] extra" in problem["detail"] and "format=html" in problem["detail"]
            assert problem["html_url"].endswith("format=html")
            assert client.get(problem["html_url"], headers=auth(world.a.reader)).status_code == 200


@pytest.mark.slow
def test_pdf_reports_open_and_carry_the_verdict(client: TestClient, world: World, app: FastAPI) -> None:
    if find_chromium(app.state.services.settings.chromium) is None:
        pytest.skip("no chromium on PATH (apt-get install chromium) to print the PDF with")
    pypdf = pytest.importorskip("pypdf")
    vetting = client.get(f"/v1/kols/{world.a.kol_id}/vetting", headers=auth(world.a.reader)).json()
    status, body, headers = _get(client, world, f"/v1/kols/{world.a.kol_id}/report?format=pdf")
    assert status == 200 and headers["content-type"] == "application/pdf" and body[:5] == b"%PDF-"
    reader = pypdf.PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 2  # the cover has a page of its own
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    word = {"recommend": "Recommend", "caution": "Caution", "avoid": "Avoid"}[vetting["verdict"]["decision"]]
    assert f"Verdict: {word}" in text and "Method and model versions" in text
    status, body, _ = _get(client, world, f"/v1/campaigns/{world.a.campaign_id}/report?format=pdf")
    campaign_text = " ".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert status == 200 and "Spring Glow" in campaign_text and "KPI table" in campaign_text
