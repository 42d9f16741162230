"""Reading files row by row: the kind told from the content whatever its size, every encoding
accepted decoded (never replaced by �), nesting and number limits, and reads that stop early
saying so."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from service.ingest.core import _choose_header
from service.ingest.readers import InputFileError, TableReader, sniff_kind

CHINESE = "求链接！黄皮能用吗"


def read_all(path: Path) -> tuple[TableReader, list[tuple[int, Any, str | None]]]:
    reader = TableReader(path)
    try:
        reader.open(_choose_header)
        return reader, [(row.line, row.values, row.error) for row in reader]
    finally:
        reader.close()


def test_json_lines_with_a_first_line_over_256_kb_are_json_lines(tmp_path: Path) -> None:
    lines = [{"comment_id": "c0", "content": "长" * 200_000}] + [
        {"comment_id": f"c{n}", "content": "好看"} for n in range(1, 1000)
    ]
    path = tmp_path / "comments.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    assert sniff_kind(path) == "jsonl"
    path.rename(tmp_path / "comments.json")
    assert sniff_kind(tmp_path / "comments.json") == "jsonl"
    reader, rows = read_all(tmp_path / "comments.json")
    assert len(rows) == 1000 and reader.incomplete is None
    assert [values["comment_id"] for _, values, _ in rows] == [f"c{n}" for n in range(1000)]


def test_a_pretty_printed_object_is_one_json_object(tmp_path: Path) -> None:
    path = tmp_path / "info.json"
    path.write_text(json.dumps({"note_id": "n1", "title": CHINESE}, indent=2), encoding="utf-8")
    assert sniff_kind(path) == "json"
    _, rows = read_all(path)
    assert rows == [(1, {"note_id": "n1", "title": CHINESE}, None)]


def test_content_after_a_json_object_is_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"a": 1}, indent=2) + "\n" + json.dumps({"a": 2}, indent=2), encoding="utf-8")
    reader, rows = read_all(path)
    assert rows[0] == (1, {"a": 1}, None)
    assert rows[1][0] == 4 and rows[1][1] is None
    assert reader.incomplete == f"line 4: {rows[1][2]}"
    assert rows[1][2] == "unexpected content after the JSON object; the rest of the file was not read"


def test_content_after_a_json_array_is_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text('[{"a": 1}]\n[{"a": 2}]\n', encoding="utf-8")
    reader, rows = read_all(path)
    assert rows[0] == (1, {"a": 1}, None)
    assert rows[1] == (2, None, "unexpected content after the closing ]; the rest of the file was not read")
    assert reader.incomplete == f"line 2: {rows[1][2]}"


def test_a_broken_json_array_says_where_reading_stopped(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"a": 1},\n{"a": 2\n, {"a": 3}]', encoding="utf-8")
    reader, rows = read_all(path)
    assert rows[0] == (1, {"a": 1}, None)
    assert reader.incomplete is not None and "the rest of the file was not read" in reader.incomplete


def test_deeply_nested_json_lines_are_row_errors(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "deep.jsonl"
    path.write_text(f'{{"a": 1}}\n{{"a": {deep}}}\n{{"a": 3}}\n', encoding="utf-8")
    reader, rows = read_all(path)
    assert [(line, values) for line, values, _ in rows] == [(1, {"a": 1}), (2, None), (3, {"a": 3})]
    assert rows[1][2] is not None and "nested deeper than" in rows[1][2]
    assert reader.incomplete is None


@pytest.mark.parametrize("shape", ["array", "object"])
def test_deeply_nested_json_files_are_an_error_not_a_crash(tmp_path: Path, shape: str) -> None:
    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "deep.json"
    path.write_text(f'[{{"a": 1}}, {{"a": {deep}}}]' if shape == "array" else f'{{"a": {deep}}}', "utf-8")
    if shape == "object":  # nothing readable at all: the file is the error
        with pytest.raises(InputFileError, match="nested deeper than"):
            read_all(path)
        return
    reader, rows = read_all(path)
    assert rows[-1][1] is None and "nested deeper than" in str(rows[-1][2])
    assert reader.incomplete is not None


def test_a_5000_digit_number_is_read_as_its_digits(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text('{"like_count": ' + "9" * 5000 + "}\n", encoding="utf-8")
    _, rows = read_all(path)
    assert rows == [(1, {"like_count": "9" * 5000}, None)]


def test_gb18030_csv_after_a_long_ascii_start_is_decoded(tmp_path: Path) -> None:
    """The encoding is told from the whole file: 300 KB of ASCII first, then GBK comments."""
    text = "id,text\n" + "".join(f"a{n},ok\n" for n in range(40_000)) + f"z1,{CHINESE}\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    assert path.stat().st_size > 256 * 1024
    reader, rows = read_all(path)
    assert reader.encoding == "gb18030"
    assert rows[-1][1] == {"id": "z1", "text": CHINESE}
    assert not any("�" in str(values) for _, values, _ in rows)


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_gb18030_json_is_decoded(tmp_path: Path, suffix: str) -> None:
    items = [{"comment_id": "c1", "content": CHINESE}, {"comment_id": "c2", "content": "好看"}]
    body = "\n".join(json.dumps(i, ensure_ascii=False) for i in items)
    path = tmp_path / f"gbk{suffix}"
    path.write_bytes((body if suffix == ".jsonl" else f"[{body.replace(chr(10), ',')}]").encode("gb18030"))
    _, rows = read_all(path)
    assert [values for _, values, _ in rows] == items


def test_undecodable_csv_lines_are_row_errors_not_replacement_characters(tmp_path: Path) -> None:
    data = f"id,text\na1,{CHINESE}\n".encode() + b"a2,\xff\xfe broken\n" + "a3,好看\n".encode()
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    reader, rows = read_all(path)
    assert [(line, values) for line, values, _ in rows] == [
        (2, {"id": "a1", "text": CHINESE}),
        (3, None),
        (4, {"id": "a3", "text": "好看"}),
    ]
    assert "line 3 is neither UTF-8" in str(rows[1][2])
    assert any("1 line(s)" in warning for warning in reader.warnings)


def test_an_undecodable_json_file_is_refused_naming_the_encodings(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'[{"text": "\xff\xfe\xff"}]')
    with pytest.raises(InputFileError, match="GB18030/GBK"):
        read_all(path)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("chart.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image, not a CSV file"),
        ("photo.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF", "this is a JPEG image, not a CSV file"),
        ("anim.json", b"GIF89a\x01\x00", "this is a GIF image, not a JSON file"),
        ("report.csv", b"%PDF-1.7\n%\xe2\xe3", "this is a PDF document, not a CSV file"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8, "this is an old Office file"),
    ],
)
def test_files_that_are_no_table_say_what_they_are(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=re.escape(expected)):
        read_all(path)


def test_a_zip_that_is_no_workbook_is_named_so(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.csv", "a,b\n")
    with pytest.raises(
        InputFileError, match=re.escape("this is a ZIP archive, not an Excel workbook (.xlsx)")
    ):
        read_all(path)


def test_broken_json_names_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('[\n  {"note_id": "a",\n   title: "x"}\n]', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"^invalid JSON at line 3 column 4 \(Expecting property name"):
        read_all(path)
