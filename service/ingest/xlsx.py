"""Bounded reading of the first sheet of an XLSX workbook.

An XLSX file is a zip archive of XML parts, and a few megabytes of it can hold gigabytes of XML
(a decompression bomb). openpyxl's read-only worksheet also trusts the sheet's ``<dimension>``:
without one it parses the whole sheet before the first row is read (10 minutes of a core for a
4 MB upload), and a dimension smaller than the sheet hides the rows beyond it. So this module

* checks the archive's directory before any part is decompressed: at most :data:`MAX_MEMBERS`
  parts, none over :data:`MAX_PART_BYTES` uncompressed (parts parsed whole, such as the styles,
  over :data:`MAX_WHOLE_PART_BYTES`), none over 1 MiB that inflates more than :data:`MAX_RATIO`
  times, :data:`MAX_TOTAL_BYTES` in all. :mod:`zipfile` never inflates a part past the size its
  directory declares (it stops there and fails the CRC check), so the declared sizes bound the work;
* streams the sheet's XML itself, row by row, releasing each row once read, and lets openpyxl only
  convert cell values (shared strings, numbers, dates from the styles, booleans);
* caps rows (:data:`MAX_ROWS`, Excel's own limit), cells (:data:`MAX_CELLS`), columns
  (:data:`MAX_COLUMNS`: a cell beyond is a row error), shared strings (:data:`MAX_SHARED_STRINGS`)
  and the XML held before a row or a shared string ends (:data:`MAX_PENDING_ELEMENTS` elements,
  :data:`MAX_ITEM_BYTES` bytes), which together bound the memory one upload can take;
* stops after :data:`TIME_BUDGET_SECONDS` of parsing (the caller's time between rows not counted).

Every refusal is an :class:`~service.ingest.readers.InputFileError` saying which limit was hit.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, iterparse

from service.ingest.readers import InputFileError, Progress

MAX_MEMBERS = 10_000
MAX_PART_BYTES = 256 << 20
MAX_WHOLE_PART_BYTES = 16 << 20
MAX_TOTAL_BYTES = 1 << 30
MAX_RATIO = 100
RATIO_FROM_BYTES = 1 << 20
EXCEL_ROWS = 1_048_576  # the rows of a sheet's grid
MAX_ROWS = EXCEL_ROWS
MAX_COLUMNS = 1_000
MAX_CELLS = 20_000_000
MAX_SHARED_STRINGS = 2_000_000
MAX_PENDING_ELEMENTS = 100_000
MAX_ITEM_BYTES = 16 << 20
TIME_BUDGET_SECONDS = 120.0

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _SHEET_DATA, _STRING_ITEM = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}sheetData", f"{_MAIN}si"
_EOCD = b"PK\x05\x06"
# The parts are untrusted XML (ruff S314): ElementTree fetches no external entity, expat 2.4.1 and
# later (bundled with every supported Python) refuse entity amplification ("billion laughs"), and
# the sizes are bounded here, which is what defusedxml would add.
_BROKEN = (zipfile.BadZipFile, zlib.error, ParseError, EOFError, OSError, KeyError, IndexError, ValueError)

Cells = list[Any] | str  # a row's values, or why the row cannot be read


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            amount = n / (1 << shift)
            return (
                f"{amount:.1f} {unit}" if amount < 10 and not amount.is_integer() else f"{amount:,.0f} {unit}"
            )
    return f"{n} bytes"


class _Budget:
    """Parsing time spent so far, checked against :data:`TIME_BUDGET_SECONDS`."""

    def __init__(self) -> None:
        self.limit = TIME_BUDGET_SECONDS
        self.spent = 0.0
        self.resumed = time.monotonic()

    def check(self) -> None:
        if self.spent + time.monotonic() - self.resumed > self.limit:
            raise InputFileError(
                f"reading the workbook took longer than {self.limit:g} s; "
                "split it, or save it as CSV (read without this limit)"
            )

    def pause(self) -> None:
        self.spent += time.monotonic() - self.resumed

    def resume(self) -> None:
        self.resumed = time.monotonic()


def _entry_count(path: Path) -> int | None:
    """Parts named in the archive's end record, read before :mod:`zipfile` loads its directory
    (``None`` when the record is not found: zipfile then says what is wrong)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
    at = tail.rfind(_EOCD)
    if at < 0 or at + 12 > len(tail):
        return None
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def open_checked(path: Path) -> zipfile.ZipFile:
    """The archive, once its directory passes the limits on parts, sizes and ratios."""
    count = _entry_count(path)
    if count is not None and (count > MAX_MEMBERS or count == 0xFFFF):
        raise InputFileError(f"the workbook archive has {count:,} parts; at most {MAX_MEMBERS:,} are read")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(f"not a readable .xlsx workbook ({exc})") from None
    try:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputFileError(
                f"the workbook archive has {len(members):,} parts; at most {MAX_MEMBERS:,} are read"
            )
        for info in members:
            _check_member(info, MAX_PART_BYTES)
        total = sum(info.file_size for info in members)
        if total > MAX_TOTAL_BYTES:
            raise InputFileError(
                f"the workbook holds {_size(total)} uncompressed; at most {_size(MAX_TOTAL_BYTES)} are read"
            )
        if "[Content_Types].xml" in archive.NameToInfo:
            _check_member(archive.getinfo("[Content_Types].xml"), MAX_WHOLE_PART_BYTES)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_whole_parts(archive: zipfile.ZipFile, streamed: set[str]) -> None:
    """XML parts openpyxl parses whole (everything but the sheets and the shared strings) are
    held to :data:`MAX_WHOLE_PART_BYTES`."""
    for info in archive.infolist():
        if info.filename not in streamed and info.filename.lower().endswith((".xml", ".rels")):
            _check_member(info, MAX_WHOLE_PART_BYTES)


