"""Pages of the comment table (:mod:`service.web.comment_table`): a KOL's, a campaign's and a
note's comments with their CSV exports, and the forms that correct a label and undo a correction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from models.labels import INTENTS, SENTIMENTS
from service.comment_analysis import intent_flags
from service.deps import (
    CampaignDep,
    KolDep,
    NoteDep,
    SessionDep,
    WorkspaceDep,
    WritePrincipal,
    start_writing,
)
from service.errors import InvalidInput, NotFound
from service.exports import to_csv_string
from service.store.comment_rows import (
    CommentScope,
    CorrectionError,
    correct_label,
    find_comments,
    notes_published_between,
    undo_correction,
)
from service.store.tables import Comment
from service.web.comment_table import (
    CSV_COLUMNS,
    MAX_EXPORT,
    CommentQuery,
    CommentQueryDep,
    build_table,
    comment_rows,
    csv_rows,
    day_bounds,
    note_url,
    parse_day,
    table_context,
)
from service.web.kol_list import csv_response
from service.web.pages import PageContext, PageDep, refuse_cross_site_form, safe_next

router = APIRouter(include_in_schema=False)


def export(
    session: Session, workspace_id: int, scope: CommentScope, query: CommentQuery, name: str
) -> Response:
    """Every comment the query selects (up to :data:`MAX_EXPORT`) as a CSV download."""
    comments, total = find_comments(session, workspace_id, scope, query.comment_filter(), limit=MAX_EXPORT)
    if total > MAX_EXPORT:
        raise InvalidInput(
            f"{total} comments match; an export holds at most {MAX_EXPORT}: narrow the filters"
        )
    return csv_response(
        to_csv_string(csv_rows(comment_rows(session, workspace_id, comments)), CSV_COLUMNS), name
    )


# --------------------------------------------------------------------------- pages


def _comments_page(
    ctx: PageContext, scope: CommentScope, query: CommentQuery, active: str, **context: Any
) -> Response:
    path = {"kol": "/kols/{}/comments", "campaign": "/campaigns/{}/comments", "note": "/notes/{}"}[scope.kind]
    table = build_table(
        ctx.session,
        ctx.workspace.id,
        scope,
        query,
        path.format(scope.id),
        can_correct=ctx.principal.has("write"),
        csv_path=f"/notes/{scope.id}/comments.csv" if scope.kind == "note" else None,
    )
    extra = {**table_context(), **context}
    return ctx.render("comments.html", active, table=table, scope=scope.kind, **extra)


@router.get("/kols/{kol_id}/comments")
def kol_comments(kol: KolDep, ctx: PageDep, query: CommentQueryDep) -> Response:
    """A KOL's comments; with ``from``/``to``, also the KOL's notes published on those days."""
    start, end = day_bounds(parse_day(query.since), parse_day(query.until))
    notes = notes_published_between(ctx.session, ctx.workspace.id, kol.id, start, end)
    return _comments_page(ctx, CommentScope("kol", kol.id), query, "kols", kol=kol, notes=notes)


@router.get("/kols/{kol_id}/comments.csv")
def kol_comments_csv(
    kol: KolDep, workspace: WorkspaceDep, session: SessionDep, query: CommentQueryDep
) -> Response:
    return export(session, workspace.id, CommentScope("kol", kol.id), query, f"comments-kol-{kol.id}.csv")


@router.get("/campaigns/{campaign_id}/comments")
def campaign_comments(campaign: CampaignDep, ctx: PageDep, query: CommentQueryDep) -> Response:
    """The comments on a campaign's notes."""
    return _comments_page(ctx, CommentScope("campaign", campaign.id), query, "campaigns", campaign=campaign)


@router.get("/campaigns/{campaign_id}/comments.csv")
def campaign_comments_csv(
    campaign: CampaignDep, workspace: WorkspaceDep, session: SessionDep, query: CommentQueryDep
) -> Response:
    scope = CommentScope("campaign", campaign.id)
    return export(session, workspace.id, scope, query, f"comments-campaign-{campaign.id}.csv")


@router.get("/notes/{note_id}")
def note_page(note: NoteDep, ctx: PageDep, query: CommentQueryDep) -> Response:
    """A note: title, date, XHS link, KOL, and its comments."""
    scope = CommentScope("note", note.id)
    return _comments_page(ctx, scope, query, "kols", note=note, xhs_url=note_url(note))


@router.get("/notes/{note_id}/comments.csv")
def note_comments_csv(
    note: NoteDep, workspace: WorkspaceDep, session: SessionDep, query: CommentQueryDep
) -> Response:
    return export(session, workspace.id, CommentScope("note", note.id), query, f"comments-note-{note.id}.csv")


# --------------------------------------------------------------------------- corrections


def parse_label(raw: str) -> tuple[str, str | bool]:
    """``sentiment:negative`` -> ("sentiment", "negative"); ``spam:yes`` -> ("spam", True)."""
    name, _, value = raw.partition(":")
    if name == "sentiment" and value in SENTIMENTS:
        return name, value
    if name in INTENTS and value in ("yes", "no"):
        return name, value == "yes"
    options = [f"sentiment:{s}" for s in SENTIMENTS] + [f"{i}:yes|no" for i in INTENTS]
    raise InvalidInput(f"label {raw!r} is not one of {', '.join(options)}")


def _problem(exc: CorrectionError) -> Exception:
    return NotFound(str(exc)) if "does not exist" in str(exc) else InvalidInput(str(exc))


def _back(next: str, comment_id: int) -> RedirectResponse:
    target = safe_next(next)
    return RedirectResponse(f"{target.split('#')[0]}#comment-{comment_id}", status_code=303)


@router.post("/comments/{comment_id}/labels")
def correct_comment_label(
    request: Request,
    comment_id: int,
    principal: WritePrincipal,
    session: SessionDep,
    label: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form(max_length=500)] = "/kols",
) -> RedirectResponse:
    """Correct one label of a comment (it goes to the workspace's training labels); back to the table."""
    refuse_cross_site_form(request)
    name, value = parse_label(label)
    comment = session.get(Comment, comment_id)
    shown = (
        intent_flags(comment)
        if comment is not None and comment.workspace_id == principal.workspace_id
        else {}
    )
    start_writing(session)
    try:
        correct_label(session, principal.workspace_id, comment_id, name, value, shown)
    except CorrectionError as exc:
        raise _problem(exc) from exc
    session.commit()
    return _back(next, comment_id)


@router.post("/corrections/{correction_id}/undo")
def undo_comment_correction(
    request: Request,
    correction_id: int,
    principal: WritePrincipal,
    session: SessionDep,
    next: Annotated[str, Form(max_length=500)] = "/kols",
) -> RedirectResponse:
    """Undo a correction: the comment's training label goes back to what it was (or away)."""
    refuse_cross_site_form(request)
    start_writing(session)
    try:
        correction = undo_correction(session, principal.workspace_id, correction_id)
    except CorrectionError as exc:
        raise _problem(exc) from exc
    session.commit()
    return _back(next, correction.comment_id)
