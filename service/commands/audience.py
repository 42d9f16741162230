"""``redlens audience show|import|target``, ``redlens sponsorship`` and ``redlens quote``: audience
fit, sponsorship and quoted prices (issue #14), through the same service functions as the routes
in :mod:`service.routes.audience`."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from service.commands.common import console, fail, found_or_fail, print_row_errors, store_session
from service.store.tables import Kol, Workspace

audience_app = typer.Typer(
    help="A KOL's audience fit: commenter regions, fan portrait (蒲公英) and the workspace's target.",
    no_args_is_help=True,
)

WorkspaceOpt = Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")]
KolArg = Annotated[str, typer.Argument(help="the KOL's platform user id (or RedLens row id)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON, as the API answers it")]
#: Who entered the rows the CLI stores (``entered_by``, ``entered_via``).
CLI_WHO = ("redlens CLI", "cli")


def _kol(session: Session, ws: Workspace, ident: str) -> Kol:
    from service.store.repositories import get_kol, get_kol_by_platform_id

    lookups = (partial(get_kol_by_platform_id, session, ws.id), partial(get_kol, session, ws.id))
    return found_or_fail("KOL", ident, ws.slug, *lookups)


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _shares(shares: dict[str, dict[str, float]]) -> str:
    return "; ".join(
        f"{dim}: " + ", ".join(f"{bucket} {share:.0%}" for bucket, share in buckets.items())
        for dim, buckets in shares.items()
    )


def _read_profile(file: Path) -> Any:
    """The checked profile file (CSV or XLSX), its row errors printed; an error exit when unreadable."""
    from service.ingest.readers import InputFileError
    from service.market import read_profile_file
    from service.routes.audience import MAX_PROFILE_BYTES, PROFILE_SUFFIXES

    if file.suffix.lower() not in PROFILE_SUFFIXES:
        raise fail(f"{file.name}: use a .csv or .xlsx file (dimension, bucket, share columns)")
    if not file.is_file():
        raise fail(f"{file}: no such file")
    if file.stat().st_size > MAX_PROFILE_BYTES:
        raise fail(f"{file.name}: a profile file is at most {MAX_PROFILE_BYTES // 1024} KB")
    try:
        check = read_profile_file(file)
    except InputFileError as exc:
        raise fail(str(exc), code=1) from exc
    print_row_errors(console, "skipped", check.errors, more="errors")
    return check


def _saved(session: Session, ws: Workspace, check: Any, **where: Any) -> dict[str, Any]:
    """:func:`service.market.save_profile`, committed; exit 1 when no dimension is usable."""
    from service.errors import InvalidInput
    from service.market import save_profile

    try:
        result = save_profile(session, ws.id, CLI_WHO, check, **where)
    except InvalidInput as exc:
        raise fail(exc.detail, code=1) from exc
    session.commit()
    return result


@audience_app.command("show")
def show(kol_id: KolArg, workspace: WorkspaceOpt, as_json: JsonOpt = False) -> None:
    """Regions of real commenters with coverage, the fan portrait, the target and the fit score."""
    from service.market import kol_audience

    with store_session(workspace) as (session, ws):
        result = kol_audience(session, ws.id, _kol(session, ws, kol_id))
    if as_json:
        _json(result)
        return
    regions, fit = result["regions"], result["fit"]
    typer.echo(
        f"commenters: {regions['located']} of {regions['commenters']} show a location "
        f"(coverage {regions['coverage'] or 0:.0%})"
    )
    top = list(regions["provinces"].items())[:8]
    if top:
        typer.echo("regions: " + ", ".join(f"{p} {s:.0%}" for p, s in top))
    for name in ("portrait", "target"):
        profile = result[name]
        typer.echo(f"{name}: " + (_shares(profile["shares"]) if profile else "none entered"))
    if fit["score"] is None:
        typer.echo(f"fit: none ({fit['reason']})")
    else:
        dims = ", ".join(f"{d['dimension']} {d['fit']:.0f} ({d['source']})" for d in fit["dimensions"])
        typer.echo(f"fit: {fit['score']:.0f}/100, driven by {fit['driver']}; {dims}")


@audience_app.command("import")
def import_portrait(kol_id: KolArg, file: Path, workspace: WorkspaceOpt, as_json: JsonOpt = False) -> None:
    """Import a KOL's fan portrait (CSV or XLSX: dimension, bucket, share). Bad rows and dimensions
    are printed and skipped; exit 1 when nothing could be imported."""
    check = _read_profile(file)
    with store_session(workspace) as (session, ws):
        kol = _kol(session, ws, kol_id)
        result = _saved(session, ws, check, kind="kol", kol_id=kol.id, source=file.name)
    if as_json:
        _json(result)
        return
    typer.echo(f"imported {', '.join(result['kept'])} ({len(result['errors'])} skipped)")


def _weights(raw: list[str]) -> dict[str, float]:
    from models.market.audience import ProfileError, check_weights

    weights: dict[str, float] = {}
    for item in raw:
        dim, _, value = item.partition("=")
        try:
            weights[dim.strip()] = float(value)
        except ValueError:
            raise fail(f"--weight {item!r}: write DIMENSION=NUMBER, e.g. gender=2") from None
    try:
        return check_weights(weights)
    except ProfileError as exc:
        raise fail(f"--weight: {exc}") from exc


@audience_app.command("target")
def target(
    workspace: WorkspaceOpt,
    file: Annotated[Path | None, typer.Argument(help="target profile, CSV or XLSX like a portrait")] = None,
    weight: Annotated[
        list[str] | None, typer.Option("--weight", help="DIMENSION=N (0-10, default 1), repeatable")
    ] = None,
    show_it: Annotated[bool, typer.Option("--show", help="print the stored target")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set the workspace's target audience from FILE, or print it with --show."""
    from service.market import profile_json
    from service.store.market import latest_audience_profile

    if (file is None) == (not show_it):
        raise fail("give either a FILE to set the target or --show")
    if show_it:
        with store_session(workspace) as (session, ws):
            profile = profile_json(latest_audience_profile(session, ws.id, "target"))
        if as_json:
            _json({"profile": profile})
        elif profile is None:
            typer.echo("no target audience set")
        else:
            typer.echo(f"target: {_shares(profile['shares'])}")
            typer.echo(f"weights: {profile['weights'] or 'all 1'}; entered by {profile['entered_by']}")
        return
    assert file is not None
    weights = _weights(weight or [])
    check = _read_profile(file)
    with store_session(workspace) as (session, ws):
        result = _saved(session, ws, check, kind="target", weights=weights, source=file.name)
    if as_json:
        _json(result)
        return
    typer.echo(f"target set: {', '.join(result['kept'])} ({len(result['errors'])} skipped)")


