"""What an import did, per file: JSON-serialisable dataclasses (``to_dict()``) for the CLI and the API.

Counting rule, per file: every data row read ends up in exactly one bucket, so
``rows == inserted + updated + unchanged + duplicates + rejected``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

MAX_ERRORS_PER_FILE = 1000


@dataclass(frozen=True)
class RowError:
    """A row that was not imported: where it is and why. ``column`` is the header as written."""

    file: str
    line: int
    column: str | None
    reason: str
    value: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        column = f" [{self.column}]" if self.column else ""
        value = f" (value {self.value!r})" if self.value else ""
        return f"{where}{column} {self.reason}{value}"


@dataclass(frozen=True)
class NoteCoverage:
    """Comments stored for a note against the count XHS reported (``comment_count``).

    ``coverage = collected / reported`` (a fraction; above 1 when replies are counted separately
    or the note lost comments since), ``None`` when the note's count is unknown or zero.
    """

    note_id: str
    collected: int
    reported: int | None
    coverage: float | None


@dataclass
class FileSummary:
    path: str
    format: str | None = None
    kind: str | None = None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    #: rows of other tables created on the way: {"kol": 3, "placeholder_note": 12, "campaign": 1}
    created: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    errors_not_shown: int = 0
    warnings: list[str] = field(default_factory=list)
    coverage: list[NoteCoverage] = field(default_factory=list)
    #: why the whole file was skipped (unknown header, unreadable file); nothing was written
    failed: str | None = None
    #: why reading stopped before the end of the file: the rows read were imported, those after not
    incomplete: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """The whole file was read (some rows may still be rejected: see ``rejected``)."""
        return self.failed is None and self.incomplete is None

    def reject_row(self, errors: list[RowError]) -> None:
        """Count one rejected row and keep its errors (up to MAX_ERRORS_PER_FILE per file)."""
        self.rejected += 1
        for error in errors:
            if len(self.errors) < MAX_ERRORS_PER_FILE:
                self.errors.append(error)
            else:
                self.errors_not_shown += 1

    def count_created(self, what: str, n: int) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


@dataclass
class IngestSummary:
    workspace_id: int
    files: list[FileSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def totals(self) -> dict[str, int]:
        keys = ("rows", "inserted", "updated", "unchanged", "duplicates", "rejected")
        return {key: sum(getattr(f, key) for f in self.files) for key in keys}

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace_id": self.workspace_id,
            "ok": self.ok,
            "totals": self.totals(),
            "files": [f.to_dict() for f in self.files],
        }


Stage = Literal["reading", "writing", "done"]


@dataclass(frozen=True)
class IngestProgress:
    """Progress of one file. ``stage`` is ``reading`` (``done``/``total`` in bytes or rows),
    ``writing`` (rows) or ``done``."""

    path: str
    stage: Stage
    done: int
    total: int
    unit: str
    file_index: int
    file_count: int

    @property
    def fraction(self) -> float:
        """Overall progress of the import, 0..1, counting reading as the first half of each file."""
        within = min(self.done / self.total, 1.0) if self.total else 0.0
        if self.stage == "reading":
            part = within / 2
        elif self.stage == "writing":
            part = 0.5 + within / 2
        else:
            part = 1.0
        return (self.file_index + part) / max(self.file_count, 1)


ProgressCallback = Callable[[IngestProgress], None]
