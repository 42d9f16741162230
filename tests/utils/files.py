"""Input files written on the fly."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """``text`` written to ``path``; the path."""
    path.write_text(text, encoding=encoding)
    return path


def write_csv(path: Path, rows: Sequence[Mapping[str, object]], *, encoding: str = "utf-8-sig") -> Path:
    """A CSV with a header from the first row's keys (UTF-8 with a BOM, as Excel writes it)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --------------------------------------------------------------------------- hand-built workbooks

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}


def inline_row(number: int, values: Sequence[object]) -> bytes:
    """One ``<row>`` of a sheet: strings as inline strings, numbers as numbers."""
    cells = []
    for column, value in enumerate(values):
        ref = f"{chr(ord('A') + column)}{number}"
        if isinstance(value, str):
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        else:
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'.encode()


def write_xlsx_parts(
    path: Path,
    rows: Iterable[bytes],
    *,
    dimension: str | None = "A1:B2",
    shared_strings: Iterable[bytes] = (),
) -> Path:
    """A minimal workbook written part by part (so a test can build what no spreadsheet program
    writes: a sheet of gigabytes compressed to a few megabytes, a sheet without ``<dimension>``).

    ``rows`` are the ``<row>`` elements of the first sheet, streamed into the archive;
    ``shared_strings`` the ``<si>`` elements of the shared-string table."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PACKAGE.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN_NS}">'.encode())
            if dimension is not None:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN_NS}">'.encode())
            for item in shared_strings:
                strings.write(item)
            strings.write(b"</sst>")
    return path


def repeated(chunk: bytes, total_bytes: int) -> Iterator[bytes]:
    """``chunk`` repeated in blocks until about ``total_bytes`` are produced (a compressible payload)."""
    block = chunk * max(1, (1 << 20) // len(chunk))
    for _ in range(max(1, total_bytes // len(block))):
        yield block
