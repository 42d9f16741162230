"""service.comment_analysis: comment files in, one record per row out; submitted and stored comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.comments import MAX_TEXT_CHARS, load_comment_models
from models.labels import INTENTS
from service.comment_analysis import (
    OUTPUT_COLUMNS,
    analyze_items,
    analyze_rows,
    file_record,
    intent_flags,
    intent_probabilities,
    predict_pending,
    read_comment_file,
    text_problem,
)
from service.ingest.readers import InputFileError
from service.store.tables import Comment
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
        "invalid JSON at line 2 column 2" in records[1]["error"]
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


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("好看", None),
        ("x" * MAX_TEXT_CHARS, None),
        (
            "x" * (MAX_TEXT_CHARS + 1),
            f"text is {MAX_TEXT_CHARS + 1} characters; the limit is {MAX_TEXT_CHARS}",
        ),
        (None, "missing text"),
        (12, "text must be a string, got int"),
        (" \n", "empty text"),
    ],
)
def test_text_problem_is_the_one_policy(value: object, problem: str | None) -> None:
    assert text_problem(value) == problem


def test_file_record_is_the_flat_form_of_the_serialised_prediction(models_template: Path) -> None:
    prediction = load_comment_models(models_template).predict(["求链接！！"])[0]
    data, record = prediction.to_dict(), file_record(prediction)
    assert set(record) == set(OUTPUT_COLUMNS) - {"line", "id", "text"}
    assert record["sentiment"] == data["sentiment"] and record["model_version"] == data["model_version"]
    for name, intent in data["intents"].items():
        assert (record[f"{name}_p"], record[name]) == (intent["probability"], intent["flag"])


def _stored(comment_id: int, text: str | None, model_version: str | None = None) -> Comment:
    return Comment(id=comment_id, workspace_id=1, note_id=1, text=text, model_version=model_version)


def test_stored_comments_follow_the_text_policy_and_store_the_serialised_intents(
    models_template: Path,
) -> None:
    models = load_comment_models(models_template)
    comments = [
        _stored(1, "求链接！！"),
        _stored(2, ""),  # picture-only reply
        _stored(3, "好" * (MAX_TEXT_CHARS + 1)),  # refused, never cut
        _stored(4, "好看", model_version=models.version),  # analysed by these models already
    ]
    analyses = predict_pending(comments, models)
    assert [a.comment_id for a in analyses] == [1]
    expected = models.predict(["求链接！！"])[0].to_dict()
    assert analyses[0].intents == expected["intents"]
    stored = _stored(1, "求链接！！")
    stored.intents = dict(analyses[0].intents)
    assert intent_probabilities(stored) == {n: v["probability"] for n, v in expected["intents"].items()}
    assert intent_flags(stored) == {n: v["flag"] for n, v in expected["intents"].items()}


def test_analyze_items_answers_each_item_in_order(models_template: Path) -> None:
    items = [{"id": "a", "text": "求链接"}, {"id": "b", "text": ""}, {"id": "c", "text": "好看"}]
    result = analyze_items(items, load_comment_models(models_template))
    assert (result["analyzed"], result["errors"]) == (2, 1)
    assert [(r["index"], r["id"], r["status"]) for r in result["results"]] == [
        (0, "a", "ok"),
        (1, "b", "error"),
        (2, "c", "ok"),
    ]
    assert result["results"][1]["error"] == "empty text"


def test_read_comment_file_unwraps_a_json_object_of_comments(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"comments": [{"id": 7, "content": "求链接"}, "oops"]}), encoding="utf-8")
    rows, column = read_comment_file(path)
    assert column == "content"
    assert [(r.line, r.id, r.text, r.error) for r in rows] == [
        (1, "7", "求链接", None),
        (2, None, None, "not a JSON object"),
    ]
