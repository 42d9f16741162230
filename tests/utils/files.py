"""Input files written on the fly."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path


def write_csv(path: Path, rows: Sequence[Mapping[str, object]], *, encoding: str = "utf-8-sig") -> Path:
    """A CSV with a header from the first row's keys (UTF-8 with a BOM, as Excel writes it)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
