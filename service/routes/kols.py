"""KOLs of the workspace and their vetting."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from service.bodies import CheckedJSONRoute
from service.deps import KolDep, ModelsDep, ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep
from service.errors import problem_responses
from service.reports import RenderOptions, render_vetting, vetting_evidence
from service.routes.campaigns import DOWNLOAD_CONTENT, Language, attachment
from service.schemas import KolDetailOut, KolListOut, KolOut, VettingOut
from service.store.repositories import (
    count_comments_by_note,
    count_kols,
    follower_series,
    list_kols,
    list_notes_for_kol,
)

MAX_COUNTED = 100_000

router = APIRouter(
    prefix="/kols",
    tags=["kols"],
    responses=problem_responses(401, 403, 404, 422, 429),
    route_class=CheckedJSONRoute,
)


@router.get("", response_model=KolListOut, summary="KOLs of the workspace, most followed first")
def list_all(
    principal: ReadPrincipal,
    session: SessionDep,
    search: Annotated[
        str | None, Query(max_length=100, description="part of the nickname or platform id")
    ] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> KolListOut:
    """Paginated list with search by nickname or platform id."""
    ws = principal.workspace_id
    items = list_kols(session, ws, search, category=category, limit=limit, offset=offset)
    if category is None:
        total = count_kols(session, ws, search)
    else:  # the store counts by search only; a category's list is short enough to count here
        total = len(list_kols(session, ws, search, category=category, limit=MAX_COUNTED))
    return KolListOut(
        total=total, limit=limit, offset=offset, items=[KolOut.model_validate(k) for k in items]
    )


@router.get(
    "/{kol_id}", response_model=KolDetailOut, summary="One KOL with recent notes and follower history"
)
def get_one(kol: KolDep, principal: ReadPrincipal, session: SessionDep) -> KolDetailOut:
    """Profile counters, the 50 most recent notes and the follower snapshots."""
    ws = principal.workspace_id
    notes = list_notes_for_kol(session, ws, kol.id, limit=50)
    counts = count_comments_by_note(session, ws, [n.id for n in notes])
    return KolDetailOut.model_validate(
        {
            **KolOut.model_validate(kol).model_dump(),
            "notes": notes,
            "comments_stored": sum(counts.values()),
            "follower_history": follower_series(session, ws, kol.id),
        }
    )


@router.get(
    "/{kol_id}/vetting",
    response_model=VettingOut,
    summary="Vetting: authenticity, comment mix, KPIs vs benchmarks, themes, verdict",
    responses=problem_responses(503),
)
def vetting(
    kol: KolDep,
    workspace: WorkspaceDep,
    session: SessionDep,
    models: ModelsDep,
    services: ServicesDep,
    recent_notes: Annotated[int, Query(ge=1, le=100, description="how many recent notes to look at")] = 20,
) -> dict[str, Any]:
    """Recommend, caution or avoid, with every reason and its evidence. Comments not yet analysed
    by the serving model are analysed now (and saved)."""
    return services.vet(session, workspace, kol, models, recent_notes=recent_notes)


@router.get(
    "/{kol_id}/report",
    summary="Vetting report to hand on: standalone HTML or PDF (cover with verdict and reasons, charts, evidence, KPIs)",
    responses={
        **problem_responses(503),
        200: {
            "description": "the vetting report as HTML (default), PDF or JSON",
            "content": DOWNLOAD_CONTENT,
        },
    },
)
def vetting_report(
    request: Request,
    kol: KolDep,
    workspace: WorkspaceDep,
    session: SessionDep,
    models: ModelsDep,
    services: ServicesDep,
    format: Annotated[Literal["html", "pdf", "json"], Query(description="html, pdf or json")] = "html",
    lang: Language = "en",
    recent_notes: Annotated[int, Query(ge=1, le=100, description="how many recent notes to look at")] = 20,
) -> Any:
    """The vetting as a file: the HTML opens offline, the PDF is that HTML printed (503 without Chromium)."""
    vetting = services.vet(session, workspace, kol, models, recent_notes=recent_notes)
    evidence = vetting_evidence(session, workspace.id, kol, recent_notes)
    body, media_type = render_vetting(
        vetting,
        evidence,
        format,
        RenderOptions(
            locale=lang,
            chromium=services.settings.chromium,
            html_url=str(request.url.include_query_params(format="html")),
        ),
    )
    return attachment(body, media_type, format, kol.nickname or kol.platform_user_id, "kol")
