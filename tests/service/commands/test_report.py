"""``redlens report campaign|vetting``: the files the API serves, written by the CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import app as cli
from service.config import Settings
from service.main import create_app
from tests.utils.factories import seed_world


@pytest.fixture
def seeded(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Settings:
    settings = make_settings()
    monkeypatch.setenv("REDLENS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDLENS_MODELS_DIR", str(settings.models_dir))
    monkeypatch.setenv("REDLENS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("REDLENS_CHROMIUM", str(tmp_path / "no-chromium"))
    from service.config import get_settings

    get_settings.cache_clear()
    app = create_app(settings)
    with TestClient(app):
        seed_world(app.state.services.session_factory)
    yield settings
    get_settings.cache_clear()


def test_report_commands_write_html_csv_and_explain_a_missing_chromium(
    seeded: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / "vetting.html"
    result = runner.invoke(cli, ["report", "vetting", "kol-brand-a", "-w", "brand-a", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Verdict:" in out.read_text(encoding="utf-8")
    result = runner.invoke(
        cli, ["report", "campaign", "Spring Glow", "-w", "brand-a", "--format", "csv", "--by", "note"]
    )
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 3
    result = runner.invoke(
        cli, ["report", "vetting", "kol-brand-a", "-w", "brand-a", "-f", "pdf", "-o", str(tmp_path / "v.pdf")]
    )
    assert result.exit_code == 3 and "[pdf] extra" in result.output and "--format html" in result.output
    result = runner.invoke(cli, ["report", "campaign", "Spring Glow", "-w", "brand-a", "--format", "docx"])
    assert result.exit_code == 2 and "json, csv, html, pdf" in result.output
