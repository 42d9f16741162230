"""``redlens analyze FILE``: sentiment, intents and low-effort flag for every comment of a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from models.artifacts import ArtifactError
from models.comments import load_comment_models
from service.commands.common import console, fail, models_dir, print_row_errors
from service.comment_analysis import (
    DASK_MISSING,
    OUTPUT_FORMATS,
    analyze_rows,
    dask_installed,
    read_comment_file,
    write_records,
)
from service.ingest.readers import InputFileError


def analyze(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, JSONL, JSON or XLSX with a text/content column")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="output file (.jsonl or .csv); stdout when omitted")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv (default: from the output suffix)")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="processes to use")] = 1,
    dask_scheduler: Annotated[
        str | None, typer.Option(help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="comments per prediction batch")] = 1024,
) -> None:
    """Analyse every comment of a file: sentiment, intents, low_effort, one output row per input row."""
    if not input_path.exists():
        raise fail(f"{input_path} does not exist")
    fmt = fmt or ("csv" if output is not None and output.suffix.lower() == ".csv" else "jsonl")
    if fmt not in OUTPUT_FORMATS:
        raise fail(f"--format {fmt!r} is not one of {', '.join(OUTPUT_FORMATS)}")
    if dask_scheduler and not dask_installed():
        raise fail(DASK_MISSING)
    try:
        rows, text_col = read_comment_file(input_path)
        models = load_comment_models(models_dir())
    except (InputFileError, ArtifactError) as exc:
        raise fail(str(exc)) from exc
    with Progress(
        TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        job = bar.add_task("analyse", total=len(rows))
        records, summary = analyze_rows(
            rows,
            models,
            models_dir=models_dir(),
            batch_size=batch_size,
            workers=workers,
            dask_scheduler=dask_scheduler,
            progress=lambda n: bar.advance(job, n),
        )
    write_records(records, output, fmt)
    errors = [f"{input_path.name} line {r['line']}: {r['error']}" for r in records if r["status"] == "error"]
    print_row_errors(console, "row error", errors, more="row errors (status=error in the output)")
    console.print(
        f"{summary.rows} rows: {summary.ok} analysed, {summary.errors} with errors (kept in the output "
        f"with status=error); text column {escape(repr(text_col))}; model {summary.model_version}",
        highlight=False,
    )
