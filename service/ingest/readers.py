"""Reading export files row by row, with the line number of every row.

Supported: CSV (UTF-8 with or without BOM, GB18030 as written by Excel on Chinese Windows;
comma, semicolon or tab separated), XLSX (first sheet, streamed within limits: see
:mod:`service.ingest.xlsx`), a JSON array of objects (MediaCrawler ``save_data_option=json``),
a single JSON object (Spider_XHS ``info.json``) and JSON Lines. The kind is chosen from the content, not only the extension.

Line numbers are the ones a user sees in an editor: the physical line where a CSV record or JSON
object starts (the CSV header is line 1), the JSON Lines line, the spreadsheet row.
"""

from __future__ import annotations

import codecs
import csv
import json
import zipfile
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from models.limits import (
    ENCODINGS,
    ENCODINGS_HELP,
    TextDecodeError,
    decode_text,
    detect_encoding,
    loads_json,
    raw_decode_json,
)

FileKind = Literal["csv", "xlsx", "json", "jsonl"]

HEADER_SCAN_ROWS = 10  # rows searched for the header (exports may start with a title line)
_CHUNK = 1 << 20
_CSV_FIELD_LIMIT = 16 * 1024 * 1024


@dataclass
class RawRow:
    """One data row as read: values keyed by the header as written, or the reason it is unreadable."""

    line: int
    values: dict[str, Any] | None
    error: str | None = None


@dataclass
class Progress:
    """How far reading got, in ``unit`` (bytes or rows)."""

    done: int = 0
    total: int = 0
    unit: str = "bytes"


class InputFileError(ValueError):
    """A file RedLens cannot use as input (not a table, broken workbook, empty, unknown columns...).

    The one exception type for a bad input file, whichever command or route reads it; the message
    says what is wrong and what is accepted. Problems of single rows are row errors, not this.
    """


def sniff_kind(path: Path) -> FileKind:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl" if _is_json_lines(path) else "json"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    return "csv"


def _is_json_lines(path: Path) -> bool:
    """A file starting with ``{``: one object (possibly over many lines) or one object per line.

    JSON Lines when the first line, however long, ends an object (``}``) and the next non-blank
    line starts another; a pretty-printed object's first line is ``{`` or ends inside the object.
    Nothing is decoded, so neither the size of the first line nor the encoding matters."""
    with path.open("rb") as fh:
        lines = (line.strip().removeprefix(codecs.BOM_UTF8).strip() for line in fh)
        first = next((line for line in lines if line), b"")
        following = next((line for line in lines if line), b"")
    return first.endswith(b"}") and following.startswith(b"{")


