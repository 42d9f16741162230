"""``redlens ingest PATH... --workspace W``: import XHS exports and RedLens CSVs (see FORMATS.md)."""

from __future__ import annotations

import json
import statistics
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from service.commands.common import fail, print_row_errors
from service.ingest import IngestProgress, IngestSummary, ingest_paths
from service.ingest.core import ImportOptions
from service.ingest.formats import FORMATS_BY_NAME
from service.store.engine import current_revision, head_revision, make_engine, make_session_factory
from service.store.repositories import create_workspace, get_workspace_by_slug


def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Export files, or folders of them (.csv .json .jsonl .xlsx).")
    ],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace (brand) slug.")],
    campaign: Annotated[
        str | None, typer.Option(help="Attach every imported note to this campaign (created if missing).")
    ] = None,
    kol: Annotated[
        str | None, typer.Option(help="Platform user id of the account a creator-centre export belongs to.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Date of creator-centre metrics (YYYY-MM-DD); default: the file's date."
        ),
    ] = None,
    create_workspace_: Annotated[
        bool, typer.Option("--create-workspace", help="Create the workspace if it does not exist.")
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"Force a format: {', '.join(FORMATS_BY_NAME)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    strict: Annotated[bool, typer.Option(help="Exit with status 1 when any row was rejected.")] = False,
) -> None:
    """Import XHS exports (MediaCrawler, Spider_XHS, creator centre) and RedLens CSVs into a workspace.

    Re-importing a file changes nothing; bad rows are listed with file, line and column and the
    good rows are kept; each file is imported entirely or not at all.
    """
    snapshot_date = None
    if as_of is not None:
        try:
            snapshot_date = date.fromisoformat(as_of)
        except ValueError:
            raise fail(f"--as-of {as_of!r} is not a date like 2025-12-30") from None
    if fmt is not None and fmt not in FORMATS_BY_NAME:
        raise fail(f"--format {fmt!r} is unknown; choose one of {', '.join(FORMATS_BY_NAME)}")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")

    try:
        revision = current_revision()
    except (OperationalError, ProgrammingError) as exc:
        raise fail(f"cannot open the database ({str(exc).splitlines()[0]})") from None
    if revision != head_revision():
        raise fail("the database is not migrated: run `redlens db upgrade` first")

    engine = make_engine()
    factory = make_session_factory(engine)
    try:
        with factory() as session, session.begin():
            row = get_workspace_by_slug(session, workspace)
            if row is None:
                if not create_workspace_:
                    raise fail(
                        f"workspace {workspace!r} does not exist; pass --create-workspace to create it",
                    )
                row = create_workspace(session, workspace)
            workspace_id = row.id
        summary = _run(
            factory, workspace_id, paths, campaign, kol, snapshot_date, fmt, show_progress=not as_json
        )
    finally:
        engine.dispose()

    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, workspace)
    if not summary.ok:
        raise typer.Exit(1)
    if strict and summary.totals()["rejected"]:
        raise typer.Exit(1)


def _run(
    factory: sessionmaker[Session],
    workspace_id: int,
    paths: list[Path],
    campaign: str | None,
    kol: str | None,
    as_of: date | None,
    fmt: str | None,
    *,
    show_progress: bool,
) -> IngestSummary:
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not show_progress or not console.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def on_progress(event: IngestProgress) -> None:
        task = tasks.get(event.path)
        if task is None:
            task = tasks[event.path] = progress.add_task(Path(event.path).name, total=1.0)
        part = min(event.done / event.total, 1.0) if event.total else 0.0
        completed = (
            part / 2 if event.stage == "reading" else 0.5 + part / 2 if event.stage == "writing" else 1.0
        )
        progress.update(task, completed=completed, description=f"{Path(event.path).name} ({event.stage})")

    options = ImportOptions(campaign=campaign, kol=kol, as_of=as_of)
    with progress:
        return ingest_paths(factory, workspace_id, paths, progress=on_progress, fmt=fmt, **options)


def _print_summary(summary: IngestSummary, workspace: str) -> None:
    console = Console(soft_wrap=True)
    table = Table(title=f"Import into workspace {escape(workspace)!r}", title_justify="left")
    table.add_column("file (format)", overflow="fold", ratio=1)
    headers = {
        "rows": "rows",
        "inserted": "new",
        "updated": "updated",
        "unchanged": "same",
        "duplicates": "dup",
    }
    for header in (*headers.values(), "rejected"):
        table.add_column(header, justify="right", no_wrap=True)
    keys = (*headers, "rejected")
    for f in summary.files:
        label = f"[dim]({escape(f.format)})[/dim]" if f.format else "[red](not imported)[/red]"
        table.add_row(f"{escape(Path(f.path).name)} {label}", *(f"{getattr(f, key):,}" for key in keys))
    console.print(table)
    for f in summary.files:
        name = escape(f.path)
        if f.failed:
            console.print(f"[red]{name}: not imported[/red]\n{escape(f.failed)}", highlight=False)
        if f.incomplete:
            console.print(f"[red]{name}: read only in part[/red]\n{escape(f.incomplete)}", highlight=False)
        if f.created:
            made = ", ".join(f"{what.replace('_', ' ')} x{n:,}" for what, n in sorted(f.created.items()))
            console.print(f"{name}: also created {made}", highlight=False)
        for warning in f.warnings:
            console.print(f"[yellow]{name}: {escape(warning)}[/yellow]", highlight=False)
        print_row_errors(
            console,
            "rejected",
            [str(error) for error in f.errors],
            hidden=f.errors_not_shown,
            more=f"rejected rows in {name} (see --json)",
        )
        known = [c.coverage for c in f.coverage if c.coverage is not None]
        if f.kind == "comments" and known:
            low = sum(1 for c in known if c < 0.5)
            console.print(
                f"{name}: comments collected vs reported, over {len(known):,} notes: median "
                f"{statistics.median(known):.0%}; {low:,} of them below 50%",
                highlight=False,
            )
