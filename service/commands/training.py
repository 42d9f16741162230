"""``redlens train`` and ``redlens evaluate``: fit and score the comment models from the corpora."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from models.labels import INTENTS, TASKS
from service.commands.common import console, fail, models_dir


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
    cross_corpus: Annotated[
        bool,
        typer.Option(
            help="also run the leave-one-commercial-folder-out and public leave-one-domain-out checks"
        ),
    ] = True,
    baselines: Annotated[
        bool, typer.Option(help="score SnowNLP and keyword baselines on the same rows")
    ] = True,
    corpus_dir: Annotated[
        Path | None, typer.Option(help="labelled corpus folder (default: the project's corpora/xhs_comments)")
    ] = None,
) -> None:
    """Train sentiment and/or intent models from the corpora and save new versions."""
    from models.artifacts import set_current
    from service.config import get_settings
    from training.datasets import PROJECT_CORPUS_DIR, write_frozen_splits
    from training.labelled import LabelFileError, read_labelled_files
    from training.train import load_config, prepare_data, train_models

    tasks = list(TASKS) if task == "all" else [task]
    if any(t not in TASKS for t in tasks):
        raise fail(f"--task {task!r} is not one of sentiment, intents, all")
    extra = None
    if data:
        try:
            extra, errors = read_labelled_files(data)
        except LabelFileError as exc:
            raise fail(str(exc)) from exc
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

        prepared = prepare_data(
            shared_dir=get_settings().shared_corpora_dir,
            extra=extra,
            with_public="sentiment" in tasks and corpus_dir is None,
            corpus_dir=corpus_dir or PROJECT_CORPUS_DIR,
        )
        saved = list(
            train_models(
                prepared,
                cfg,
                tasks=tuple(tasks),
                models_dir=models_dir(),
                grid=grid,
                with_cross_corpus=cross_corpus,
                baselines=baselines,
                progress=progress,
            ).values()
        )
        bar.update(job, description="done", completed=1.0)
    if set(tasks) == set(TASKS):
        # The sides these models were trained with stay put when labels are added later.
        frozen = write_frozen_splits(prepared.corpus, corpus_dir or PROJECT_CORPUS_DIR)
        console.print(f"splits by note frozen in {frozen}")
    for art in saved:
        _print_card_summary(art.card)
        console.print(f"saved {art.task} {art.version} -> {art.path}")
        if promote:
            set_current(art.task, art.version, models_dir())
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
            table.add_row(name, str(res.get("n")), score(s.get("macro_f1")), score(b.get("macro_f1")), acc_s)
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
                    f"{score(per[i]['f1'])} (kw {score(kw.get(i, {}).get('f1'))}, n+ {per[i]['support']})"
                    for i in INTENTS
                ),
            )
    console.print(table)


def evaluate(
    task: Annotated[str, typer.Option(help="sentiment, intents or all")] = "all",
    previous: Annotated[
        bool, typer.Option(help="also score the versions the current ones replaced, on the same rows")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the metrics as JSON")] = False,
    corpus_dir: Annotated[
        Path | None, typer.Option(help="labelled corpus folder (default: the project's corpora/xhs_comments)")
    ] = None,
) -> None:
    """Evaluate the current models on the held-back test sets (commercial split first), next to the
    models they replaced."""
    from models.artifacts import ArtifactError, current_version, load_pipeline, read_registry
    from service.config import get_settings
    from training.datasets import PROJECT_CORPUS_DIR
    from training.evaluate import commercial_table
    from training.train import evaluate_intents, evaluate_sentiment, prepare_data

    tasks = list(TASKS) if task == "all" else [task]
    prepared = prepare_data(
        shared_dir=get_settings().shared_corpora_dir,
        with_public="sentiment" in tasks and corpus_dir is None,
        corpus_dir=corpus_dir or PROJECT_CORPUS_DIR,
    )
    registry = read_registry(models_dir())
    out: dict[str, Any] = {}
    columns: dict[str, dict[str, Any]] = {"current": {}, "previous": {}}
    for t in tasks:
        version = current_version(t, models_dir())
        if version is None:
            raise fail(f"no current {t} model; run `make train`")
        history = (registry.get(t) or {}).get("history") or []
        named = {"current": version, **({"previous": history[-1]} if previous and history else {})}
        for which, v in named.items():
            try:
                pipe, card = load_pipeline(t, v, models_dir())
            except ArtifactError as exc:
                raise fail(str(exc)) from exc
            run = evaluate_sentiment if t == "sentiment" else evaluate_intents
            metrics = run(pipe, prepared, baselines=which == "current")
            out.setdefault(t, {})[which] = {"version": v, "metrics": metrics}
            columns[which][t] = (v, metrics)
            if which == "current" and not as_json:
                _print_card_summary({**card, "metrics": metrics})
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return

    def column(which: str) -> tuple[str, Any, Any] | None:
        got = columns[which]
        if not got:
            return None
        label = " + ".join(v for v, _ in got.values())
        return (
            f"{which} ({label})",
            (got.get("sentiment") or (None, None))[1],
            (got.get("intents") or (None, None))[1],
        )

    current_col = column("current")
    if current_col is not None:
        console.print(commercial_table(current_col, column("previous")), markup=False)


def score(value: Any) -> str:
    """A metric with three decimals, ``-`` when it is missing."""
    return "-" if value is None else f"{value:.3f}"