class TableReader:
    """Iterates the data rows of one file; ``headers`` is known once iteration has started
    (call :meth:`open` first). ``warnings`` collects file-level remarks (encoding repairs)."""

    def __init__(self, path: Path, kind: FileKind | None = None) -> None:
        self.path = path
        self.kind: FileKind = kind or sniff_kind(path)
        self.headers: list[str] = []
        self.header_line = 0
        self.progress = Progress()
        self.warnings: list[str] = []
        #: why reading stopped before the end of the file (the rows after it were not read)
        self.incomplete: str | None = None
        self.encoding = "utf-8"
        self._rows: Iterator[RawRow] | None = None
        self._sources: list[Generator[Any, None, None]] = []

    # The caller picks the header among the first rows (see ingest.core): tabular files hand over
    # their first rows as lists; JSON files have their keys.
    def open(self, choose_header: Any) -> None:
        """Read up to the header (``choose_header`` picks it among the first rows of a table)."""
        check_content(self.path)
        if self.kind in ("csv", "xlsx"):
            raw_rows = self._csv_rows() if self.kind == "csv" else self._xlsx_rows()
            self._sources.append(raw_rows)
            self._rows = self._tabular(raw_rows, choose_header)
        else:
            raw_items = self._json_array() if self.kind == "json" else self._json_lines()
            self._sources.append(raw_items)
            self._rows = self._records(raw_items)

    def close(self) -> None:
        """Release the file (safe to call more than once, or before :meth:`open`)."""
        for source in self._sources:
            source.close()
        self._sources.clear()
        if isinstance(self._rows, Generator):
            self._rows.close()

    def __iter__(self) -> Iterator[RawRow]:
        if self._rows is None:
            raise RuntimeError("call open() before iterating")
        return self._rows

    # ------------------------------------------------------------------ tabular files

    def _tabular(self, raw: Iterator[tuple[int, list[Any] | str]], choose_header: Any) -> Iterator[RawRow]:
        head: list[tuple[int, list[Any] | str]] = []
        for item in raw:
            head.append(item)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        candidates = [(line, values) for line, values in head if isinstance(values, list)]
        if not candidates:
            raise InputFileError("the file has no rows")
        index = choose_header([values for _, values in candidates])
        header_line, header_values = candidates[index]
        self.header_line = header_line
        self.headers = _unique_headers([str(v).strip() if v is not None else "" for v in header_values])
        width = len(self.headers)

        def rows() -> Iterator[RawRow]:
            def convert(line: int, values: list[Any] | str) -> RawRow:
                if isinstance(values, str):
                    return RawRow(line, None, values)
                if len(values) > width and any(v not in (None, "") for v in values[width:]):
                    return RawRow(
                        line,
                        None,
                        f"row has {len(values)} cells but the header has {width} columns "
                        "(an unquoted separator in a cell?)",
                    )
                return RawRow(
                    line, {h: values[i] if i < len(values) else None for i, h in enumerate(self.headers)}
                )

            for line, values in head:
                if line > header_line:
                    yield convert(line, values)
            for line, values in raw:
                yield convert(line, values)

        return rows()

    def _chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as fh:
            yield from iter(lambda: fh.read(_CHUNK), b"")

    def _choose_encoding(self) -> str:
        """The encoding of the whole file (not of its first bytes); when it is none of those
        accepted, the one that fails on fewer lines (those lines become row errors)."""
        found = detect_encoding(self._chunks)
        if found is not None:
            return found
        failing = {encoding: len(self._undecodable_lines(encoding)) for encoding in ENCODINGS}
        return min(ENCODINGS, key=lambda encoding: failing[encoding])

    def _undecodable_lines(self, encoding: str) -> list[int]:
        with self.path.open("rb") as fh:
            return [number for number, raw in enumerate(fh, start=1) if _decode(raw, encoding) is None]

    def _warn_undecodable(self, bad_lines: list[int]) -> None:
        if bad_lines:
            shown = ", ".join(str(n) for n in bad_lines[:10])
            self.warnings.append(
                f"{len(bad_lines)} line(s) are neither {ENCODINGS_HELP} text and were not read "
                f"(lines {shown}{'...' if len(bad_lines) > 10 else ''})"
            )

    def _csv_rows(self) -> Generator[tuple[int, list[Any] | str], None, None]:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
        self.progress = Progress(0, self.path.stat().st_size, "bytes")
        self.encoding = self._choose_encoding()
        with self.path.open("rb") as fh:
            first = fh.readline()
            fh.seek(0)
            delimiter = _sniff_delimiter(first.decode(self.encoding, errors="replace"))
            bad_lines: list[int] = []
            unread: deque[int] = deque()
            reader = csv.reader(self._decoded_lines(fh, bad_lines, unread), delimiter=delimiter)
            previous_end = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield previous_end + 1, f"unreadable CSV record ({exc})"
                    previous_end = reader.line_num
                    _undecodable_within(unread, previous_end)
                    continue
                start = previous_end + 1
                previous_end = reader.line_num
                bad = _undecodable_within(unread, previous_end)
                if bad is not None:
                    yield start, _not_text(bad)
                    continue
                if not values or all(v == "" for v in values):
                    continue
                yield start, list(values)
            self._warn_undecodable(bad_lines)

    def _decoded_lines(self, fh: BinaryIO, bad_lines: list[int], unread: deque[int]) -> Iterator[str]:
        """The file's lines as text; a line the encoding cannot decode is recorded (its record
        becomes a row error) and passed on with replacement characters only to keep the CSV
        structure."""
        encoding = self.encoding
        for number, raw in enumerate(fh, start=1):
            self.progress.done += len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            text = _decode(raw, encoding)
            if text is None:
                bad_lines.append(number)
                unread.append(number)
                text = raw.decode(encoding, errors="replace")
            yield text

    def _xlsx_rows(self) -> Generator[tuple[int, list[Any] | str], None, None]:
        from service.ingest.xlsx import sheet_rows

        yield from sheet_rows(self.path, self.progress)

    # ------------------------------------------------------------------ JSON files

    def _records(self, raw: Iterator[tuple[int, Any]]) -> Iterator[RawRow]:
        """Reads up to the first object now (its keys are the header), the rest lazily."""
        buffered: list[RawRow] = []
        for line, item in raw:
            if isinstance(item, dict):
                self.header_line = line
                self.headers = [str(k) for k in item]
                buffered.append(RawRow(line, item))
                break
            buffered.append(RawRow(line, None, item if isinstance(item, str) else "not a JSON object"))
        if not self.headers and buffered and self.incomplete:
            raise InputFileError(self.incomplete.split(": ", 1)[1].split("; the rest")[0])

        def rows() -> Iterator[RawRow]:
            yield from buffered
            for line, item in raw:
                if isinstance(item, dict):
                    yield RawRow(line, item)
                else:
                    yield RawRow(line, None, item if isinstance(item, str) else "not a JSON object")

        return rows()

    def _read_text(self) -> str:
        data = self.path.read_bytes()
        self.progress = Progress(0, len(data), "bytes")
        try:
            text, self.encoding = decode_text(data)
        except TextDecodeError as exc:
            raise InputFileError(f"a JSON file must be {ENCODINGS_HELP} text: {exc}") from None
        return text

    def _stop(self, line: int, reason: str) -> tuple[int, str]:
        """The row error of a read that ends before the file does; the reader remembers it."""
        error = f"{reason}; the rest of the file was not read"
        self.incomplete = f"line {line}: {error}"
        return line, error

    def _json_array(self) -> Generator[tuple[int, Any], None, None]:
        text = self._read_text()
        size = len(text)
        scale = self.progress.total / size if size else 1.0
        pos = _skip_ws(text, 0)
        if pos < size and text[pos] == "{":  # one object: Spider_XHS info.json
            line = 1 + text.count("\n", 0, pos)
            try:
                obj, end = raw_decode_json(text, pos)
            except ValueError as exc:
                yield self._stop(line, invalid_json(exc))
                return
            self.progress.done = self.progress.total
            yield line, obj
            rest = _skip_ws(text, end)
            if rest < size:
                yield self._stop(1 + text.count("\n", 0, rest), "unexpected content after the JSON object")
            return
        if pos >= size or text[pos] != "[":
            raise InputFileError("a JSON file must hold an array of objects, one object, or JSON Lines")
        line = 1 + text.count("\n", 0, pos)
        last = pos
        pos = _skip_ws(text, pos + 1)
        closed = pos < size and text[pos] == "]"
        if closed:
            pos += 1
        while not closed and pos < size:
            line += text.count("\n", last, pos)
            last = pos
            try:
                obj, end = raw_decode_json(text, pos)
            except ValueError as exc:
                yield self._stop(line, invalid_json(exc))
                return
            yield line, obj
            self.progress.done = int(end * scale)
            pos = _skip_ws(text, end)
            if pos < size and text[pos] == ",":
                pos = _skip_ws(text, pos + 1)
            elif pos < size and text[pos] == "]":
                pos, closed = pos + 1, True
            else:
                line += text.count("\n", last, pos)
                yield self._stop(line, "expected ',' or ']' after an object")
                return
        rest = _skip_ws(text, pos)
        if rest < size:
            yield self._stop(1 + text.count("\n", 0, rest), "unexpected content after the closing ]")
            return
        self.progress.done = self.progress.total

    def _json_lines(self) -> Generator[tuple[int, Any], None, None]:
        self.progress = Progress(0, self.path.stat().st_size, "bytes")
        self.encoding = self._choose_encoding()
        bad_lines: list[int] = []
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                self.progress.done += len(raw)
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                if not raw.strip():
                    continue
                text = _decode(raw, self.encoding)
                if text is None:
                    bad_lines.append(number)
                    yield number, _not_text(number)
                    continue
                try:
                    yield number, loads_json(text.rstrip("\r\n"))
                except ValueError as exc:
                    yield number, invalid_json(exc, number)
        self._warn_undecodable(bad_lines)


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _undecodable_within(unread: deque[int], end: int) -> int | None:
    """The first undecodable line up to ``end`` (a record's last line), dropped from ``unread``
    with the others up to ``end``."""
    first = unread[0] if unread and unread[0] <= end else None
    while unread and unread[0] <= end:
        unread.popleft()
    return first


