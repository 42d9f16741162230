"""The Market page: the workspace's brand and competitors (a form), each brand's mentions per ISO
week with a trend chart, and search-index values typed in a form. Plain HTML forms, posted to
this site only (the cookie's same-origin check), working without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from models.comments import CommentModels
from service.deps import ModelsDep, ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep, WritePrincipal
from service.market import (
    BrandDefinitionError,
    collect_mentions,
    market_report,
    parse_brands,
    parse_search_values,
)
from service.reports.charts import daily_sentiment_chart
from service.security import Principal
from service.store.market import list_brands, put_search_index, replace_brands, search_index_points
from service.store.tables import Workspace
from service.web.pages import _page

router = APIRouter(include_in_schema=False)

#: Rows of the brand form: the defined brands plus empty rows to add more.
EMPTY_ROWS = 3
MAX_FORM_ROWS = 50
MAX_SEARCH_LINES = 1000
_FIELDS = ("aliases", "products", "hashtags")


def _split(value: Any) -> list[str]:
    text = str(value or "").replace("，", ",").replace("、", ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def weekly_chart(row: dict[str, Any]) -> str:
    """A brand's mentions per week: real commenters' comments by sentiment, the rest in grey."""
    weeks = []
    for w in row["weeks"]:
        s = w["sentiment"]
        rated = s["positive"] + s["neutral"] + s["negative"]
        weeks.append(
            {"date": w["week"], "mentions": w["mentions"], **s, "net_sentiment": w["net_sentiment"],
             "other": w["mentions"] - rated}
        )  # fmt: skip
    return daily_sentiment_chart(weeks, unit="mentions/week", others="other")


def _market_page(
    request: Request,
    principal: Principal,
    workspace: Workspace,
    session: Any,
    services: Any,
    models: CommentModels,
    *,
    form_error: str | None = None,
    search_result: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    data = collect_mentions(session, services.session_factory, workspace.id, models)
    report = market_report(data)
    brands = list_brands(session, workspace.id)
    response = _page(
        request,
        "market.html",
        principal,
        workspace,
        "market",
        m=report,
        charts={row["brand"]: weekly_chart(row) for row in report["brands"]},
        brands=brands,
        empty_rows=EMPTY_ROWS,
        form_error=form_error,
        search_result=search_result,
        points=search_index_points(session, workspace.id),
    )
    response.status_code = status_code
    return response


@router.get("/market")
def market_page(
    request: Request,
    principal: ReadPrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    services: ServicesDep,
    models: ModelsDep,
) -> Response:
    return _market_page(request, principal, workspace, session, services, models)


def brands_from_form(form: Any) -> list[dict[str, Any]]:
    """The brand rows of the form (``name_0``, ``aliases_0`` ...; ``own`` = the own row's index)."""
    own = str(form.get("own", ""))
    rows = []
    for i in range(MAX_FORM_ROWS):
        name = str(form.get(f"name_{i}", "") or "").strip()
        if not name:
            continue
        row: dict[str, Any] = {"name": name, "own": own == str(i)}
        for field in _FIELDS:
            row[field] = _split(form.get(f"{field}_{i}"))
        rows.append(row)
    return rows


@router.post("/market/brands")
async def save_brands(
    request: Request,
    principal: WritePrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    services: ServicesDep,
    models: ModelsDep,
) -> Response:
    form = await request.form()
    try:
        specs = parse_brands(brands_from_form(form))
    except BrandDefinitionError as exc:
        return _market_page(
            request, principal, workspace, session, services, models, form_error=str(exc), status_code=422
        )
    replace_brands(session, workspace.id, specs)
    return RedirectResponse("/market", status_code=303)


@router.post("/market/search-index")
async def save_search_values(
    request: Request,
    principal: WritePrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    services: ServicesDep,
    models: ModelsDep,
) -> Response:
    form = await request.form()
    keyword = str(form.get("keyword", "") or "").strip()[:200]
    lines = [line for line in str(form.get("values", "") or "").splitlines() if line.strip()]
    rows = []
    for line in lines[:MAX_SEARCH_LINES]:
        day, _, value = line.replace("，", ",").replace("\t", ",").partition(",")
        rows.append({"date": day.strip(), "value": value.strip()})
    if not keyword:
        result = {
            "saved": 0,
            "errors": [{"row": None, "column": "keyword", "reason": "is empty but required"}],
        }
    else:
        values, errors = parse_search_values(rows)
        saved = put_search_index(session, workspace.id, keyword, values, principal.key_name)
        result = {"saved": saved, "errors": errors, "keyword": keyword}
    status = 422 if result["errors"] and not result["saved"] else 200
    return _market_page(
        request, principal, workspace, session, services, models, search_result=result, status_code=status
    )