def _money(value: float | None, currency: str) -> str:
    return "–" if value is None else f"{currency} {value:,.2f}"


def _print_quotes(quotes: list[dict[str, Any]]) -> None:
    for q in quotes:
        typer.echo(
            f"{q['format']} note {_money(q['price'], q['currency'])}: CPM {_money(q['cpm'], q['currency'])}, "
            f"CPE {_money(q['cpe'], q['currency'])}"
            + (f" ({'; '.join(q['reasons'])})" if q["reasons"] else "")
        )


def sponsorship(kol_id: KolArg, workspace: WorkspaceOpt, as_json: JsonOpt = False) -> None:
    """Sponsored notes with their evidence and brands, the sponsored-to-organic engagement ratio,
    and CPM / CPE of the quoted prices."""
    from service.market import kol_sponsorship

    with store_session(workspace) as (session, ws):
        result = kol_sponsorship(session, ws.id, _kol(session, ws, kol_id))
    if as_json:
        _json(result)
        return
    typer.echo(f"{len(result['sponsored'])} of the {result['notes']} most recent notes look sponsored")
    for s in result["sponsored"]:
        evidence = "; ".join(f"{k}: {v}" for k, v in s["signals"].items())
        typer.echo(f"  {s['note_id']} {s['title'] or ''} [{', '.join(s['brands'])}] {evidence}")
    ratio = result["engagement_ratio"]
    if ratio["ratio"] is None:
        typer.echo(f"sponsored-to-organic engagement ratio: none ({ratio['reason']})")
    else:
        typer.echo(
            f"sponsored-to-organic engagement ratio: {ratio['ratio']:.2f} ({ratio['sponsored_notes']} "
            f"sponsored vs {ratio['organic_notes']} organic notes, {ratio['basis']})"
        )
    if not result["quotes"]:
        typer.echo("no price quoted")
    _print_quotes(result["quotes"])


def quote(
    kol_id: KolArg,
    workspace: WorkspaceOpt,
    fmt: Annotated[str, typer.Option("--format", "-f", help="note format: image (图文) or video")],
    price: Annotated[str, typer.Option("--price", help="price per note, e.g. 8000")],
    currency: Annotated[str | None, typer.Option(help="3-letter code (default: the workspace's)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Store the price a KOL quoted for one note of a format; prints its CPM and CPE."""
    from service.errors import InvalidInput
    from service.market import kol_sponsorship, save_quote

    with store_session(workspace) as (session, ws):
        kol = _kol(session, ws, kol_id)
        try:
            save_quote(session, ws.id, kol, fmt, price, currency or ws.currency, CLI_WHO)
        except InvalidInput as exc:
            raise fail(exc.detail) from exc
        session.commit()
        result = kol_sponsorship(session, ws.id, kol)
    quoted = [q for q in result["quotes"] if q["format"] == fmt]
    if as_json:
        _json(quoted[0])
        return
    _print_quotes(quoted)