def _not_text(line: int) -> str:
    return str(TextDecodeError(line))


def invalid_json(exc: ValueError, line: int | None = None) -> str:
    """Where and why JSON does not parse: ``invalid JSON at line 3 column 14 (Expecting ',' delimiter)``.
    ``line`` is the file line of a text that is one line of the file (JSON Lines)."""
    if isinstance(exc, json.JSONDecodeError):
        at = exc.lineno if line is None else line + exc.lineno - 1
        return f"invalid JSON at line {at} column {exc.colno} ({exc.msg})"
    return f"invalid JSON ({_reason(exc)})"


#: Leading bytes of files people upload by mistake, and what to call them.
FOREIGN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc; save it as .xlsx or CSV)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BM", "a BMP image"),
    (b"ID3", "an MP3 file"),
)
_EXPECTED = {
    ".csv": "a CSV file",
    ".txt": "a CSV file",
    ".json": "a JSON file",
    ".jsonl": "a JSON Lines file",
    ".ndjson": "a JSON Lines file",
    ".xlsx": "an Excel workbook (.xlsx)",
}


def foreign_content(path: Path) -> str | None:
    """What a file is when its first bytes say it is no table RedLens reads (an image, a PDF, an
    archive, a ZIP that is not a workbook), else ``None``."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        return "a WebP image"
    if head[4:8] == b"ftyp":
        return "an MP4 video or HEIC image"
    for signature, what in FOREIGN_SIGNATURES:
        if head.startswith(signature) and not (signature == b"BM" and path.suffix.lower() != ".bmp"):
            return what
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return None  # the workbook reader says what is wrong with it
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            kind = "a Word document" if any(n.startswith("word/") for n in names) else "a ZIP archive"
            return kind
    return None


def check_content(path: Path) -> None:
    """Refuse a file that is an image, a PDF, an archive... naming what it is and what is read."""
    what = foreign_content(path)
    if what is not None:
        expected = _EXPECTED.get(path.suffix.lower(), "a table")
        raise InputFileError(
            f"this is {what}, not {expected}; RedLens reads CSV, XLSX, JSON and JSON Lines exports"
        )


def _reason(exc: ValueError) -> str:
    """A decoding error without its position (the row's line is shown beside it)."""
    return str(exc).split(":")[0]


def _unique_headers(headers: list[str]) -> list[str]:
    """Repeated column names get a suffix (``likes``, ``likes.1``), so no column hides another."""
    seen: dict[str, int] = {}
    result = []
    for header in headers:
        if header in seen:
            seen[header] += 1
            result.append(f"{header}.{seen[header]}")
        else:
            seen[header] = 0
            result.append(header)
    return result


def _skip_ws(text: str, pos: int) -> int:
    size = len(text)
    while pos < size and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","