def _check_member(info: zipfile.ZipInfo, limit: int) -> None:
    name, size = info.filename, info.file_size
    if size > limit:
        raise InputFileError(
            f"the workbook part {name} is {_size(size)} uncompressed; at most {_size(limit)} are read "
            "(split the workbook, or save the sheet as CSV)"
        )
    if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
        ratio = size / max(info.compress_size, 1)
        raise InputFileError(
            f"the workbook part {name} inflates {ratio:,.0f} times ({_size(info.compress_size)} to "
            f"{_size(size)}): a compression ratio above {MAX_RATIO} is refused (a decompression bomb?)"
        )


class _Counted:
    """A part's stream that counts the bytes read (the progress of a sheet) and refuses more than
    :data:`MAX_ITEM_BYTES` between two :meth:`mark` calls (one row, one shared string): a single
    text node would otherwise be held whole, however large, before the parser says a word."""

    def __init__(self, raw: IO[bytes], progress: Progress, what: str) -> None:
        self._raw = raw
        self._progress = progress
        self._what = what
        self._mark = 0

    def mark(self) -> None:
        self._mark = self._progress.done

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._progress.done += len(data)
        if self._progress.done - self._mark > MAX_ITEM_BYTES:
            raise InputFileError(f"{self._what} holds more than {_size(MAX_ITEM_BYTES)} of XML")
        return data


def _workbook(path: Path) -> tuple[Any, str, str | None]:
    """openpyxl's reader of the workbook's metadata (styles included, no sheet opened), the first
    worksheet's part and the shared-string table's part."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS, WORKSHEET_TYPE

    open_checked(path).close()
    reader = ExcelReader(path, read_only=True, data_only=True, keep_links=False)
    try:
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        strings_part = strings.PartName[1:] if strings is not None else None
        sheets = {part.PartName[1:] for part in reader.package.findall(WORKSHEET_TYPE)}
        _check_whole_parts(reader.archive, sheets | {strings_part or ""})
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        for _, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return reader, rel.target, strings_part
        raise InputFileError("the workbook has no worksheet")
    except BaseException:
        reader.archive.close()
        raise


def _shared_strings(archive: zipfile.ZipFile, name: str, budget: _Budget) -> list[str]:
    from openpyxl.cell.text import Text

    strings: list[str] = []
    root: Element | None = None
    pending = 0
    with archive.open(name) as raw:
        src = _Counted(raw, Progress(), "a shared string")
        for event, element in iterparse(src, events=("start", "end")):  # noqa: S314 (see the note on XML above)
            if event == "start":
                if root is None:
                    root = element
                pending += 1
                if pending > MAX_PENDING_ELEMENTS:
                    raise InputFileError(
                        f"a shared string holds more than {MAX_PENDING_ELEMENTS:,} XML elements"
                    )
                continue
            if element.tag != _STRING_ITEM:
                continue
            strings.append(Text.from_tree(element).content.replace("x005F_", ""))
            assert root is not None
            root.clear()
            pending = 0
            src.mark()
            if len(strings) > MAX_SHARED_STRINGS:
                raise InputFileError(f"the workbook has more than {MAX_SHARED_STRINGS:,} shared strings")
            if len(strings) % 1000 == 0:
                budget.check()
    return strings


def sheet_rows(path: Path, progress: Progress) -> Generator[tuple[int, Cells], None, None]:
    """The non-empty rows of the first worksheet as (row number, values), values without trailing
    empty cells; a row with a cell beyond :data:`MAX_COLUMNS` comes as (row number, reason).
    ``progress`` counts the sheet's uncompressed bytes."""
    budget = _Budget()
    try:
        reader, sheet, strings_part = _workbook(path)
    except InputFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputFileError(f"not a readable .xlsx workbook ({exc})") from None
    archive: zipfile.ZipFile = reader.archive
    try:
        yield from _rows(archive, reader.wb, sheet, strings_part, progress, budget)
    except InputFileError:
        raise
    except _BROKEN as exc:
        raise InputFileError(f"not a readable .xlsx workbook ({exc})") from None
    finally:
        archive.close()


