"""``redlens train | evaluate | analyze | models ...``: the comment classifier from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from models.labels import INTENTS, SENTIMENTS

console = Console(stderr=True)
models_app = typer.Typer(help="List, inspect, promote and roll back model versions.", no_args_is_help=True)


def _models_dir() -> Path:
    from service.config import get_settings

    return get_settings().models_dir


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def train(
    task: Annotated[str, typer.Option(help="sentiment, intents or all")] = "all",
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data", help="extra labelled CSV/JSON (text + label columns, or a Label Studio export)"
        ),
    ] = None,
    promote: Annotated[bool, typer.Option(help="make the new versions current")] = False,
    grid: Annotated[bool, typer.Option(help="select hyperparameters on the validation split")] = True,
    cross_corpus: Annotated[bool, typer.Option(help="also run the leave-one-corpus-out check")] = True,
    baselines: Annotated[
        bool, typer.Option(help="score SnowNLP and keyword baselines on the same rows")
    ] = True,
) -> None:
    """Train sentiment and/or intent models from the corpora and save new versions."""
    from models.artifacts import set_current
    from training.labelled import LabelFileError, read_labelled_files
    from training.train import load_config, prepare_data, train_task

    tasks = ["sentiment", "intents"] if task == "all" else [task]
    if any(t not in ("sentiment", "intents") for t in tasks):
        raise _fail(f"--task {task!r} is not one of sentiment, intents, all")
    extra = None
    if data:
        try:
            extra, errors = read_labelled_files(data)
        except LabelFileError as exc:
            raise _fail(str(exc)) from exc
        for err in errors[:20]:
            console.print(f"[yellow]skipped[/yellow] {err}")
        if len(errors) > 20:
            console.print(f"[yellow]... and {len(errors) - 20} more skipped rows[/yellow]")
        console.print(f"extra labelled rows: {len(extra)} kept, {len(errors)} skipped")
    cfg = load_config()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        job = bar.add_task("loading corpora", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(job, description=stage, completed=fraction)

        prepared = prepare_data(extra=extra, with_public="sentiment" in tasks)
        saved = []
        for t in tasks:
            art = train_task(
                t,
                prepared,
                cfg,
                models_dir=_models_dir(),
                grid=grid,
                with_cross_corpus=cross_corpus,
                baselines=baselines,
                progress=progress,
            )
            saved.append(art)
        bar.update(job, description="done", completed=1.0)
    for art in saved:
        _print_card_summary(art.card)
        console.print(f"saved {art.task} {art.version} -> {art.path}")
        if promote:
            set_current(art.task, art.version, _models_dir())
            console.print(f"[green]{art.task} {art.version} is now current[/green]")


def _print_card_summary(card: dict[str, Any]) -> None:
    table = Table(title=f"{card['task']} {card['version']}")
    table.add_column("test set")
    table.add_column("n", justify="right")
    if card["task"] == "sentiment":
        table.add_column("macro-F1", justify="right")
        table.add_column("SnowNLP macro-F1", justify="right")
        table.add_column("accuracy (binary sets)", justify="right")
        for name, res in card["metrics"].items():
            s = res.get("sentiment", {})
            b = (res.get("baseline_snownlp") or {}).get("sentiment", {})
            acc = res.get("binary_accuracy")
            acc_s = (
                f"{acc:.3f} (SnowNLP {res.get('baseline_snownlp_binary_accuracy', float('nan')):.3f})"
                if acc
                else "-"
            )
            table.add_row(name, str(res.get("n")), _f(s.get("macro_f1")), _f(b.get("macro_f1")), acc_s)
    else:
        for name in INTENTS:
            table.add_column(f"{name} F1", justify="right")
        for name, res in card["metrics"].items():
            per = res["intents"]["per_intent"]
            kw = ((res.get("baseline_keywords") or {}).get("intents") or {}).get("per_intent", {})
            table.add_row(
                name,
                str(res.get("n")),
                *(
                    f"{_f(per[i]['f1'])} (kw {_f(kw.get(i, {}).get('f1'))}, n+ {per[i]['support']})"
                    for i in INTENTS
                ),
            )
    console.print(table)


def _f(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def evaluate(
    task: Annotated[str, typer.Option(help="sentiment, intents or all")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="print the metrics as JSON")] = False,
) -> None:
    """Evaluate the current models on the held-back test split and public test sets."""
    from models.artifacts import ArtifactError, current_version, load_pipeline
    from training.train import evaluate_intents, evaluate_sentiment, prepare_data

    tasks = ["sentiment", "intents"] if task == "all" else [task]
    prepared = prepare_data(with_public="sentiment" in tasks)
    out: dict[str, Any] = {}
    for t in tasks:
        version = current_version(t, _models_dir())
        if version is None:
            raise _fail(f"no current {t} model; run `make train`")
        try:
            pipe, card = load_pipeline(t, version, _models_dir())
        except ArtifactError as exc:
            raise _fail(str(exc)) from exc
        metrics = evaluate_sentiment(pipe, prepared) if t == "sentiment" else evaluate_intents(pipe, prepared)
        out[t] = {"version": version, "metrics": metrics}
        if not as_json:
            _print_card_summary({**card, "metrics": metrics})
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


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
        raise _fail(f"{input_path} does not exist")
    fmt = fmt or ("csv" if output is not None and output.suffix.lower() == ".csv" else "jsonl")
    try:
        rows, text_col = read_comment_file(input_path)
        models = load_comment_models(_models_dir())
    except (AnalyzeInputError, ArtifactError) as exc:
        raise _fail(str(exc)) from exc
    with Progress(
        TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        job = bar.add_task("analyse", total=len(rows))
        records, summary = analyze_rows(
            rows,
            models,
            models_dir=_models_dir(),
            batch_size=batch_size,
            workers=workers,
            dask_scheduler=dask_scheduler,
            progress=lambda n: bar.advance(job, n),
        )
    summary.text_column = text_col
    try:
        write_records(records, output, fmt)
    except AnalyzeInputError as exc:
        raise _fail(str(exc)) from exc
    for rec in [r for r in records if r["status"] == "error"][:20]:
        console.print(f"[yellow]row error[/yellow] {input_path.name} line {rec['line']}: {rec['error']}")
    console.print(
        f"{summary.rows} rows: {summary.ok} analysed, {summary.errors} with errors (kept in the output with status=error); "
        f"text column '{text_col}'; model {summary.model_version}"
    )


@models_app.command("list")
def models_list() -> None:
    """Versions of every task, the current one marked."""
    from models.artifacts import current_version, list_versions, read_card

    table = Table()
    for col in ("task", "version", "current", "headline metric"):
        table.add_column(col)
    for task in ("sentiment", "intents"):
        cur = current_version(task, _models_dir())
        for v in list_versions(task, _models_dir()):
            card = read_card(task, v, _models_dir())
            table.add_row(task, v, "*" if v == cur else "", _headline(card))
    console.print(table)


def _headline(card: dict[str, Any]) -> str:
    real = (card.get("metrics") or {}).get("xhs_real_test") or {}
    if card["task"] == "sentiment":
        return f"real-test macro-F1 {_f((real.get('sentiment') or {}).get('macro_f1'))}"
    per = (real.get("intents") or {}).get("per_intent", {})
    return ", ".join(f"{k} {_f(v.get('f1'))}" for k, v in per.items() if v.get("support"))


@models_app.command("show")
def models_show(task: str, version: Annotated[str | None, typer.Argument()] = None) -> None:
    """Print a version's model card (README)."""
    from models.artifacts import current_version

    v = version or current_version(task, _models_dir())
    path = _models_dir() / task / str(v) / "README.md"
    if not v or not path.exists():
        raise _fail(f"no card for {task} {v}")
    typer.echo(path.read_text(encoding="utf-8"))


