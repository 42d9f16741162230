"""``redlens models list | show | promote | rollback | ensure``: the deployment's model versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from models.labels import TASKS
from service.commands.common import console, fail, models_dir
from service.commands.training import score
from service.config import get_settings

models_app = typer.Typer(help="List, inspect, promote and roll back model versions.", no_args_is_help=True)


@models_app.command("list")
def models_list() -> None:
    """Versions of every task: the shipped ones (models/) and those workspaces trained
    (<data dir>/models/workspace-<id>/), the current one marked, with who trained each."""
    from models.artifacts import ArtifactError, current_version, list_versions, read_card
    from service.serving import workspace_folders, workspaces_models_root

    settings = get_settings()
    trainers = _recorded_trainers()
    folders: list[tuple[Path, int | None]] = [(settings.models_dir, None)]
    folders += [(f, ws) for ws, f in workspace_folders(workspaces_models_root(settings)).items()]
    rows: list[tuple[str, str, str, str, str]] = []
    for task in TASKS:
        cur = current_version(task, settings.models_dir)
        found: dict[str, tuple[Path, int | None]] = {}
        for folder, ws in folders:  # the shipped folder first: a version in two folders is listed once
            for v in list_versions(task, folder):
                found.setdefault(v, (folder, ws))
        for v, (folder, ws) in sorted(found.items()):
            try:
                headline = _headline(read_card(task, v, folder))
            except (ArtifactError, OSError, ValueError) as exc:
                headline = f"card not readable: {exc}"
            rows.append((task, v, "*" if v == cur else "", _trainer(trainers.get((task, v)), ws), headline))
    table = Table()
    table.add_column("task")
    table.add_column("version", no_wrap=True, min_width=max((len(r[1]) for r in rows), default=7))
    table.add_column("current")
    table.add_column("trained by", no_wrap=True)
    table.add_column("headline metric")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _recorded_trainers() -> dict[tuple[str, str], str]:
    """Which workspace trained each version, from the database (empty when it cannot be read)."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.store.engine import make_engine, make_session_factory
    from service.store.repositories import model_version_trainers

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            return model_version_trainers(session)
    except SQLAlchemyError as exc:
        console.print(
            f"[yellow]database not read ({exc.__class__.__name__}): trainers from folders only[/yellow]"
        )
        return {}
    finally:
        engine.dispose()


def _trainer(slug: str | None, folder_workspace: int | None) -> str:
    if slug is not None:
        return f"workspace {slug}"
    if folder_workspace is not None:
        return f"workspace #{folder_workspace}"
    return "shipped"


def _headline(card: dict[str, Any]) -> str:
    real = (card.get("metrics") or {}).get("xhs_real_test") or {}
    if card["task"] == "sentiment":
        return f"real-test macro-F1 {score((real.get('sentiment') or {}).get('macro_f1'))}"
    per = (real.get("intents") or {}).get("per_intent", {})
    return ", ".join(f"{k} {score(v.get('f1'))}" for k, v in per.items() if v.get("support"))


@models_app.command("show")
def models_show(task: str, version: Annotated[str | None, typer.Argument()] = None) -> None:
    """Print a version's model card (README), shipped or trained by a workspace."""
    from models.artifacts import ArtifactError, current_version, find_version

    v = version or current_version(task, models_dir())
    try:
        folder = find_version(task, str(v), _all_folders()) if v else None
    except ArtifactError:
        folder = None
    path = folder / task / str(v) / "README.md" if folder is not None else None
    if path is None or not path.exists():
        raise fail(f"no card for {task} {v}")
    typer.echo(path.read_text(encoding="utf-8"))


def _all_folders() -> list[Path]:
    """The shipped models folder, then every workspace's."""
    from service.serving import workspace_folders, workspaces_models_root

    settings = get_settings()
    return [settings.models_dir, *workspace_folders(workspaces_models_root(settings)).values()]


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
    (after verifying its hash and library versions). A version a workspace trained is moved into
    the shipped models folder first: it becomes the deployment's."""
    import shutil

    from models.artifacts import ArtifactError, copy_version, find_version, set_current

    try:
        folder = find_version(task, version, _all_folders())
        if folder != models_dir():
            copy_version(task, version, folder, models_dir())
            shutil.rmtree(folder / task / version)
            console.print(f"moved {task} {version} from {folder} into {models_dir()}")
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
