"""``redlens models list | show | promote | rollback | ensure``: the deployment's model versions."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from models.labels import TASKS
from service.commands.common import console, fail, models_dir
from service.commands.training import score

models_app = typer.Typer(help="List, inspect, promote and roll back model versions.", no_args_is_help=True)


@models_app.command("list")
def models_list() -> None:
    """Versions of every task, the current one marked."""
    from models.artifacts import current_version, list_versions, read_card

    table = Table()
    for col in ("task", "version", "current", "headline metric"):
        table.add_column(col)
    for task in TASKS:
        cur = current_version(task, models_dir())
        for v in list_versions(task, models_dir()):
            card = read_card(task, v, models_dir())
            table.add_row(task, v, "*" if v == cur else "", _headline(card))
    console.print(table)


def _headline(card: dict[str, Any]) -> str:
    real = (card.get("metrics") or {}).get("xhs_real_test") or {}
    if card["task"] == "sentiment":
        return f"real-test macro-F1 {score((real.get('sentiment') or {}).get('macro_f1'))}"
    per = (real.get("intents") or {}).get("per_intent", {})
    return ", ".join(f"{k} {score(v.get('f1'))}" for k, v in per.items() if v.get("support"))


@models_app.command("show")
def models_show(task: str, version: Annotated[str | None, typer.Argument()] = None) -> None:
    """Print a version's model card (README)."""
    from models.artifacts import current_version

    v = version or current_version(task, models_dir())
    path = models_dir() / task / str(v) / "README.md"
    if not v or not path.exists():
        raise fail(f"no card for {task} {v}")
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
        set_current(task, version, models_dir())
    except ArtifactError as exc:
        raise fail(str(exc)) from exc
    console.print(f"{task} {version} is current")
    _announce_to_servers()


@models_app.command("rollback")
def models_rollback(task: str) -> None:
    """Return the deployment to its previously current version."""
    from models.artifacts import ArtifactError, rollback

    try:
        v = rollback(task, models_dir())
    except ArtifactError as exc:
        raise fail(str(exc)) from exc
    console.print(f"{task} rolled back to {v}")
    _announce_to_servers()


@models_app.command("ensure")
def models_ensure() -> None:
    """Check that a current, verified model exists for every task (used by `make run`)."""
    from models.artifacts import ArtifactError, current_version, verify_artifact

    problems = []
    for task in TASKS:
        v = current_version(task, models_dir())
        if v is None:
            problems.append(f"no current {task} model")
            continue
        try:
            verify_artifact(task, v, models_dir())
            console.print(f"{task}: {v} verified")
        except ArtifactError as exc:
            problems.append(str(exc))
    if problems:
        for p in problems:
            console.print(f"[red]{p}[/red]")
        raise fail(
            "models are not ready; run `make train` (needs ../shared/corpora) or restore models/ from git", 1
        )
