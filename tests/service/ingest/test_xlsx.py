"""Bounded reading of XLSX workbooks: decompression bombs, sheets without a dimension, caps on
rows, cells and shared strings, a time budget, broken archives. The hostile files are built here.

Every test asserts a refusal (or the rows read), never a duration."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from service.ingest import xlsx
from service.ingest.core import _choose_header
from service.ingest.readers import InputFileError, TableReader
from tests.utils.files import inline_row, repeated, write_xlsx_parts


def read_all(path: Path) -> tuple[list[str], list[tuple[int, Any, str | None]]]:
    """The header and every row (line, values, error) of a file, as ingest reads them."""
    reader = TableReader(path)
    try:
        reader.open(_choose_header)
        return reader.headers, [(row.line, row.values, row.error) for row in reader]
    finally:
        reader.close()


def header_and(rows: list[bytes]) -> list[bytes]:
    return [inline_row(1, ["id", "text"]), *rows]


def test_a_small_archive_holding_a_huge_sheet_is_refused_before_parsing(tmp_path: Path) -> None:
    """32 MB of sheet XML compressed to a few hundred KB: refused from the archive's directory."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    path = write_xlsx_parts(tmp_path / "bomb.xlsx", header_and(list(repeated(row, 32 << 20))), dimension=None)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(InputFileError, match=r"xl/worksheets/sheet1\.xml.*compression ratio"):
        read_all(path)


def test_a_huge_shared_string_is_refused(tmp_path: Path) -> None:
    big = [b"<si><t>", *repeated(b"a" * 1024, 32 << 20), b"</t></si>"]
    path = write_xlsx_parts(tmp_path / "strings.xlsx", header_and([]), shared_strings=big)
    with pytest.raises(InputFileError, match=r"xl/sharedStrings\.xml.*compression ratio"):
        read_all(path)


def test_a_part_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_PART_BYTES", 64 * 1024)
    rows = [inline_row(n, [f"id{n}", f"text {n * 7919 % 100003}"]) for n in range(2, 3000)]
    path = write_xlsx_parts(tmp_path / "big.xlsx", header_and(rows))
    with pytest.raises(InputFileError, match=r"xl/worksheets/sheet1\.xml.*uncompressed.*at most 64 KiB"):
        read_all(path)


@pytest.mark.parametrize(
    ("limit", "value", "match"),
    [
        ("MAX_MEMBERS", 5, "6 parts"),  # an archive of too many parts
        ("TIME_BUDGET_SECONDS", 0.0, "took longer than 0 s"),  # parsing stops at the time budget
    ],
)
def test_a_one_row_workbook_past_a_lowered_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: float, match: str
) -> None:
    monkeypatch.setattr(xlsx, limit, value)
    path = write_xlsx_parts(tmp_path / "small.xlsx", header_and([inline_row(2, ["c1", "好看"])]))
    with pytest.raises(InputFileError, match=match):
        read_all(path)


def test_a_sheet_without_dimension_is_read_row_by_row(tmp_path: Path) -> None:
    rows = [inline_row(2, ["c1", "好看"]), inline_row(4, ["c2", "求链接"])]
    path = write_xlsx_parts(tmp_path / "nodim.xlsx", header_and(rows), dimension=None)
    headers, read = read_all(path)
    assert headers == ["id", "text"]
    assert read == [(2, {"id": "c1", "text": "好看"}, None), (4, {"id": "c2", "text": "求链接"}, None)]


def test_a_dimension_smaller_than_the_sheet_does_not_hide_rows(tmp_path: Path) -> None:
    rows = [inline_row(n, [f"c{n}", "好看"]) for n in range(2, 6)]
    path = write_xlsx_parts(tmp_path / "short.xlsx", header_and(rows), dimension="A1:B2")
    assert [line for line, _, _ in read_all(path)[1]] == [2, 3, 4, 5]


