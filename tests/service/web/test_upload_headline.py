"""The upload page's script writes its status line and result headline through the page's catalogue."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from service.config import ROOT
from service.web import i18n
from service.web.rendering import STATIC_DIR
from tests.utils.web import FIXTURES, HTML, Seeded, sign_in

SCRIPT = STATIC_DIR / "app.js"
SUMMARY = {
    "ok": True,
    "totals": {
        "rows": 1200,
        "inserted": 1150,
        "updated": 30,
        "unchanged": 20,
        "duplicates": 0,
        "rejected": 0,
    },
    "comments_analyzed": 1150,
    "files": [{"path": "notes.csv", "rows": 1200, "inserted": 1150, "updated": 30, "unchanged": 20}],
    "touched": {},
}


def _translated_calls(source: str) -> set[str]:
    """Every string literal passed directly to the script's ``t(...)`` (both arms of a ``?:``; not
    the operand of a comparison in its condition)."""
    found = set()
    for start in (m.end() for m in re.finditer(r"(?<![\w.$])t\(", source)):
        depth, i = 1, start
        while depth and i < len(source):
            char = source[i]
            if char == '"':
                end = source.index('"', i + 1)
                compared = source[:i].rstrip().endswith("==")  # the operand of a test, not a message
                if depth == 1 and end > i + 1 and not compared:
                    found.add(source[i + 1 : end])
                i = end
            elif char in "({[":
                depth += 1
            elif char in ")}]":
                depth -= 1
            i += 1
    return found


def _page_messages(client: Any, seeded: Seeded, language: str) -> dict[str, str]:
    sign_in(client, seeded.demo.writer)
    client.cookies.set("redlens_lang", language)
    page = client.get("/upload", headers=HTML).text
    block = re.search(r'<script type="application/json" id="js-messages">(.*?)</script>', page, re.S)
    return json.loads(block.group(1)) if block else {}


def test_every_message_the_script_translates_is_in_the_catalogue() -> None:
    called = _translated_calls(SCRIPT.read_text(encoding="utf-8"))
    assert {"Imported. %(counts)s", "Nothing imported. %(why)s", "Uploading…"} <= called
    assert called <= set(i18n.JS_MESSAGES), sorted(called - set(i18n.JS_MESSAGES))
    untranslated = [m for m in called if i18n.gettext("zh_CN", m) == m]
    assert not untranslated


def test_the_upload_section_writes_no_english_outside_the_catalogue() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    upload = source.split("// ------------------------------------------------------------------ upload", 1)[
        1
    ]
    upload = upload.split("// ------------------------------------------------------------------ models", 1)[
        0
    ]
    shown = re.findall(r'(?:text:\s*|textContent\s*=\s*|fail\()"([^"]*[A-Za-z][^"]*)"', upload)
    assert not shown


def test_the_chinese_upload_page_carries_the_headline_in_chinese(client: Any, seeded: Seeded) -> None:
    chinese = _page_messages(client, seeded, "zh_CN")
    for message in (
        "Imported. %(counts)s",
        "Imported with problems. %(counts)s",
        "Nothing imported. %(why)s",
    ):
        assert re.search(r"[\u4e00-\u9fff]", chinese[message]), message
    assert _page_messages(client, seeded, "en") == {}


def _headline(messages: dict[str, str], summary: dict[str, Any]) -> dict[str, str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH to run the page script with")
    done = subprocess.run(
        [node, str(FIXTURES / "upload_headline.js"), str(SCRIPT), json.dumps(messages), json.dumps(summary)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(done.stdout))


def test_the_headline_follows_the_page_language(client: Any, seeded: Seeded) -> None:
    english = _headline(_page_messages(client, seeded, "en"), SUMMARY)
    assert english == {
        "headline": "Imported. 1,200 rows read: 1,150 new, 30 updated, 20 unchanged, 0 duplicates, 0 rejected. "
        "1,150 comments analysed.",
        "className": "notice",
    }
    chinese = _headline(_page_messages(client, seeded, "zh_CN"), SUMMARY)
    assert chinese == {
        "headline": "已导入。共读取 1,200 行：新增 1,150，更新 30，未变 20，重复 0，拒收 0。已分析 1,150 条评论。",
        "className": "notice",
    }


def test_a_failed_import_headline_is_translated_too(client: Any, seeded: Seeded) -> None:
    failed = {
        "ok": False,
        "totals": {"rows": 0},
        "files": [{"path": "x.csv", "failed": "unknown format", "rows": 0}],
    }
    assert _headline({}, failed)["headline"] == "Nothing imported. x.csv: unknown format"
    chinese = _headline(_page_messages(client, seeded, "zh_CN"), failed)
    assert chinese == {"headline": "没有导入任何数据。x.csv：unknown format", "className": "error"}
