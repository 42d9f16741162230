"""Campaigns and their reports (JSON, CSV, offline HTML, PDF)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from service.bodies import CheckedJSONRoute
from service.campaigns import build_campaign_report
from service.deps import CampaignDep, ModelsDep, ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep
from service.errors import problem_responses
from service.reports import HTML_CSP, RenderOptions, render
from service.schemas import CampaignListOut, CampaignOut, CampaignReportOut
from service.store.repositories import campaign_rows, list_campaigns
from service.store.tables import Campaign

router = APIRouter(
    prefix="/campaigns",
    tags=["campaigns"],
    responses=problem_responses(401, 403, 404, 422, 429),
    route_class=CheckedJSONRoute,
)


def campaign_out(session: Any, workspace_id: int, campaign: Campaign) -> CampaignOut:
    out = CampaignOut.model_validate(campaign)
    out.notes = len(campaign_rows(session, workspace_id, campaign.id))
    return out


@router.get("", response_model=CampaignListOut, summary="Campaigns of the workspace")
def list_all(principal: ReadPrincipal, session: SessionDep) -> CampaignListOut:
    """Newest first, with the number of notes attached."""
    ws = principal.workspace_id
    return CampaignListOut(items=[campaign_out(session, ws, c) for c in list_campaigns(session, ws)])


@router.get("/{campaign_id}", response_model=CampaignOut, summary="One campaign")
def get_one(campaign: CampaignDep, principal: ReadPrincipal, session: SessionDep) -> CampaignOut:
    """Name, brand, dates, currency and note count."""
    return campaign_out(session, principal.workspace_id, campaign)


def _filename(name: str, suffix: str, kind: str = "campaign") -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or kind
    return f"{ascii_name[:60]}-report.{suffix}"


Language = Annotated[Literal["en", "zh_CN"], Query(description="language of the HTML and PDF report")]
DOWNLOAD_CONTENT = {
    "text/csv": {},
    "text/html": {},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


def attachment(body: str | bytes, media_type: str, fmt: str, name: str, kind: str = "campaign") -> Response:
    """A rendered report as a download (HTML ones with a CSP that lets them load nothing)."""
    headers = {"Content-Disposition": f'attachment; filename="{_filename(name, fmt, kind)}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = HTML_CSP
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/{campaign_id}/report",
    response_model=CampaignReportOut,
    summary="Campaign report: overview, KOLs, content, funnel, brand health, context, themes",
    responses={
        **problem_responses(503),
        200: {
            "description": "the report as JSON (default), CSV, a self-contained HTML page or a PDF",
            "content": DOWNLOAD_CONTENT,
        },
    },
)
def report(
    request: Request,
    campaign: CampaignDep,
    workspace: WorkspaceDep,
    session: SessionDep,
    models: ModelsDep,
    services: ServicesDep,
    format: Annotated[
        Literal["json", "csv", "html", "pdf"], Query(description="json, csv, html or pdf")
    ] = "json",
    by: Annotated[
        Literal["kol", "note", "theme"], Query(description="CSV rows: per KOL, note or theme aspect")
    ] = "kol",
    lang: Language = "en",
    top: Annotated[int, Query(ge=1, le=50, description="notes in the top and bottom lists")] = 5,
) -> Any:
    """The six dashboard sections of the XHS measurement frameworks plus comment themes (per KOL
    and before / after the first note). CSV cells that a spreadsheet would run as a formula are
    neutralised; the HTML opens offline; the PDF is that HTML printed (503 without Chromium)."""
    data = build_campaign_report(session, services.session_factory, workspace, campaign, models, top_n=top)
    if format == "json":
        return data
    html_url = str(request.url.include_query_params(format="html"))
    options = RenderOptions(locale=lang, by=by, chromium=services.settings.chromium, html_url=html_url)
    body, media_type = render(data, format, options)
    return attachment(body, media_type, format, campaign.name)
