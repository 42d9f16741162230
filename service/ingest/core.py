"""Importing export files: the entry points the CLI and the API call.

One file is one transaction: it is read and converted entirely first (bad rows are set aside with
their line, column and reason), then written in a single transaction, so a crash half-way leaves
nothing of that file behind. With a ``sessionmaker`` each file is committed on its own; with a
``Session`` each file runs in a SAVEPOINT and the caller commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy.orm import Session, sessionmaker

from models.limits import raw_decode_json
from service.ingest.formats import (
    CONVERTERS,
    FORMATS,
    FORMATS_BY_NAME,
    KIND_ORDER,
    ConvertContext,
    FormatSpec,
    RowIssues,
    UnknownFormatError,
    detect_format,
    looks_like_header,
    record_key,
)
from service.ingest.load import LOADERS, LoadContext, Loaded, comment_coverage, link_campaign
from service.ingest.parsing import CHINA_TZ
from service.ingest.readers import InputFileError, TableReader, sniff_kind
from service.ingest.summary import (
    FileSummary,
    IngestProgress,
    IngestSummary,
    ProgressCallback,
    RowError,
    Stage,
)
from service.store.tables import Workspace

SUPPORTED_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".xlsx", ".txt")
_PROGRESS_EVERY = 2000  # rows between two progress reports while reading

Database = Session | sessionmaker[Session]


class WorkspaceNotFoundError(LookupError):
    pass


class ImportOptions(TypedDict, total=False):
    """What an import is told besides its files (the keyword arguments of :func:`ingest_file`)."""

    campaign: str | None
    kol: str | None
    as_of: date | None


def _choose_header(rows: list[list[Any]]) -> int:
    """Index of the header among the first rows: the first one a format recognises, else the first
    row that looks like a header (exports may start with a title line such as
    ``最多导出排序后前1000条笔记``)."""
    for index, values in enumerate(rows):
        headers = [str(v) for v in values if v is not None]
        try:
            detect_format(headers)
        except UnknownFormatError:
            continue
        return index
    for index, values in enumerate(rows):
        if looks_like_header(values) and len([v for v in values if v not in (None, "")]) > 2:
            return index
    return 0


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files from the given paths; a directory contributes its export files (sorted, not recursive)."""
    result: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            result.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        else:
            result.append(path)
    return result


def peek_format(path: Path) -> FormatSpec | None:
    """The format of a file from its first rows only, or ``None`` when it cannot be told."""
    try:
        if sniff_kind(path) == "json":
            return _peek_json_array(path)
        reader = TableReader(path)
        try:
            reader.open(_choose_header)
            return detect_format(reader.headers)
        finally:
            reader.close()
    except (OSError, ValueError):
        return None


def _peek_json_array(path: Path) -> FormatSpec | None:
    with path.open("rb") as fh:
        sample = fh.read(1024 * 1024).decode("utf-8-sig", errors="replace")
    start = sample.find("{")
    if start < 0:
        return None
    try:
        first, _ = raw_decode_json(sample, start)
    except ValueError:
        return None
    return detect_format(list(first)) if isinstance(first, dict) else None


def import_order(paths: Sequence[Path]) -> list[int]:
    """Positions of ``paths`` in import order: notes first, then comments, then snapshots and
    campaign economics, so that comments find their notes; files of one kind (and files whose
    format cannot be told) keep their order, after the others."""

    def rank(position: int) -> tuple[int, int]:
        path = paths[position]
        spec = peek_format(path) if path.exists() else None
        return (KIND_ORDER.get(spec.kind, 99) if spec is not None else 99, position)

    return sorted(range(len(paths)), key=rank)


