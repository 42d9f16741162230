"""``redlens vet KOL --workspace W``: the vetting verdict of one KOL, as the API computes it."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from service.commands.common import found_or_fail, workspace_session
from service.store.tables import Kol, Workspace


def vetting_of(
    session: Session,
    factory: sessionmaker[Session],
    ws: Workspace,
    models: CommentModels,
    kol_id: str,
    workspace: str,
    recent_notes: int,
) -> tuple[Kol, dict[str, Any]]:
    """The KOL named ``kol_id`` (else an error exit) and its vetting, as the API computes it."""
    from service.store.repositories import get_kol, get_kol_by_platform_id
    from service.vetting import vet_kol

    calibration, calibration_error = None, None
    try:
        from models.authenticity import load_calibration

        calibration = load_calibration()
    except (FileNotFoundError, ValueError, KeyError) as exc:
        calibration_error = f"authenticity calibration not available ({exc})"
    lookups = (partial(get_kol_by_platform_id, session, ws.id), partial(get_kol, session, ws.id))
    kol = found_or_fail("KOL", kol_id, workspace, *lookups)
    report = vet_kol(
        session,
        factory,
        ws,
        kol,
        models,
        calibration=calibration,
        calibration_error=calibration_error,
        recent_notes=recent_notes,
    )
    return kol, report


def vet(
    kol_id: Annotated[str, typer.Argument(help="the KOL's platform user id (or RedLens row id)")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")],
    as_json: Annotated[bool, typer.Option("--json", help="print the full report as JSON")] = False,
    recent_notes: Annotated[int, typer.Option(min=1, max=100, help="recent notes to look at")] = 20,
) -> None:
    """Recommend, caution or avoid, with reasons (authenticity, comments, KPIs against benchmarks)."""
    with workspace_session(workspace) as (session, factory, ws, models):
        _, report = vetting_of(session, factory, ws, models, kol_id, workspace, recent_notes)
        session.commit()
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    verdict = report["verdict"]
    k = report["kol"]
    typer.echo(
        f"{k['nickname'] or k['platform_user_id']} ({k['platform_user_id']}): {verdict['decision'].upper()}"
    )
    for reason in verdict["reasons"]:
        typer.echo(f"  [{reason['effect']}] {reason['message']}")
    a = report["authenticity"]
    c = report["comments"]
    score = "n/a" if a.get("score") is None else f"{a['score']:.0f}/100 ({a.get('risk')} risk)"
    typer.echo(f"authenticity: {score}; comments analysed: {c['analyzed']} of {c['total']}")