def test_rows_past_the_cap_are_refused_without_reading_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet without dimension and more rows than the cap: refused once the cap is passed."""
    monkeypatch.setattr(xlsx, "MAX_ROWS", 50)
    rows = [inline_row(n, [f"c{n}", "好看"]) for n in range(2, 1000)]
    path = write_xlsx_parts(tmp_path / "rows.xlsx", header_and(rows), dimension=None)
    with pytest.raises(InputFileError, match="more than 50 rows"):
        read_all(path)


def test_a_row_number_past_the_sheet_limit_is_refused(tmp_path: Path) -> None:
    rows = [inline_row(2, ["c1", "好看"]), inline_row(xlsx.EXCEL_ROWS + 1, ["c2", "好看"])]
    path = write_xlsx_parts(tmp_path / "far.xlsx", header_and(rows))
    with pytest.raises(InputFileError, match=f"row {xlsx.EXCEL_ROWS + 1:,}; rows go from 1"):
        read_all(path)


def test_cells_past_the_cap_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_CELLS", 100)
    rows = [inline_row(n, [f"c{n}", "好看"]) for n in range(2, 100)]
    path = write_xlsx_parts(tmp_path / "cells.xlsx", header_and(rows))
    with pytest.raises(InputFileError, match="more than 100 cells"):
        read_all(path)


def test_a_cell_beyond_the_column_cap_is_a_row_error(tmp_path: Path) -> None:
    far = '<row r="3"><c r="A3" t="inlineStr"><is><t>c2</t></is></c><c r="XFD3"><v>1</v></c></row>'
    path = write_xlsx_parts(tmp_path / "wide.xlsx", header_and([inline_row(2, ["c1", "好看"]), far.encode()]))
    _, read = read_all(path)
    assert read[0] == (2, {"id": "c1", "text": "好看"}, None)
    line, values, error = read[1]
    assert (line, values) == (3, None)
    assert error is not None and f"column 16384; at most {xlsx.MAX_COLUMNS}" in error


def test_an_element_too_large_to_hold_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One row of many cells must be held whole before it ends: bounded, not grown without end."""
    monkeypatch.setattr(xlsx, "MAX_PENDING_ELEMENTS", 1000)
    cells = b"".join(b"<c><v>1</v></c>" for _ in range(2000))
    path = write_xlsx_parts(tmp_path / "row.xlsx", header_and([b'<row r="2">' + cells + b"</row>"]))
    with pytest.raises(InputFileError, match="more than 1,000 XML elements"):
        read_all(path)


def test_shared_strings_past_the_cap_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS", 10)
    strings = [f"<si><t>s{n}</t></si>".encode() for n in range(20)]
    path = write_xlsx_parts(tmp_path / "sst.xlsx", header_and([]), shared_strings=strings)
    with pytest.raises(InputFileError, match="more than 10 shared strings"):
        read_all(path)


def test_a_broken_sheet_stream_is_an_input_error(tmp_path: Path) -> None:
    rows = [inline_row(n, [f"c{n}", f"text {n * 7919 % 100003}"]) for n in range(2, 20000)]
    good = write_xlsx_parts(tmp_path / "good.xlsx", header_and(rows))
    info = zipfile.ZipFile(good).getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(good.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle : middle + 64] = b"\x00" * 64
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match=r"not a readable \.xlsx workbook"):
        read_all(broken)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04garbage", b""])
def test_a_file_that_is_no_archive_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=r"not a readable \.xlsx workbook"):
        read_all(path)


def test_values_are_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """Shared strings, numbers, dates (from the styles), booleans and gaps, as before the caps."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "text", "when", "likes", "ratio", "flag"])
    sheet.append(["c1", "好看", datetime(2025, 12, 30, 10, 13, 9), 12, 0.5, True])
    sheet.append(["c2", None, None, 3])
    sheet["B5"] = "跳过一行"
    path = tmp_path / "book.xlsx"
    book.save(path)
    headers, read = read_all(path)
    assert headers == ["id", "text", "when", "likes", "ratio", "flag"]
    assert read == [
        (
            2,
            dict(zip(headers, ["c1", "好看", datetime(2025, 12, 30, 10, 13, 9), 12, 0.5, True], strict=True)),
            None,
        ),
        (3, {"id": "c2", "text": None, "when": None, "likes": 3, "ratio": None, "flag": None}, None),
        (5, {"id": None, "text": "跳过一行", "when": None, "likes": None, "ratio": None, "flag": None}, None),
    ]


def test_a_huge_cell_is_refused_before_it_is_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A single text node gives the parser no event until it ends: its bytes are counted instead."""
    monkeypatch.setattr(xlsx, "MAX_ITEM_BYTES", 256 * 1024)
    text = "".join(f"{n * 7919 % 100003:05d}" for n in range(100_000)).encode()
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
    path = write_xlsx_parts(tmp_path / "cell.xlsx", header_and([cell]))
    with pytest.raises(InputFileError, match="one row of the sheet holds more than 256 KiB of XML"):
        read_all(path)


def test_a_huge_shared_string_within_the_ratio_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ITEM_BYTES", 256 * 1024)
    text = "".join(f"{n * 7919 % 100003:05d}" for n in range(100_000)).encode()
    path = write_xlsx_parts(
        tmp_path / "si.xlsx", header_and([]), shared_strings=[b"<si><t>" + text + b"</t></si>"]
    )
    with pytest.raises(InputFileError, match="a shared string holds more than 256 KiB of XML"):
        read_all(path)


def test_entity_amplification_is_refused(tmp_path: Path) -> None:
    """A "billion laughs" sheet: expat refuses the expansion, the reader says the file is broken."""
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()
    path = write_xlsx_parts(tmp_path / "laughs.xlsx", header_and([]))
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "laughs2.xlsx", "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = data.partition(b"?>")
                data = head + b"?>" + doctype + rest.replace(b"<sheetData>", b"<sheetData>&l9;", 1)
            target.writestr(info, data)
    with pytest.raises(InputFileError, match="amplification"):
        read_all(tmp_path / "laughs2.xlsx")
