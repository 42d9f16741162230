"""Page forms of audience fit and price: a KOL's fan-portrait upload, a quoted price, and the
workspace's target audience. Plain HTML forms (no script needed); the sign-in cookie's same-origin
check (:func:`service.security.check_same_origin`) refuses them from another site."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from models.market.audience import (
    BUCKETS,
    DIMENSIONS,
    MULTI_CHOICE,
    ProfileError,
    check_profile,
    check_weights,
)
from service.deps import KolDep, SessionDep, WorkspaceDep, WritePrincipal, start_writing
from service.errors import InvalidInput
from service.market import entered_by, save_quote
from service.routes.audience import import_profile, store_profile
from service.store.market import latest_audience_profile
from service.web.pages import PageContext, PageDep, WritePageDep

router = APIRouter(include_in_schema=False)
MAX_FREE_TEXT = 2000


@router.post("/kols/{kol_id}/audience-profile")
def upload_portrait(kol: KolDep, ctx: WritePageDep, file: Annotated[UploadFile, File()]) -> Response:
    result = import_profile(ctx.session, ctx.principal, kol.id, file)
    return ctx.render("audience_saved.html", "kols", kol=kol, result=result)


@router.post("/kols/{kol_id}/quotes")
def quote_form(
    kol: KolDep,
    principal: WritePrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    note_format: Annotated[str, Form(max_length=8)],
    price: Annotated[str, Form(max_length=32)],
) -> Response:
    start_writing(session)
    save_quote(
        session, principal.workspace_id, kol, note_format, price, workspace.currency, entered_by(principal)
    )
    return RedirectResponse(f"/kols/{kol.id}#sponsorship", status_code=303)


def _free_text_rows(dimension: str, text: str) -> list[tuple[str, str, str, str]]:
    """``广东 30, 上海 20`` (or one per line) as profile rows of ``dimension``."""
    rows = []
    for part in text.replace("，", ",").replace("\n", ",").split(","):
        if part.strip():
            bucket, _, share = part.strip().rpartition(" ")
            rows.append(
                (f"{dimension} {part.strip()!r}", dimension, bucket or share, share if bucket else "")
            )
    return rows


def _target_rows(form: Any) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for dimension, buckets in BUCKETS.items():
        for bucket in buckets:
            value = str(form.get(f"{dimension}.{bucket}") or "").strip()
            if value:
                rows.append((f"{dimension} {bucket}", dimension, bucket, value))
    for dimension in ("region", "interests"):
        rows += _free_text_rows(dimension, str(form.get(dimension) or "")[:MAX_FREE_TEXT])
    return rows


def _target_page(ctx: PageContext, result: dict[str, Any] | None) -> Response:
    """The target audience form with the workspace's latest target (and what a save just stored)."""
    return ctx.render(
        "audience_target.html",
        "kols",
        target=latest_audience_profile(ctx.session, ctx.workspace.id, "target"),
        buckets=BUCKETS,
        dimensions=DIMENSIONS,
        multi=MULTI_CHOICE,
        can_edit=ctx.principal.has("write"),
        result=result,
    )


@router.get("/audience/target")
def target_page(ctx: PageDep) -> Response:
    return _target_page(ctx, None)


@router.post("/audience/target")
async def save_target(ctx: WritePageDep) -> Response:
    form = await ctx.request.form()
    try:
        weights = check_weights({d: float(str(form.get(f"weight.{d}") or 1)) for d in DIMENSIONS})
    except (ProfileError, ValueError) as exc:
        raise InvalidInput(f"weights: {exc}") from None
    check = check_profile(_target_rows(form))
    result = store_profile(ctx.session, ctx.principal, check, kind="target", weights=weights, source="page")
    return _target_page(ctx, result)
