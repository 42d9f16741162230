"""service.comment_analysis: comment files in, one record per row out; submitted and stored comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.comments import load_comment_models
from models.labels import INTENTS
from service.comment_analysis import analyze_rows, read_comment_file
from service.ingest.readers import InputFileError
from tests.utils.files import write_csv


def test_read_comment_file_finds_mediacrawler_content_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv", [{"comment_id": "1", "content": "求链接"}, {"comment_id": "2", "content": ""}]
    )
    rows, col = read_comment_file(path)
    assert col == "content"
    assert [(r.line, r.id, r.text) for r in rows] == [(2, "1", "求链接"), (3, "2", "")]


def test_read_comment_file_rejects_a_file_without_text_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [{"note_id": "1", "likes": "3"}])
    with pytest.raises(InputFileError, match="expected one of"):
        read_comment_file(path)


def test_read_comment_file_rejects_unknown_suffix(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("hi", encoding="utf-8")
    with pytest.raises(InputFileError, match="unsupported file type"):
        read_comment_file(tmp_path / "c.txt")


def test_analyze_rows_keeps_one_record_per_row_and_reports_bad_ones(
    tmp_path: Path, models_template: Path
) -> None:
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"text": "求链接！！"}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": 12}),
        json.dumps({"text": "x" * 2001}),
        json.dumps({"text": "是广告吗？"}, ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, _ = read_comment_file(path)
    models = load_comment_models(models_template)
    records, summary = analyze_rows(rows, models, models_dir=models_template)
    assert [r["status"] for r in records] == ["ok", "error", "error", "error", "ok"]
    assert (
        "not valid JSON" in records[1]["error"]
        and "string" in records[2]["error"]
        and "2000" in records[3]["error"]
    )
    assert (summary.rows, summary.ok, summary.errors) == (5, 2, 3)
    ok = records[0]
    assert ok["sentiment"] in ("positive", "neutral", "negative")
    assert abs(ok["p_positive"] + ok["p_neutral"] + ok["p_negative"] - 1) < 1e-3
    assert all(isinstance(ok[i], bool) and 0 <= ok[f"{i}_p"] <= 1 for i in INTENTS)


def test_analyze_rows_same_results_with_worker_processes(models_template: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv", [{"text": t} for t in ["求链接", "好看", "踩雷了", "是广告吗", "互关"] * 6]
    )
    rows, _ = read_comment_file(path)
    models = load_comment_models(models_template)
    single, _ = analyze_rows(rows, models, models_dir=models_template, batch_size=7)
    multi, _ = analyze_rows(rows, models, models_dir=models_template, batch_size=7, workers=2)
    assert single == multi


@pytest.mark.slow
def test_analyze_over_a_local_dask_cluster(models_template: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    path = write_csv(tmp_path / "c.csv", [{"text": t} for t in ["求链接", "好看", "踩雷了", "是广告吗"] * 5])
    rows, _ = read_comment_file(path)
    models = load_comment_models(models_template)
    local, _ = analyze_rows(rows, models, models_dir=models_template, batch_size=6)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote, _ = analyze_rows(
            rows, models, models_dir=models_template, batch_size=6, dask_scheduler=cluster.scheduler_address
        )
    assert remote == local
