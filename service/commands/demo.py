"""``redlens demo``: seed the demo workspace (once) and print its API key."""

from __future__ import annotations

from typing import Annotated

import typer

from service.commands.common import fail


def demo(
    url: Annotated[
        str, typer.Option(help="where the service will listen, for the example command printed at the end")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Create the 'demo' workspace from simulated KOLs (idempotent) and print its API key."""
    from service.config import get_settings
    from service.demo import seed_demo
    from service.serving import ModelHolder
    from service.store.engine import current_revision, head_revision, make_engine, make_session_factory

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        if current_revision(engine) != head_revision():
            raise fail("the database is not migrated: run `redlens db upgrade` first")
        holder = ModelHolder.for_settings(settings)
        models = holder.load_current()
        if models is None:
            typer.echo(
                f"warning: comment models not loaded ({holder.load_error}); comments are analysed later",
                err=True,
            )
        result = seed_demo(
            make_session_factory(engine), settings, models, say=lambda m: typer.echo(m, err=True)
        )
    finally:
        engine.dispose()
    if result.created:
        typer.echo(
            f"demo workspace created: {result.kols} KOLs, {result.notes} notes, "
            f"{result.comments_analyzed} comments analysed, campaign {result.campaign!r}",
            err=True,
        )
    else:
        typer.echo(f"demo workspace already there ({result.kols} KOLs, {result.notes} notes)", err=True)
    where = "new key, saved in" if result.key_created else "key from"
    typer.echo(f"API key ({where} {result.key_file}, read/write/admin):", err=True)
    typer.echo(result.key)
    typer.echo(f'try: curl -H "Authorization: Bearer $KEY" {url.rstrip("/")}/v1/kols', err=True)