def snapshot_date_of(path: Path) -> date:
    """Default date of a creator-centre snapshot: the file's modification day in China time
    (an export is usually saved the day it is downloaded)."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=CHINA_TZ).date()


def ingest_file(
    db: Database,
    workspace_id: int,
    path: str | Path,
    *,
    campaign: str | None = None,
    kol: str | None = None,
    as_of: date | None = None,
    progress: ProgressCallback | None = None,
    display_name: str | None = None,
    fmt: str | None = None,
    _position: tuple[int, int] = (0, 1),
) -> FileSummary:
    """Import one export file into a workspace and return what happened.

    ``campaign`` links every note of the file to that campaign (created if missing) and fills an
    empty ``campaign`` cell of campaign files. ``kol`` names the account of a creator-centre
    export (its platform user id); ``as_of`` dates its snapshot (default: the file's modification
    day). ``display_name`` replaces the path in messages (the API passes the uploaded file name).
    ``fmt`` forces a format by name instead of detecting it.

    Raises :class:`WorkspaceNotFoundError` for an unknown workspace. Errors inside the file never
    raise: they are in the summary (``failed`` for the whole file, ``errors`` per row).
    """
    started = time.perf_counter()
    path = Path(path)
    shown = display_name or str(path)
    summary = FileSummary(path=shown)
    index, count = _position

    def report(stage: Stage, done: int, total: int, unit: str) -> None:
        if progress is not None:
            progress(IngestProgress(shown, stage, done, total, unit, index, count))

    _check_workspace(db, workspace_id)
    reader = TableReader(path) if path.exists() else None
    if reader is None:
        summary.failed = f"{shown}: no such file"
        return summary
    try:
        items = _read(reader, summary, campaign=campaign, kol=kol, fmt=fmt, report=report)
    except InputFileError as exc:
        summary.failed = str(exc)
        return summary
    except OSError as exc:  # its message holds the stored path, not the name the user knows
        summary.failed = f"{shown}: the file could not be read ({exc.strerror or type(exc).__name__})"
        return summary
    finally:
        reader.close()

    if summary.kind == "creator_notes" and as_of is None:
        as_of = snapshot_date_of(path)

    def on_write(done: int, total: int) -> None:
        report("writing", done, total, "rows")

    def write(session: Session) -> None:
        ctx = LoadContext(
            session, workspace_id, summary, campaign, kol, as_of, on_write, _to_write=len(items)
        )
        LOADERS[summary.kind or ""](ctx, items)
        if campaign is not None and summary.kind != "campaign_notes":
            link_campaign(ctx, campaign, ctx.touched_notes)
        if summary.kind in ("comments", "notes"):
            summary.coverage = comment_coverage(ctx, ctx.touched_notes)

    if items:
        if isinstance(db, Session):
            with db.begin_nested():
                write(db)
        else:
            with db() as session, session.begin():
                write(session)
    summary.errors.sort(key=lambda error: error.line)
    summary.seconds = round(time.perf_counter() - started, 3)
    report("done", 1, 1, "files")
    return summary


def _check_workspace(db: Database, workspace_id: int) -> None:
    if isinstance(db, Session):
        exists = db.get(Workspace, workspace_id) is not None
    else:
        with db() as session:
            exists = session.get(Workspace, workspace_id) is not None
    if not exists:
        raise WorkspaceNotFoundError(f"workspace {workspace_id} does not exist")


def _spec_for(reader: TableReader, fmt: str | None, formats: Sequence[FormatSpec]) -> FormatSpec:
    """The forced format ``fmt`` (checked against the header), else the one the header matches."""
    if fmt is None:
        return detect_format(reader.headers, formats)
    if fmt not in FORMATS_BY_NAME:
        raise InputFileError(f"format {fmt!r} is unknown; known formats: {', '.join(FORMATS_BY_NAME)}")
    spec = FORMATS_BY_NAME[fmt]
    missing = [c for c in spec.required if c not in spec.column_map(reader.headers)]
    if missing:
        raise InputFileError(f"the file lacks the columns {', '.join(missing)} required by {spec.name}")
    return spec


def _converted(
    reader: TableReader,
    spec: FormatSpec,
    summary: FileSummary,
    *,
    campaign: str | None,
    report: Callable[[Stage, int, int, str], None],
) -> Iterator[Loaded]:
    """Every row converted to a record, in file order; a bad row goes to the summary's errors."""
    ctx = ConvertContext(spec=spec, columns=spec.column_map(reader.headers), campaign=campaign)
    if reader.kind in ("json", "jsonl"):
        # JSON objects need not all carry the same keys: a column missing from the first object
        # is still read, under its canonical name, from the objects that have it.
        for column in spec.columns:
            ctx.columns.setdefault(column, column)
    convert = CONVERTERS[spec.kind]
    shown = summary.path
    progress = reader.progress
    for raw in reader:
        summary.rows += 1
        if summary.rows % _PROGRESS_EVERY == 0:
            report("reading", progress.done, progress.total, progress.unit)
        if raw.values is None:
            summary.reject_row([RowError(shown, raw.line, None, raw.error or "unreadable row")])
            continue
        try:
            yield Loaded(raw.line, convert(raw.values, ctx))
        except RowIssues as issues:
            summary.reject_row(
                [
                    RowError(shown, raw.line, column, reason, None if value is None else str(value)[:200])
                    for column, reason, value in issues.issues
                ]
            )
    summary.warnings.extend(reader.warnings)
    summary.incomplete = reader.incomplete
    report("reading", progress.total, progress.total, progress.unit)
    if summary.rows == 0:
        summary.warnings.append("the file has a header but no data rows")


