"""Market context: tracked brands, their mentions per week, search-index values, a campaign's
share of voice, UGC re-creation and branded search lift. Search-index CSVs are imported through
``POST /v1/ingest`` like every export (format ``search_index``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from models.market.mentions import MAX_WINDOW_DAYS
from service import brand_tracking as svc
from service import deps
from service.bodies import CheckedJSONRoute
from service.errors import InvalidInput, problem_responses
from service.store.brands import list_brands, put_search_index, replace_brands, search_index_points

router = APIRouter(
    prefix="/market",
    tags=["market"],
    responses=problem_responses(401, 403, 422, 429),
    route_class=CheckedJSONRoute,
)

MAX_SEARCH_VALUES = 1000


class BrandIn(BaseModel):
    """One tracked brand as sent: name, aliases, product names, hashtags; ``own`` for the workspace's."""

    name: str = Field(max_length=200, examples=["朵拉朵尚"])
    own: bool = False
    aliases: list[str] = Field(default_factory=list, max_length=100, examples=[["DORA"]])
    products: list[str] = Field(default_factory=list, max_length=100, examples=[["小银瓶"]])
    hashtags: list[str] = Field(default_factory=list, max_length=100, examples=[["#朵拉朵尚#"]])


class BrandsIn(BaseModel):
    """The whole set of tracked brands (replaces the stored one)."""

    brands: list[BrandIn] = Field(max_length=50)


class SearchValuesIn(BaseModel):
    """Search-index (or volume) values of one keyword, as typed: ``date`` and ``value`` per row."""

    keyword: str = Field(min_length=1, max_length=200, examples=["朵拉朵尚"])
    values: list[dict[str, Any]] = Field(
        max_length=MAX_SEARCH_VALUES, examples=[[{"date": "2026-03-02", "value": 18000}]]
    )


def _brands_out(session: Any, workspace_id: int) -> dict[str, Any]:
    return {
        "items": [
            {"name": b.name, "own": b.own, "aliases": b.aliases or [], "products": b.products or [],
             "hashtags": b.hashtags or []}
            for b in list_brands(session, workspace_id)
        ]
    }  # fmt: skip


@router.get("/brands", summary="The workspace's tracked brands")
def get_brands(principal: deps.ReadPrincipal, session: deps.SessionDep) -> dict[str, Any]:
    """Its own brand first, then competitors, each with aliases, product names and hashtags."""
    return _brands_out(session, principal.workspace_id)


@router.put("/brands", summary="Set the workspace's tracked brands")
def put_brands(body: BrandsIn, principal: deps.WritePrincipal, session: deps.SessionDep) -> dict[str, Any]:
    """Replaces the set. At most one brand is ``own``; a term (name, alias, product, hashtag) may name
    one brand only; terms are matched as whole words after width, case and traditional forms are
    normalised."""
    try:
        specs = svc.parse_brands([b.model_dump() for b in body.brands])
    except svc.BrandDefinitionError as exc:
        raise InvalidInput(str(exc)) from None
    replace_brands(session, principal.workspace_id, specs)
    return _brands_out(session, principal.workspace_id)


@router.get("/report", summary="Mentions of each tracked brand per ISO week")
def report(
    principal: deps.ReadPrincipal,
    session: deps.SessionDep,
    services: deps.ServicesDep,
    models: deps.ModelsDep,
    since: Annotated[date | None, Query(description="first day (China time), inclusive")] = None,
    until: Annotated[date | None, Query(description="last day (China time), inclusive")] = None,
) -> dict[str, Any]:
    """Per brand and week: note and comment mentions, real commenters' sentiment and intents, share
    of voice, top themes and creators."""
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"since ({since}) is after until ({until})")
    data = svc.collect_mentions(session, services.session_factory, principal.workspace_id, models)
    return svc.market_report(data, since=since, until=until)


@router.get(
    "/campaigns/{campaign_id}", summary="A campaign's share of voice, UGC re-creation and search lift"
)
def campaign(
    campaign: deps.CampaignDep,
    workspace: deps.WorkspaceDep,
    session: deps.SessionDep,
    services: deps.ServicesDep,
    models: deps.ModelsDep,
    window_days: Annotated[
        int, Query(ge=1, le=MAX_WINDOW_DAYS, description="days before and from the campaign's first note")
    ] = svc.DEFAULT_WINDOW_DAYS,
) -> dict[str, Any]:
    """The campaign's brand against the tracked competitors over the campaign's dates, and the UGC
    notes and branded search index in equal windows around its first note."""
    data = svc.collect_mentions(session, services.session_factory, workspace.id, models)
    return svc.campaign_market(session, data, workspace, campaign, window_days=window_days)


@router.get("/search-index", summary="Stored search-index values")
def get_search_index(principal: deps.ReadPrincipal, session: deps.SessionDep) -> dict[str, Any]:
    """Every keyword's values by day, with where each came from (import or form)."""
    points = search_index_points(session, principal.workspace_id)
    return {
        "items": [
            {"keyword": p.keyword, "date": p.day.isoformat(), "value": p.value, "source": p.source}
            for p in points
        ]
    }


@router.put("/search-index", summary="Type search-index values of one keyword")
def put_search_values(
    body: SearchValuesIn, principal: deps.WritePrincipal, session: deps.SessionDep
) -> dict[str, Any]:
    """Rows that cannot be read are reported with their position and reason; the others are saved
    (a value for a day already stored replaces it)."""
    values, errors = svc.parse_search_values(body.values)
    saved = put_search_index(
        session, principal.workspace_id, body.keyword.strip(), values, principal.key_name
    )
    return {"keyword": body.keyword.strip(), "saved": saved, "rows": len(body.values), "errors": errors}
