"""``redlens market brands|report|campaign``: tracked brands, weekly mentions, a campaign's share
of voice, UGC re-creation and branded search lift (the same functions as ``/v1/market``).
Keyword-search exports and search-index CSVs are imported with ``redlens ingest``."""

from __future__ import annotations

import json
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from service.commands.common import console, fail, found_or_fail, workspace_session

market_app = typer.Typer(
    help="Brand and competitor tracking from keyword-search exports.", no_args_is_help=True
)

WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")]


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@market_app.command("brands")
def brands(
    workspace: WorkspaceOption,
    set_from: Annotated[
        Path | None,
        typer.Option(
            "--set",
            help='JSON file: [{"name": ..., "own": true, "aliases": [...], "products": [...], "hashtags": [...]}]',
        ),
    ] = None,
) -> None:
    """Show the tracked brands, or replace them with those of a JSON file."""
    from service.brand_tracking import BrandDefinitionError, parse_brands
    from service.store.brands import list_brands, replace_brands

    with workspace_session(workspace) as (session, _, ws, _models):
        if set_from is not None:
            try:
                items = json.loads(set_from.read_text(encoding="utf-8"))
                specs = parse_brands(items if isinstance(items, list) else items.get("brands", []))
            except (OSError, ValueError, AttributeError) as exc:
                raise fail(f"{set_from}: {exc}") from None
            except BrandDefinitionError as exc:
                raise fail(f"{set_from}: {exc}") from None
            replace_brands(session, ws.id, specs)
            session.commit()
        _echo_json([{"name": b.name, "own": b.own, "aliases": b.aliases, "products": b.products,
                     "hashtags": b.hashtags} for b in list_brands(session, ws.id)])  # fmt: skip


@market_app.command("report")
def report(
    workspace: WorkspaceOption,
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD (China time)")] = None,
    until: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD (China time)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the whole report as JSON")] = False,
) -> None:
    """Mentions of each tracked brand per ISO week: notes, comments, sentiment, share of voice."""
    from service.brand_tracking import collect_mentions, market_report

    try:
        first = date.fromisoformat(since) if since else None
        last = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise fail(f"--since/--until: {exc} (expected YYYY-MM-DD)") from None
    with workspace_session(workspace) as (session, factory, ws, models):
        data = market_report(collect_mentions(session, factory, ws.id, models), since=first, until=last)
    if as_json:
        _echo_json(data)
        return
    if data.get("note"):
        raise fail(data["note"])
    for row in data["brands"]:
        t = row["totals"]
        sov = t["share_of_voice"]["value"]
        typer.echo(
            f"{row['brand']}{' (own)' if row['own'] else ''}: {t['mentions']} mentions "
            f"({t['note_mentions']} notes, {t['comment_mentions']} comments), share of voice "
            f"{'n/a' if sov is None else f'{sov:.1%}'}, {len(row['weeks'])} weeks"
        )
    console.print(f"{data['notes_read']:,} notes and {data['comments_read']:,} comments read")


@market_app.command("campaign")
def campaign(
    name: Annotated[str, typer.Argument(help="campaign name (or RedLens id)")],
    workspace: WorkspaceOption,
    window_days: Annotated[
        int, typer.Option(min=1, max=365, help="days before and from the first note")
    ] = 28,
) -> None:
    """A campaign's share of voice, UGC re-creation and branded search lift, as JSON."""
    from service.brand_tracking import campaign_market, collect_mentions
    from service.store.repositories import get_campaign, get_campaign_by_name

    with workspace_session(workspace) as (session, factory, ws, models):
        lookups = (partial(get_campaign_by_name, session, ws.id), partial(get_campaign, session, ws.id))
        found = found_or_fail("campaign", name, workspace, *lookups)
        data = collect_mentions(session, factory, ws.id, models)
        _echo_json(campaign_market(session, data, ws, found, window_days=window_days))
