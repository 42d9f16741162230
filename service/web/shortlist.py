"""The shortlist: KOLs a brand team selected on the KOL list, kept in a cookie per workspace.

The cookie ``redlens_shortlist_<workspace id>`` holds KOL ids; only ids of the signed-in key's
workspace are ever written, and reading keeps only those (a cookie of another workspace, or one
edited by hand, cannot bring a foreign KOL into a page).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.deps import ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep
from service.store.tables import Kol
from service.web.pages import refuse_cross_site_form, safe_next

MAX_SHORTLIST = 50
COOKIE_PREFIX = "redlens_shortlist_"
COOKIE_MAX_AGE = 90 * 24 * 3600

router = APIRouter(include_in_schema=False)


def cookie_name(workspace_id: int) -> str:
    return f"{COOKIE_PREFIX}{workspace_id}"


def owned_ids(session: Session, workspace_id: int, ids: Iterable[int]) -> list[int]:
    """``ids`` (in order, without repeats) that are KOLs of the workspace."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(session.scalars(select(Kol.id).where(Kol.workspace_id == workspace_id, Kol.id.in_(wanted))))
    return [i for i in wanted if i in found]


def _parse(value: str | None) -> list[int]:
    out = []
    for part in (value or "").split(".")[: MAX_SHORTLIST * 2]:
        if part.isdigit() and len(part) < 10:
            out.append(int(part))
    return out


def read(request: Request, session: Session, workspace_id: int) -> list[int]:
    """The shortlisted KOL ids of the workspace, in the order they were added."""
    return owned_ids(session, workspace_id, _parse(request.cookies.get(cookie_name(workspace_id))))


@router.post("/shortlist")
def update_shortlist(
    request: Request,
    principal: ReadPrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    services: ServicesDep,
    action: Annotated[Literal["add", "remove", "clear"], Form()] = "add",
    kol: Annotated[list[int] | None, Form()] = None,
    next: Annotated[str, Form(max_length=500)] = "/kols",
) -> RedirectResponse:
    """Add the selected KOLs to the shortlist, remove them, or clear it; back to the page."""
    refuse_cross_site_form(request)
    current = read(request, session, workspace.id)
    chosen = owned_ids(session, workspace.id, kol or [])
    if action == "add":
        updated = list(dict.fromkeys([*current, *chosen]))[:MAX_SHORTLIST]
    elif action == "remove":
        updated = [i for i in current if i not in set(chosen)]
    else:
        updated = []
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        cookie_name(workspace.id),
        ".".join(str(i) for i in updated),
        max_age=COOKIE_MAX_AGE,
        path="/",
        samesite="lax",
        secure=services.settings.cookie_secure,
        httponly=True,
    )
    return response