def _announce_to_servers() -> None:
    """Record the registry's current versions in the database, which running servers poll (~10 s)."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.config import get_settings
    from service.serving import record_registry
    from service.store.engine import make_engine, make_session_factory

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            record_registry(session, settings.models_dir)
            session.commit()
        console.print("running servers on this database switch within about 10 s")
    except SQLAlchemyError as exc:
        console.print(
            f"[yellow]database not updated ({exc.__class__.__name__}); servers switch on restart[/yellow]"
        )
    finally:
        engine.dispose()


@models_app.command("promote")
def models_promote(task: str, version: str) -> None:
    """Make a version the deployment's current one, for every workspace that did not promote its own
    (after verifying its hash and library versions)."""
    from models.artifacts import ArtifactError, set_current

    try:
        set_current(task, version, _models_dir())
    except ArtifactError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"{task} {version} is current")
    _announce_to_servers()


@models_app.command("rollback")
def models_rollback(task: str) -> None:
    """Return the deployment to its previously current version."""
    from models.artifacts import ArtifactError, rollback

    try:
        v = rollback(task, _models_dir())
    except ArtifactError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"{task} rolled back to {v}")
    _announce_to_servers()


@models_app.command("ensure")
def models_ensure() -> None:
    """Check that a current, verified model exists for every task (used by `make run`)."""
    from models.artifacts import ArtifactError, current_version, verify_artifact

    problems = []
    for task in ("sentiment", "intents"):
        v = current_version(task, _models_dir())
        if v is None:
            problems.append(f"no current {task} model")
            continue
        try:
            verify_artifact(task, v, _models_dir())
            console.print(f"{task}: {v} verified")
        except ArtifactError as exc:
            problems.append(str(exc))
    if problems:
        for p in problems:
            console.print(f"[red]{p}[/red]")
        raise _fail(
            "models are not ready; run `make train` (needs ../shared/corpora) or restore models/ from git", 1
        )


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.command("analyze")(analyze)
    app.add_typer(models_app, name="models")


__all__ = ["SENTIMENTS", "register"]
