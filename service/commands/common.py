"""What every ``redlens`` command shares: the error exit, the console and the workspace session."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from service.config import get_settings
from service.store.tables import Workspace

T = TypeVar("T")

console = Console(stderr=True, soft_wrap=True)
"""Progress, tables and messages go to standard error; results go to standard output."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on standard error and return the exit to raise."""
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


def print_row_errors(
    out: Console, label: str, messages: Sequence[str], *, hidden: int = 0, more: str, shown: int = 20
) -> None:
    """The first ``shown`` row errors of a file, then how many more there are (``hidden`` of them
    are counted but were not kept)."""
    for message in messages[:shown]:
        out.print(f"[yellow]{label}[/yellow] {escape(message)}", highlight=False)
    rest = len(messages) - shown + hidden if len(messages) > shown else hidden
    if rest > 0:
        out.print(f"... and {rest:,} more {escape(more)}", highlight=False)


def found_or_fail(
    what: str,
    ident: str,
    workspace: str,
    by_name: Callable[[str], T | None],
    by_id: Callable[[int], T | None],
) -> T:
    """The row named ``ident``, else the row whose RedLens id it is, else an error exit."""
    found = by_name(ident)
    if found is None and ident.isdigit():
        found = by_id(int(ident))
    if found is None:
        raise fail(f"no {what} {ident!r} in workspace {workspace!r}")
    return found


def models_dir() -> Path:
    return get_settings().models_dir


@contextmanager
def store_session(slug: str) -> Iterator[tuple[Session, Workspace]]:
    """A session on the configured database and the workspace ``slug``, for commands that need no
    comment models."""
    from service.store.engine import make_engine, make_session_factory
    from service.store.repositories import get_workspace_by_slug

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            workspace = get_workspace_by_slug(session, slug)
            if workspace is None:
                raise fail(f"no workspace {slug!r}")
            yield session, workspace
    finally:
        engine.dispose()


@contextmanager
def workspace_session(
    slug: str,
) -> Iterator[tuple[Session, sessionmaker[Session], Workspace, CommentModels]]:
    """A session on the configured database, the workspace ``slug`` and the models it is served."""
    from service.serving import ModelHolder
    from service.store.engine import make_engine, make_session_factory
    from service.store.repositories import get_workspace_by_slug

    settings = get_settings()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            workspace = get_workspace_by_slug(session, slug)
            if workspace is None:
                raise fail(f"no workspace {slug!r} (try `redlens demo` for the demo workspace)")
            holder = ModelHolder.for_settings(settings)
            if holder.load_current() is None:
                raise fail(f"comment models not loaded: {holder.load_error}")
            yield session, factory, workspace, holder.for_workspace(session, workspace.id)
    finally:
        engine.dispose()
