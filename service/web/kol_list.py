"""The KOL list: columns from each KOL's vetting, sorting, filtering and paging on the server
(query parameters and links, no script needed), CSV export and the shortlist selection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from service.campaigns import kpi_config_for
from service.deps import AppServices
from service.exports import to_csv_string
from service.store.repositories import list_kols
from service.store.tables import Kol, Workspace
from service.web import shortlist
from service.web.formatting import query_url
from service.web.pages import MAX_LISTED_KOLS, PAGE_SIZE, PageDep, _tier_of, vetting_summary
from service.web.summaries import VettingSummary

router = APIRouter(include_in_schema=False)

Sort = Literal["name", "followers", "tier", "category", "er", "authenticity", "verdict"]
Order = Literal["asc", "desc"]
VERDICTS = ("recommend", "caution", "avoid")
#: Sorts that need every listed KOL's vetting (the others need only the shown page's).
VETTED_SORTS = frozenset({"er", "authenticity", "verdict"})
#: The first click on a column header sorts text A-Z and figures highest first.
FIRST_ORDER: dict[str, Order] = {"name": "asc", "category": "asc", "tier": "asc", "verdict": "asc"}
CSV_COLUMNS = (
    "kol_id",
    "platform_user_id",
    "nickname",
    "category",
    "tier",
    "followers",
    "engagement_rate",
    "authenticity_score",
    "authenticity_risk",
    "verdict",
    "first_reason",
)


@dataclass(frozen=True)
class ListQuery:
    """What the KOL list shows: the query parameters of ``/kols`` (and ``/kols.csv``)."""

    q: str = ""
    tier: str = ""
    category: str = ""
    verdict: str = ""
    shortlisted: bool = False
    sort: str = "followers"
    order: Order = "desc"
    page: int = 1

    def url(self, path: str = "/kols", **changes: Any) -> str:
        """This query with ``changes`` as a link; defaults are left out of the address."""
        return query_url(replace(self, **changes), ListQuery(), path)

    def header(self, column: str) -> dict[str, str]:
        """The link and ``aria-sort`` of a sortable column header."""
        if self.sort == column:
            flipped: Order = "asc" if self.order == "desc" else "desc"
            aria = "ascending" if self.order == "asc" else "descending"
            return {"href": self.url(sort=column, order=flipped, page=1), "aria": aria}
        order = FIRST_ORDER.get(column, "desc")
        return {"href": self.url(sort=column, order=order, page=1), "aria": "none"}


@dataclass(frozen=True)
class KolRow:
    kol: Kol
    tier: str | None
    summary: VettingSummary | None


def _summary(
    session: Session, services: AppServices, workspace: Workspace, kol: Kol, models: Any
) -> VettingSummary | None:
    if models is None:
        return None
    return vetting_summary(session, services, workspace, kol, models)


def _sort_key(sort: str) -> Callable[[KolRow], Any]:
    rank = {v: i for i, v in enumerate(VERDICTS)}
    keys: dict[str, Callable[[KolRow], Any]] = {
        "name": lambda r: (r.kol.nickname or r.kol.platform_user_id).casefold(),
        "followers": lambda r: r.kol.followers,
        "tier": lambda r: r.tier,
        "category": lambda r: r.kol.category,
        "er": lambda r: r.summary.engagement_rate if r.summary else None,
        "authenticity": lambda r: r.summary.score if r.summary else None,
        "verdict": lambda r: rank.get(r.summary.decision) if r.summary else None,
    }
    return keys[sort]


def sort_rows(rows: list[KolRow], sort: str, order: Order) -> list[KolRow]:
    """Rows by ``sort`` in ``order``; rows without that value last either way, ties by id."""
    key = _sort_key(sort)
    known = sorted((r for r in rows if key(r) is not None), key=lambda r: r.kol.id)
    known.sort(key=key, reverse=order == "desc")
    return known + [r for r in rows if key(r) is None]


@dataclass(frozen=True)
class ListResult:
    rows: list[KolRow]
    total: int
    page: int
    pages: int
    tiers: tuple[str, ...]
    categories: list[str]
    models_loaded: bool


def kol_rows(
    session: Session,
    services: AppServices,
    workspace: Workspace,
    query: ListQuery,
    shortlisted: list[int],
    *,
    paged: bool = True,
) -> ListResult:
    """The KOLs the query selects, sorted, with their vetting summaries (one page, or all)."""
    config, _ = kpi_config_for(workspace)
    names = tuple(config.tiers.names)
    kols = list_kols(session, workspace.id, query.q or None, limit=MAX_LISTED_KOLS)
    categories = sorted({k.category for k in kols if k.category})
    if query.category:
        kols = [k for k in kols if k.category == query.category]
    if query.shortlisted:
        kept = set(shortlisted)
        kols = [k for k in kols if k.id in kept]
    rows = [KolRow(k, _tier_of(k, names, config.tiers.tier_for), None) for k in kols]
    if query.tier:
        rows = [r for r in rows if r.tier == query.tier]
    models = services.holder.for_workspace_if_loaded(session, workspace.id)

    def vetted(row: KolRow) -> KolRow:
        return replace(row, summary=_summary(session, services, workspace, row.kol, models))

    needs_all = not paged or query.verdict or query.sort in VETTED_SORTS
    if needs_all:
        rows = [vetted(r) for r in rows]
    if query.verdict:
        rows = [r for r in rows if r.summary is not None and r.summary.decision == query.verdict]
    rows = sort_rows(rows, query.sort, query.order)
    total = len(rows)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1) if paged else 1
    page = min(query.page, pages)
    if paged:
        rows = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        if not needs_all:
            rows = [vetted(r) for r in rows]
    return ListResult(rows, total, page, pages, names, categories, models is not None)


QDep = Annotated[str | None, Query(max_length=100)]
ShortDep = Annotated[str | None, Query(max_length=40)]


def list_query(
    q: QDep = None,
    tier: ShortDep = None,
    category: ShortDep = None,
    verdict: Annotated[Literal["recommend", "caution", "avoid", ""], Query()] = "",
    shortlisted: Annotated[bool, Query()] = False,
    sort: Annotated[Sort, Query()] = "followers",
    order: Annotated[Order, Query()] = "desc",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> ListQuery:
    return ListQuery(
        q=(q or "").strip(),
        tier=(tier or "").strip(),
        category=(category or "").strip(),
        verdict=verdict,
        shortlisted=shortlisted,
        sort=sort,
        order=order,
        page=page,
    )


ListQueryDep = Annotated[ListQuery, Depends(list_query)]


@router.get("/kols")
def kols_page(ctx: PageDep, query: ListQueryDep) -> Response:
    """The KOL list of the workspace."""
    chosen = shortlist.read(ctx.request, ctx.session, ctx.workspace.id)
    result = kol_rows(ctx.session, ctx.services, ctx.workspace, query, chosen)
    query = replace(query, page=result.page)
    filtered = bool(query.q or query.tier or query.category or query.verdict or query.shortlisted)
    return ctx.render(
        "kols.html",
        "kols",
        query=query,
        result=result,
        rows=result.rows,
        shortlist=chosen,
        verdicts=VERDICTS,
        filtered=filtered,
        empty_workspace=result.total == 0 and not filtered,
        models_error=ctx.services.holder.load_error,
    )


def csv_rows(result: ListResult) -> list[dict[str, Any]]:
    out = []
    for row in result.rows:
        kol, summary = row.kol, row.summary
        out.append(
            {
                "kol_id": kol.id,
                "platform_user_id": kol.platform_user_id,
                "nickname": kol.nickname or "",
                "category": kol.category or "",
                "tier": row.tier or "",
                "followers": kol.followers if kol.followers is not None else "",
                "engagement_rate": ""
                if summary is None or summary.engagement_rate is None
                else summary.engagement_rate,
                "authenticity_score": "" if summary is None or summary.score is None else summary.score,
                "authenticity_risk": (summary.risk or "") if summary else "",
                "verdict": summary.decision if summary else "",
                "first_reason": (summary.first_reason or "") if summary else "",
            }
        )
    return out


def csv_response(text: str, filename: str) -> Response:
    """A CSV download in UTF-8 with a byte-order mark (Excel on Chinese Windows reads it as UTF-8)."""
    return Response(
        ("\ufeff" + text).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/kols.csv")
def kols_csv(ctx: PageDep, query: ListQueryDep) -> Response:
    """Every KOL the list's filters select, in its order, as CSV."""
    chosen = shortlist.read(ctx.request, ctx.session, ctx.workspace.id)
    result = kol_rows(ctx.session, ctx.services, ctx.workspace, query, chosen, paged=False)
    return csv_response(to_csv_string(csv_rows(result), CSV_COLUMNS), f"kols-{ctx.workspace.slug}.csv")
