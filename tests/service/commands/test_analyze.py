"""``redlens analyze``: files in, formula-safe CSV or JSONL out, clear errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.utils.files import write_csv

runner = CliRunner()


@pytest.fixture
def env(models_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from service.config import get_settings

    monkeypatch.setenv("REDLENS_MODELS_DIR", str(models_template))
    get_settings.cache_clear()
    yield models_template
    get_settings.cache_clear()


def test_cli_analyze_writes_formula_safe_csv(env: Path, tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv", [{"text": '=HYPERLINK("http://x")'}, {"text": "好看"}, {"text": " "}]
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["analyze", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert rows[0]["text"].startswith("'=")
    assert rows[2]["status"] == "error" and rows[2]["error"] == "empty text"


def test_cli_analyze_reads_xlsx(env: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["评论id", "评论内容"])
    ws.append(["a1", "这个色号黄黑皮能用吗"])
    ws.append(["a2", None])
    wb.save(tmp_path / "spider.xlsx")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["analyze", str(tmp_path / "spider.xlsx"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == ["a1", "a2"]
    assert recs[1]["status"] == "error" and recs[1]["error"] == "missing text"


def test_cli_analyze_names_a_missing_input(env: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_cli_analyze_says_how_to_install_the_dask_extra(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.commands import analyze as command

    monkeypatch.setattr(command, "dask_installed", lambda: False)
    src = write_csv(tmp_path / "in.csv", [{"text": "好看"}])
    result = runner.invoke(app, ["analyze", str(src), "--dask-scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert 'pip install -e ".[dask]"' in result.output


def test_cli_analyze_refuses_an_unknown_output_format(env: Path, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [{"text": "好看"}])
    result = runner.invoke(app, ["analyze", str(src), "--format", "xml"])
    assert result.exit_code == 2
    assert "--format 'xml' is not one of jsonl, csv" in result.output
