"""``redlens report campaign|vetting ... --format ... -o FILE``: the reports the API serves, as files."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from service.commands.common import fail, found_or_fail, workspace_session

report_app = typer.Typer(
    help="Reports to hand on: campaign (json, csv, html, pdf) and vetting (json, html, pdf)."
)

WorkspaceOpt = Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="file to write (default: stdout)")]
LangOpt = Annotated[str, typer.Option("--lang", help="language of the HTML and PDF report: en or zh_CN")]


def _check(fmt: str, formats: tuple[str, ...], lang: str, output: Path | None) -> None:
    if fmt not in formats:
        raise fail(f"--format {fmt!r} is not one of {', '.join(formats)}")
    if lang not in ("en", "zh_CN"):
        raise fail(f"--lang {lang!r} is not one of en, zh_CN")
    if fmt == "pdf" and output is None:
        raise fail("--format pdf writes a binary file: give it with -o FILE")


def _write(body: str | bytes, fmt: str, output: Path | None) -> None:
    if output is None:
        typer.echo(body)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        output.write_bytes(body)
    else:
        output.write_text(body, encoding="utf-8")
    typer.echo(
        f"wrote {output} ({fmt}, {len(body):,} {'bytes' if isinstance(body, bytes) else 'characters'})",
        err=True,
    )


def _rendered(render: partial[tuple[str | bytes, str]]) -> str | bytes:
    from service.errors import PdfUnavailable

    try:
        return render()[0]
    except PdfUnavailable as exc:
        raise fail(exc.detail, code=3) from exc


@report_app.command("campaign")
def campaign_report(
    campaign: Annotated[str, typer.Argument(help="campaign name (or RedLens id)")],
    workspace: WorkspaceOpt,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, csv, html or pdf")] = "html",
    by: Annotated[str, typer.Option("--by", help="CSV rows: kol, note or theme")] = "kol",
    lang: LangOpt = "en",
    output: OutputOpt = None,
    top: Annotated[int, typer.Option(min=1, max=50, help="notes in the top and bottom lists")] = 5,
) -> None:
    """Overview, KOLs, content, funnel, brand health, competitive context, themes (per KOL, before/after)."""
    from service.campaigns import build_campaign_report
    from service.config import get_settings
    from service.reports import FORMATS, LAYOUTS, RenderOptions, render
    from service.store.repositories import get_campaign, get_campaign_by_name

    _check(fmt, FORMATS, lang, output)
    if by not in LAYOUTS:
        raise fail(f"--by {by!r} is not one of {', '.join(LAYOUTS)}")
    with workspace_session(workspace) as (session, factory, ws, models):
        lookups = (partial(get_campaign_by_name, session, ws.id), partial(get_campaign, session, ws.id))
        found = found_or_fail("campaign", campaign, workspace, *lookups)
        data = build_campaign_report(session, factory, ws, found, models, top_n=top)
        session.commit()
    html_hint = f"redlens report campaign {campaign!r} -w {workspace} --format html"
    chromium = get_settings().chromium
    body = _rendered(partial(render, data, fmt, RenderOptions(lang, by, chromium, html_hint)))
    _write(body, fmt, output)


@report_app.command("vetting")
def vetting_report(
    kol_id: Annotated[str, typer.Argument(help="the KOL's platform user id (or RedLens row id)")],
    workspace: WorkspaceOpt,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, html or pdf")] = "html",
    lang: LangOpt = "en",
    output: OutputOpt = None,
    recent_notes: Annotated[int, typer.Option(min=1, max=100, help="recent notes to look at")] = 20,
) -> None:
    """Cover with the verdict and its reasons, charts, flagged evidence, KPI table, method and versions."""
    from service.commands.vet import vetting_of
    from service.config import get_settings
    from service.reports import VETTING_FORMATS, RenderOptions, render_vetting, vetting_evidence

    _check(fmt, VETTING_FORMATS, lang, output)
    with workspace_session(workspace) as (session, factory, ws, models):
        kol, vetting = vetting_of(session, factory, ws, models, kol_id, workspace, recent_notes)
        evidence = vetting_evidence(session, ws.id, kol, recent_notes)
        session.commit()
    html_hint = f"redlens report vetting {kol_id!r} -w {workspace} --format html"
    chromium = get_settings().chromium
    body = _rendered(
        partial(render_vetting, vetting, evidence, fmt, RenderOptions(lang, "kol", chromium, html_hint))
    )
    _write(body, fmt, output)
