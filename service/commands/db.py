"""``redlens db``: apply and inspect the database migrations (Alembic, run programmatically)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from service.config import get_settings
from service.store.engine import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def _shown_url() -> str:
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade_command(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or update the tables (REDLENS_DATABASE_URL; SQLite var/redlens.db by default)."""
    before = current_revision()
    upgrade(None, revision)
    after = current_revision()
    if before == after:
        typer.echo(f"{_shown_url()}: already at {after}")
    else:
        typer.echo(f"{_shown_url()}: upgraded {before or 'empty database'} -> {after}")


@db_app.command("current")
def current_command() -> None:
    """Show the database's revision and the newest one; exit 1 when the database is behind."""
    current = current_revision()
    head = head_revision()
    if current == head:
        typer.echo(f"{_shown_url()}: {current} (head)")
        return
    typer.echo(
        f"{_shown_url()}: {current or 'not migrated'}, newest is {head}: run `redlens db upgrade`",
        err=True,
    )
    raise typer.Exit(1)


@db_app.command("downgrade")
def downgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' drops every table.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Revert migrations (drops data of the reverted tables)."""
    if not yes:
        typer.confirm(f"Downgrade {_shown_url()} to {revision}? Data in reverted tables is lost", abort=True)
    downgrade(None, revision)
    typer.echo(f"{_shown_url()}: now at {current_revision() or 'base'}")


@db_app.command("revision")
def revision_command(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    autogenerate: Annotated[bool, typer.Option(help="Diff the tables against the database.")] = True,
) -> None:
    """(developers) Write a new migration script into service/store/migrations/versions."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=autogenerate)
    finally:
        engine.dispose()
