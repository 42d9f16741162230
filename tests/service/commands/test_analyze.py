"""``redlens analyze``: files in, formula-safe CSV or JSONL out, clear errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.utils.files import inline_row, repeated, write_csv, write_xlsx_parts

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


def one_error_line(result: Any) -> str:
    """The command failed with exit status 2 and one line, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no uncaught exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return str(lines[0])


@pytest.mark.parametrize("content", [b"hello, not a zip", b"PK\x03\x04garbage", b""])
def test_cli_analyze_an_xlsx_that_is_no_workbook_is_one_line(
    env: Path, tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "x.xlsx").write_bytes(content)
    line = one_error_line(runner.invoke(app, ["analyze", str(tmp_path / "x.xlsx")]))
    assert line.startswith("error: x.xlsx: not a readable .xlsx workbook")


def test_cli_analyze_refuses_a_decompression_bomb_in_one_line(env: Path, tmp_path: Path) -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    bomb = write_xlsx_parts(
        tmp_path / "bomb.xlsx", [inline_row(1, ["text"]), *repeated(row, 32 << 20)], dimension=None
    )
    line = one_error_line(runner.invoke(app, ["analyze", str(bomb)]))
    assert "bomb.xlsx" in line and "compression ratio above 100" in line


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_cli_analyze_reads_gbk_files_as_chinese(env: Path, tmp_path: Path, suffix: str) -> None:
    texts = ["求链接！黄皮能用吗", "滤镜太重了吧"]
    body = (
        "text\n" + "\n".join(texts)
        if suffix == ".csv"
        else "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts)
    )
    src = tmp_path / f"gbk{suffix}"
    src.write_bytes((body + "\n").encode("gbk"))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["analyze", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["text"], r["status"]) for r in records] == [(t, "ok") for t in texts]


def test_cli_analyze_undecodable_lines_are_errors_not_garbage(env: Path, tmp_path: Path) -> None:
    src = tmp_path / "mixed.csv"
    src.write_bytes("text\n好看\n".encode() + b"\xff\xfe\xff\n" + "求链接\n".encode())
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["analyze", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["status"]) for r in records] == [(2, "ok"), (3, "error"), (4, "ok")]
    assert "neither UTF-8" in records[1]["error"] and "�" not in out.read_text(encoding="utf-8")


def test_cli_analyze_deeply_nested_json_is_a_row_error(env: Path, tmp_path: Path) -> None:
    src = tmp_path / "deep.jsonl"
    src.write_text('{"text": "好看"}\n{"text": ' + "[" * 5000 + "]" * 5000 + "}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["analyze", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in records] == ["ok", "error"]
    assert "nested deeper than" in records[1]["error"]
