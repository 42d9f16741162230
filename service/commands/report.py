"""``redlens report CAMPAIGN --workspace W --format json|csv|html -o FILE``."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from service.commands.common import fail, found_or_fail, workspace_session


def report(
    campaign: Annotated[str, typer.Argument(help="campaign name (or RedLens id)")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, csv or html")] = "html",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write (default: stdout)")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=50, help="notes in the top and bottom lists")] = 5,
) -> None:
    """The campaign report: overview, KOLs, content, funnel, brand health, competitive context, themes."""
    from service.campaigns import build_campaign_report
    from service.reports import FORMATS, render
    from service.store.repositories import get_campaign, get_campaign_by_name

    if fmt not in FORMATS:
        raise fail(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    with workspace_session(workspace) as (session, factory, ws, models):
        lookups = (partial(get_campaign_by_name, session, ws.id), partial(get_campaign, session, ws.id))
        found = found_or_fail("campaign", campaign, workspace, *lookups)
        data = build_campaign_report(session, factory, ws, found, models, top_n=top)
        session.commit()
    body, _ = render(data, fmt)
    if output is None:
        typer.echo(body)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(body, encoding="utf-8")
    typer.echo(f"wrote {output} ({fmt}, {len(body):,} characters)", err=True)
