"""``redlens keys create|list|revoke``: API keys of a workspace (the first key of a new workspace)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

keys_app = typer.Typer(help="API keys of a workspace.", no_args_is_help=True)


def _factory() -> sessionmaker[Session]:
    from service.config import get_settings
    from service.store.engine import make_engine, make_session_factory

    return make_session_factory(make_engine(get_settings().database_url))


@keys_app.command("create")
def create(
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")],
    scopes: Annotated[str, typer.Option(help="comma-separated: read, write, admin")] = "read",
    name: Annotated[str, typer.Option(help="what the key is for")] = "cli",
    create_workspace: Annotated[
        bool, typer.Option("--create-workspace", help="create the workspace if missing")
    ] = False,
) -> None:
    """Create a key and print its secret (shown once; only its hash is stored)."""
    from service.store import repositories as repo

    factory = _factory()
    with factory() as session, session.begin():
        ws = repo.get_workspace_by_slug(session, workspace)
        if ws is None:
            if not create_workspace:
                typer.echo(f"error: no workspace {workspace!r}; add --create-workspace", err=True)
                raise typer.Exit(2)
            ws = repo.create_workspace(session, workspace)
        try:
            key, secret = repo.create_api_key(session, ws.id, scopes, name=name)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"key {key.id} ({key.prefix}..., scopes {key.scopes}) for workspace {ws.slug}:", err=True)
    typer.echo(secret)


@keys_app.command("list")
def list_keys(workspace: Annotated[str, typer.Option("--workspace", "-w")]) -> None:
    """Active keys: id, prefix, scopes, last use."""
    from service.store import repositories as repo

    with _factory()() as session:
        ws = repo.get_workspace_by_slug(session, workspace)
        if ws is None:
            typer.echo(f"error: no workspace {workspace!r}", err=True)
            raise typer.Exit(2)
        for key in repo.list_api_keys(session, ws.id):
            typer.echo(
                f"{key.id}\t{key.prefix}...\t{key.scopes}\t{key.name}\tlast used {key.last_used_at or 'never'}"
            )


@keys_app.command("revoke")
def revoke(workspace: Annotated[str, typer.Option("--workspace", "-w")], key_id: int) -> None:
    """Revoke a key at once."""
    from service.store import repositories as repo

    with _factory()() as session, session.begin():
        ws = repo.get_workspace_by_slug(session, workspace)
        if ws is None or not repo.revoke_api_key(session, ws.id, key_id):
            typer.echo(f"error: no active key {key_id} in workspace {workspace!r}", err=True)
            raise typer.Exit(2)
    typer.echo(f"key {key_id} revoked")
