"""POST /v1/ingest with hostile and foreign files: a bomb workbook, GBK text, rows without
content. Summaries name the files as uploaded, never the staging names (000.csv...)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.utils.client import upload
from tests.utils.factories import World
from tests.utils.files import inline_row, repeated, write_xlsx_parts


def comment(n: int, **values: object) -> dict[str, object]:
    row = {"comment_id": f"u{n}", "create_time": 1714000000000 + n, "note_id": "n1", "creator_hash": "h1"}
    return {**row, "content": "好看", **values}


def test_ingest_a_decompression_bomb_is_refused_in_its_summary(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    bomb = write_xlsx_parts(
        tmp_path / "b.xlsx",
        [inline_row(1, ["comment_id"]), *repeated(row, 32 << 20)],
        dimension=None,
    )
    response = upload(
        client,
        "/v1/ingest",
        world.a.writer,
        "评论导出.xlsx",
        bomb.read_bytes(),
        "application/octet-stream",
        field="files",
        params={"mode": "now"},
    )
    assert response.status_code == 200, response.text
    summary = response.json()["files"][0]
    assert (summary["path"], summary["ok"], summary["rows"]) == ("评论导出.xlsx", False, 0)
    assert "compression ratio above 100" in summary["failed"]


def test_ingest_names_the_uploaded_files_and_keeps_the_good_rows(client: TestClient, world: World) -> None:
    no_content = {k: v for k, v in comment(2).items() if k != "content"}
    lines = [json.dumps(comment(1, content="求链接！黄皮能用吗"), ensure_ascii=False), json.dumps(no_content)]
    response = upload(
        client,
        "/v1/ingest",
        world.a.writer,
        "我的评论.jsonl",
        ("\n".join(lines) + "\n").encode("gbk"),
        "application/json",
        field="files",
        params={"mode": "now"},
    )
    assert response.status_code == 200, response.text
    summary = response.json()["files"][0]
    assert (summary["path"], summary["inserted"], summary["rejected"]) == ("我的评论.jsonl", 1, 1)
    assert summary["errors"] == [
        {
            "file": "我的评论.jsonl",
            "line": 2,
            "column": "content",
            "reason": "is missing: an object without content is not a comment",
            "value": None,
        }
    ]
    assert "000.jsonl" not in response.text
