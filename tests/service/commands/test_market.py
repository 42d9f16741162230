"""``redlens market brands|report|campaign`` on the keyword-search fixtures (through ``redlens ingest``)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from service.cli import app as cli
from service.config import Settings
from tests.utils.market import BRANDS, CAMPAIGN, CAMPAIGN_CSV, EXPORTS, FIXTURES


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_market_commands_set_brands_report_weeks_and_a_campaign(cli_env: Settings, tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.csv"
    campaign.write_text(CAMPAIGN_CSV, encoding="utf-8")
    files = [str(FIXTURES / name) for name in EXPORTS]
    _run("ingest", *files, str(campaign), "-w", "acme", "--create-workspace")
    brands = tmp_path / "brands.json"
    brands.write_text(json.dumps(BRANDS, ensure_ascii=False), encoding="utf-8")

    stored = json.loads(_run("market", "brands", "-w", "acme", "--set", str(brands)))
    report = _run("market", "report", "-w", "acme")
    weekly = json.loads(_run("market", "report", "-w", "acme", "--json", "--since", "2026-03-09"))
    market = json.loads(_run("market", "campaign", CAMPAIGN, "-w", "acme"))

    assert [b["name"] for b in stored] == ["朵拉朵尚", "兰蔻", "珀莱雅"]
    assert "朵拉朵尚 (own): 7 mentions (4 notes, 3 comments), share of voice 50.0%" in report
    assert weekly["weeks"] == ["2026-03-09"]
    assert market["ugc"]["ugc_lift"]["value"] == 1.0


def test_market_brands_refuses_a_bad_file(cli_env: Settings, tmp_path: Path) -> None:
    _run("keys", "create", "-w", "acme", "--create-workspace")
    bad = tmp_path / "brands.json"
    bad.write_text(json.dumps([{"name": "A", "own": True}, {"name": "B", "own": True}]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["market", "brands", "-w", "acme", "--set", str(bad)])
    assert result.exit_code == 2
    assert "only one brand can be the workspace's own" in result.output