def _no_report(stage: Stage, done: int, total: int, unit: str) -> None:
    pass


def read_rows(
    path: Path, formats: Sequence[FormatSpec] = FORMATS
) -> tuple[FormatSpec, list[Loaded], FileSummary]:
    """Read and convert every row of a file of one of ``formats`` without writing anything: its
    format, its records in file order (duplicates kept) and a summary with the bad rows. Raises
    :class:`InputFileError` for a file that cannot be read or whose columns match none of ``formats``."""
    summary = FileSummary(path=path.name)
    reader = TableReader(path)
    try:
        reader.open(_choose_header)
        spec = detect_format(reader.headers, formats)
        summary.format, summary.kind = spec.name, spec.kind
        return spec, list(_converted(reader, spec, summary, campaign=None, report=_no_report)), summary
    finally:
        reader.close()


def _read(
    reader: TableReader,
    summary: FileSummary,
    *,
    campaign: str | None,
    kol: str | None,
    fmt: str | None,
    report: Callable[[Stage, int, int, str], None],
) -> list[Loaded]:
    """Read, convert and de-duplicate every row; fills the summary's read-side counts."""
    reader.open(_choose_header)
    spec = _spec_for(reader, fmt, FORMATS)
    summary.format = spec.name
    summary.kind = spec.kind
    if spec.kind == "creator_notes" and not kol:
        raise InputFileError(
            "a creator-centre export does not say which account it belongs to: "
            "name the KOL with --kol <platform user id> (API: kol=...)"
        )
    records: dict[Any, Loaded] = {}
    for item in _converted(reader, spec, summary, campaign=campaign, report=report):
        key = record_key(spec.kind, item.record)
        earlier = records.get(key)
        if earlier is not None:
            summary.duplicates += 1
            # a search export lists a note once per keyword that found it: keep every keyword
            item.record["_searches"] = [*earlier.record.get("_searches", ()), *_searches(earlier.record)]
        records[key] = item
    return list(records.values())


def _searches(record: dict[str, Any]) -> list[tuple[str, Any]]:
    keyword = record.get("_keyword")
    return [(keyword, record.get("_crawled_at"))] if keyword else []


def ingest_paths(
    db: Database,
    workspace_id: int,
    paths: Sequence[str | Path],
    *,
    campaign: str | None = None,
    kol: str | None = None,
    as_of: date | None = None,
    progress: ProgressCallback | None = None,
    display_names: Sequence[str] | None = None,
    fmt: str | None = None,
) -> IngestSummary:
    """Import several files (directories expand to their export files); ``fmt`` forces a format.

    Files are imported notes first, then comments, then snapshots and campaign economics, so that
    comments find their notes; each file is its own transaction (see :func:`ingest_file`).
    """
    files = expand_paths(paths)
    names = list(display_names) if display_names is not None else None
    if names is not None and len(names) != len(files):
        raise ValueError(f"{len(names)} display names for {len(files)} files: give one name per file")
    order = import_order(files)
    one_file = partial(ingest_file, db, workspace_id, campaign=campaign, kol=kol, as_of=as_of, fmt=fmt)
    summary = IngestSummary(workspace_id=workspace_id)
    for index, position in enumerate(order):
        name = names[position] if names else None
        summary.files.append(
            one_file(files[position], progress=progress, display_name=name, _position=(index, len(order)))
        )
    return summary
