"""The Market page: the workspace's brand and competitors (a form), each brand's mentions per ISO
week with a trend chart, and search-index values typed in a form. Plain HTML forms, posted to
this site only (the cookie's same-origin check), working without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from models.comments import CommentModels
from service.brand_tracking import (
    BrandDefinitionError,
    collect_mentions,
    market_report,
    parse_brands,
    parse_search_values,
)
from service.deps import AppServices, ModelsDep, ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep
from service.reports.charts import daily_sentiment_chart
from service.security import Principal
from service.store.brands import list_brands, put_search_index, replace_brands, search_index_points
from service.store.tables import Workspace
from service.web.i18n import N_
from service.web.pages import _page, _translator
from service.web.views import Translate, chart_words

router = APIRouter(include_in_schema=False)

#: Rows of the brand form: the defined brands plus empty rows to add more.
EMPTY_ROWS = 3
MAX_FORM_ROWS = 50
MAX_SEARCH_LINES = 1000
_FIELDS = ("aliases", "products", "hashtags")


def _split(value: Any) -> list[str]:
    text = str(value or "").replace("，", ",").replace("、", ",")
    return [part.strip() for part in text.split(",") if part.strip()]


#: The weekly chart's words where they differ from the daily chart's.
CHART_WORDS = {
    "comments_per_day": N_("mentions per week"),
    "day": N_("ISO week (from its Monday, China time)"),
    "other": N_("notes and comments without a sentiment"),
}


def weekly_chart(row: dict[str, Any], tr: Translate) -> str:
    """A brand's mentions per week: real commenters' comments by sentiment, the rest in grey."""
    weeks = []
    for w in row["weeks"]:
        s = w["sentiment"]
        rated = s["positive"] + s["neutral"] + s["negative"]
        weeks.append(
            {"date": w["week"], "mentions": w["mentions"], **s, "net_sentiment": w["net_sentiment"],
             "other": w["mentions"] - rated}
        )  # fmt: skip
    words = {**chart_words(tr), **{key: tr(text) for key, text in CHART_WORDS.items()}}
    return daily_sentiment_chart(weeks, words=words, others="other")


def _tools(services: ServicesDep, models: ModelsDep) -> tuple[AppServices, CommentModels]:
    return services, models


@dataclass
class MarketView:
    """One request of the market pages: the caller, its workspace and what rendering needs."""

    request: Request
    principal: Principal
    #: the caller's workspace
    workspace: Workspace
    session: Session
    #: the services and the comment models serving the workspace
    tools: tuple[AppServices, CommentModels]

    def render(
        self, *, form_error: str | None = None, search_result: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        services, models = self.tools
        ws = self.workspace.id
        report = market_report(collect_mentions(self.session, services.session_factory, ws, models))
        tr = _translator(self.request)
        charts = {row["brand"]: weekly_chart(row, tr) for row in report["brands"]}
        context = {"form_error": form_error, "search_result": search_result, "empty_rows": EMPTY_ROWS}
        response = _page(
            self.request, "market.html", self.principal, self.workspace, "market",
            m=report, charts=charts, brands=list_brands(self.session, ws),
            points=search_index_points(self.session, ws), **context,
        )  # fmt: skip
        response.status_code = status
        return response


def _view(
    request: Request, principal: ReadPrincipal, workspace: WorkspaceDep, session: SessionDep, tools: ToolsDep
) -> MarketView:
    return MarketView(request, principal, workspace, session, tools)


ToolsDep = Annotated[tuple[AppServices, CommentModels], Depends(_tools)]
ViewDep = Annotated[MarketView, Depends(_view)]


@router.get("/market")
def market_page(view: ViewDep) -> Response:
    return view.render()


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
async def save_brands(view: ViewDep) -> Response:
    view.principal.require("write")
    form = await view.request.form()
    try:
        specs = parse_brands(brands_from_form(form))
    except BrandDefinitionError as exc:
        return view.render(form_error=str(exc), status=422)
    replace_brands(view.session, view.workspace.id, specs)
    return RedirectResponse("/market", status_code=303)


def _search_rows(form: Any) -> list[dict[str, str]]:
    """The typed lines as rows: ``date,value`` (a tab or a full-width comma also separates)."""
    lines = [line for line in str(form.get("values", "") or "").splitlines() if line.strip()]
    rows = []
    for line in lines[:MAX_SEARCH_LINES]:
        day, _, value = line.replace("，", ",").replace("\t", ",").partition(",")
        rows.append({"date": day.strip(), "value": value.strip()})
    return rows


@router.post("/market/search-index")
async def save_search_values(view: ViewDep) -> Response:
    view.principal.require("write")
    form = await view.request.form()
    keyword = str(form.get("keyword", "") or "").strip()[:200]
    result: dict[str, Any] = {
        "saved": 0,
        "errors": [{"row": None, "column": "keyword", "reason": "is empty"}],
    }
    if keyword:
        values, errors = parse_search_values(_search_rows(form))
        saved = put_search_index(view.session, view.workspace.id, keyword, values, view.principal.key_name)
        result = {"saved": saved, "errors": errors, "keyword": keyword}
    return view.render(search_result=result, status=422 if result["errors"] and not result["saved"] else 200)