def _rows(
    archive: zipfile.ZipFile,
    workbook: Any,
    sheet: str,
    strings_part: str | None,
    progress: Progress,
    budget: _Budget,
) -> Iterator[tuple[int, Cells]]:
    from openpyxl.worksheet._reader import WorkSheetParser

    strings = _shared_strings(archive, strings_part, budget) if strings_part else []
    parser = WorkSheetParser(
        None,
        strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    progress.done, progress.total, progress.unit = 0, archive.getinfo(sheet).file_size, "bytes"
    with archive.open(sheet) as raw:
        for number, cells in _stream(_Counted(raw, progress, "one row of the sheet"), parser, budget):
            budget.pause()
            yield number, cells
            budget.resume()


def _stream(src: _Counted, parser: Any, budget: _Budget) -> Iterator[tuple[int, Cells]]:
    open_elements: list[Element] = []
    pending = rows = cells_total = 0
    number = 0
    for event, element in iterparse(src, events=("start", "end")):  # noqa: S314 (see the note on XML above)
        if event == "start":
            open_elements.append(element)
            pending += 1
            if pending > MAX_PENDING_ELEMENTS:
                raise InputFileError(
                    f"one row or element of the sheet (after row {number:,}) holds more than "
                    f"{MAX_PENDING_ELEMENTS:,} XML elements"
                )
            continue
        open_elements.pop()
        if element.tag == _SHEET_DATA:
            return  # what follows the rows (merged cells, hyperlinks...) is not read
        if element.tag != _ROW:
            if len(open_elements) == 1:  # a part of the sheet before its rows: not needed
                open_elements[0].remove(element)
                pending = 0
                src.mark()
            continue
        number = _row_number(element.get("r"), number)
        rows += 1
        if rows > MAX_ROWS:
            raise InputFileError(f"the sheet has more than {MAX_ROWS:,} rows")
        parser.row_counter, parser.col_counter = number, 0
        values = _row_values(parser, element)
        open_elements[-1].remove(element)
        pending = 0
        src.mark()
        budget.check()
        if isinstance(values, list):
            cells_total += len(values)
            if cells_total > MAX_CELLS:
                raise InputFileError(f"the sheet has more than {MAX_CELLS:,} cells")
            if not values:
                continue
        yield number, values


def _row_number(raw: str | None, previous: int) -> int:
    if raw is None:
        number = previous + 1
    else:
        try:
            number = int(raw)
        except ValueError:
            raise InputFileError(f"not a readable .xlsx workbook (row number {raw[:20]!r})") from None
    if not 1 <= number <= EXCEL_ROWS:
        raise InputFileError(f"the sheet has a row {number:,}; rows go from 1 to {EXCEL_ROWS:,}")
    return number


def _row_values(parser: Any, row: Element) -> Cells:
    values: list[Any] = []
    for element in row.iter(_CELL):
        cell = parser.parse_cell(element)
        column = cell["column"]
        if column > MAX_COLUMNS:
            return f"the row has a cell in column {column}; at most {MAX_COLUMNS} columns are read"
        if column > len(values):
            values.extend([None] * (column - len(values)))
        values[column - 1] = cell["value"]
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    return values
