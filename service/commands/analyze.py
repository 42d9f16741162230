"""``redlens analyze FILE``: sentiment, intents and low-effort flag for every comment of a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from service.commands.common import console, fail, models_dir


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
    from models.artifacts import ArtifactError
    from models.comments import load_comment_models
    from service.analyze import AnalyzeInputError, analyze_rows, read_comment_file, write_records

    if not input_path.exists():
        raise fail(f"{input_path} does not exist")
    fmt = fmt or ("csv" if output is not None and output.suffix.lower() == ".csv" else "jsonl")
    try:
        rows, text_col = read_comment_file(input_path)
        models = load_comment_models(models_dir())
    except (AnalyzeInputError, ArtifactError) as exc:
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
    summary.text_column = text_col
    try:
        write_records(records, output, fmt)
    except AnalyzeInputError as exc:
        raise fail(str(exc)) from exc
    for rec in [r for r in records if r["status"] == "error"][:20]:
        console.print(f"[yellow]row error[/yellow] {input_path.name} line {rec['line']}: {rec['error']}")
    console.print(
        f"{summary.rows} rows: {summary.ok} analysed, {summary.errors} with errors (kept in the output with status=error); "
        f"text column '{text_col}'; model {summary.model_version}"
    )


def register(app: typer.Typer) -> None:
    """Add ``redlens analyze`` to the CLI."""
    app.command("analyze")(analyze)
