"""Page routes: sign-in, KOLs and their vetting, campaigns, upload, models, jobs, labelling.

Pages use the API's dependencies (:mod:`service.deps`): the signed-in key comes from the sign-in
session in the ``redlens_session`` cookie (:func:`service.security.start_web_session`), rows are looked up within its workspace (another workspace's id is a
404), and scopes are checked the same way. Actions on a page (upload, promote, start training, cancel a job)
call the JSON API from the page's script with the cookie; the labelling page stores labels through
:func:`save_label`, the only JSON route of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from anyio import from_thread
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from models.artifacts import ArtifactError, read_card, read_registry
from models.labels import INTENTS, SENTIMENTS
from service.bodies import CheckedJSONRoute
from service.campaigns import build_campaign_report
from service.deps import (
    AppServices,
    CampaignDep,
    KolDep,
    MaybePrincipalDep,
    ModelsDep,
    ReadPrincipal,
    ServicesDep,
    SessionDep,
    WorkspaceDep,
    WritePrincipal,
    start_writing,
)
from service.errors import CrossSiteRequest, InvalidInput
from service.ingest.core import SUPPORTED_SUFFIXES
from service.market import entered_by, save_quote
from service.ratelimit import sign_in_credentials
from service.reports.html_report import (
    KOL_COLUMNS,
    LABELS,
    OVERVIEW_NAMES,
    vetting_evidence,
    vetting_sections,
)
from service.routes.ingest import MAX_FILES
from service.security import (
    AUTH_COOKIE,
    Principal,
    authenticate_key,
    clear_auth_cookie,
    end_web_session,
    set_auth_cookie,
    start_web_session,
)
from service.serving import workspace_current_versions
from service.store.market import latest_quotes
from service.store.repositories import (
    campaign_rows,
    count_comments_by_note,
    get_kol_by_platform_id,
    list_campaigns,
    list_jobs,
    list_model_versions,
    set_kol_figures,
)
from service.store.tables import Kol, Workspace
from service.vetting import RECENT_NOTES
from service.web import i18n, labelling
from service.web.comment_table import table_context
from service.web.i18n import N_
from service.web.rendering import render
from service.web.summaries import SummaryCache, VettingSummary
from service.web.views import VERDICT_TEXT, campaign_view, model_version_view

router = APIRouter(include_in_schema=False, route_class=CheckedJSONRoute)

PAGE_SIZE = 20
JOBS_SHOWN = 50
#: Metric names of the campaign page (the report's, translated through ``i18n.METRIC_LABELS``).
PAGE_LABELS: dict[str, str] = {**LABELS, "clicks": N_("Clicks"), "views": N_("Views")}
MAX_LISTED_KOLS = 5000
DEFAULT_PAGE = "/kols"
TIERS_PATTERN = r"^[a-z_]{1,16}$"


def _page(
    request: Request,
    name: str,
    principal: Principal,
    workspace: Workspace,
    active: str | None,
    **context: Any,
) -> Response:
    return render(
        request,
        name,
        {"workspace": workspace, "verdict_text": VERDICT_TEXT, **context},
        principal=principal,
        workspace_name=workspace.name,
        active=active,
    )


@dataclass(frozen=True)
class PageContext:
    """What a page needs from its request: the signed-in key, its workspace, a session, the services."""

    request: Request
    principal: Principal
    workspace: Workspace
    session: Session
    services: AppServices

    def render(self, name: str, active: str | None, **context: Any) -> Response:
        """The page from ``templates/<name>`` for this request's key and workspace."""
        return _page(self.request, name, self.principal, self.workspace, active, **context)


def page_context(
    request: Request,
    principal: ReadPrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    services: ServicesDep,
) -> PageContext:
    return PageContext(request, principal, workspace, session, services)


PageDep = Annotated[PageContext, Depends(page_context)]


def write_page_context(principal: WritePrincipal, ctx: PageDep) -> PageContext:
    """A page for keys with the write scope (others get a 403 before anything else is looked up)."""
    return ctx


WritePageDep = Annotated[PageContext, Depends(write_page_context)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no scheme, no other host)."""
    if not target:
        return DEFAULT_PAGE
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return DEFAULT_PAGE
    if target.startswith(("/login", "/logout")):
        return DEFAULT_PAGE
    return target


# --------------------------------------------------------------------------- sign-in


def refuse_cross_site_form(request: Request) -> None:
    """Refuse a sign-in or sign-out form posted from another site.

    Browsers send ``Origin`` (or at least ``Referer``) with every form post, so a cross-site post
    always announces itself; a request without either comes from a script, not from a page of
    another site, and is let through. A cross-site sign-in would put the browser into another
    workspace (login CSRF), a cross-site sign-out would merely annoy.
    """
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return
    parts = urlsplit(claimed)
    own = (request.url.scheme.lower(), request.url.netloc.lower())
    if claimed == "null" or (parts.scheme.lower(), parts.netloc.lower()) != own:
        raise CrossSiteRequest(f"this form must be posted from {own[0]}://{own[1]}, not from {claimed!r}")


@router.get("/")
def home(principal: MaybePrincipalDep) -> RedirectResponse:
    return RedirectResponse(DEFAULT_PAGE if principal else "/login", status_code=303)


@router.get("/login")
def login_form(
    request: Request,
    principal: MaybePrincipalDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
    signed_out: Annotated[bool, Query()] = False,
) -> Response:
    if principal is not None and principal.via == "cookie" and not signed_out:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "signed_out": signed_out, "error": None})


def _sign_in(services: AppServices, secret: str) -> str | None:
    """A new session token for a valid key, else ``None``."""
    with services.session_factory() as session:
        principal = authenticate_key(session, secret)
    if principal is None:
        return None
    try:
        return start_web_session(services.session_factory, principal, services.settings)
    except LookupError:  # revoked in between
        return None


def _too_many_sign_ins(request: Request, next_page: str, seconds: int) -> Response:
    locale = i18n.request_locale(request)
    error = i18n.gettext(
        locale, N_("Too many sign-in attempts. Wait %(seconds)s s, then try again."), seconds=seconds
    )
    response = render(
        request,
        "login.html",
        {"next": safe_next(next_page), "signed_out": False, "error": error},
        status_code=429,
    )
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/login")
def login(
    request: Request,
    services: ServicesDep,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = DEFAULT_PAGE,
) -> Response:
    """Check the key, start a sign-in session and keep its token (not the key) in the cookie."""
    refuse_cross_site_form(request)
    secret = key.strip()
    client = request.client.host if request.client else "unknown"
    wait = from_thread.run(services.login_limiter.wait_for, *sign_in_credentials(client, secret))
    if wait > 0:
        return _too_many_sign_ins(request, next, max(1, math.ceil(wait)))
    token = _sign_in(services, secret) if secret else None
    if token is None:
        error = (
            N_("Enter your workspace API key.")
            if not secret
            else N_("This key is unknown or has been revoked.")
        )
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "signed_out": False, "error": error},
            status_code=401 if secret else 400,
        )
    response = RedirectResponse(f"/login/done?next={quote(safe_next(next), safe='/')}", status_code=303)
    set_auth_cookie(response, token, services.settings)
    return response


@router.get("/login/done")
def login_done(
    request: Request,
    principal: MaybePrincipalDep,
    services: ServicesDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Where sign-in lands: on to the page when the browser sent the cookie back, else why not.

    A browser keeps a ``Secure`` cookie only from HTTPS (or localhost); served over plain HTTP on
    another address, sign-in would silently come back to the form.
    """
    if principal is not None and principal.via == "cookie":
        return RedirectResponse(safe_next(next), status_code=303)
    error = "Your browser did not keep the sign-in cookie."
    if services.settings.cookie_secure and request.url.scheme != "https":
        error += (
            " The cookie is Secure, which browsers keep only over HTTPS or on localhost: open RedLens over "
            "HTTPS, or set REDLENS_COOKIE_SECURE=false on a trusted local network."
        )
    else:
        error += " Allow cookies for this site and sign in again."
    return render(
        request, "login.html", {"next": safe_next(next), "signed_out": False, "error": error}, status_code=400
    )


@router.post("/logout")
def logout(request: Request, services: ServicesDep) -> Response:
    """End the sign-in session (the token stops working everywhere) and clear the cookie."""
    refuse_cross_site_form(request)
    end_web_session(services.session_factory, request.cookies.get(AUTH_COOKIE))
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_auth_cookie(response, services.settings)
    return response


# --------------------------------------------------------------------------- KOLs


def _translator(request: Request) -> i18n.Translate:
    """Messages (chart words) in the page's language."""
    return i18n.PageTranslate(i18n.request_locale(request))


def _tier_of(kol: Kol, names: tuple[str, ...], tier_for: Any) -> str | None:
    if kol.tier in names:
        return kol.tier
    return tier_for(kol.followers) if kol.followers is not None else None


def _summary_cache(services: AppServices) -> SummaryCache:
    cache = services.extras.get("web.vetting_summaries")
    if not isinstance(cache, SummaryCache):
        cache = services.extras.setdefault("web.vetting_summaries", SummaryCache())
    return cache


def _summary_key(workspace: Workspace, kol: Kol, model_version: str) -> tuple[Any, ...]:
    return (workspace.id, kol.id, model_version, kol.updated_at)


def _vet(
    session: Any, services: AppServices, workspace: Workspace, kol: Kol, models: Any, **options: Any
) -> dict[str, Any]:
    vetting = services.vet(session, workspace, kol, models, **options)
    _summary_cache(services).put(_summary_key(workspace, kol, models.version), VettingSummary.of(vetting))
    return vetting


def vetting_summary(
    session: Any, services: AppServices, workspace: Workspace, kol: Kol, models: Any
) -> VettingSummary:
    """A KOL's vetting summary (the KOL list, the campaign page): cached, else from a vetting
    without the sections the summary does not read (themes, audience, sponsorship)."""
    key = _summary_key(workspace, kol, models.version)
    found = _summary_cache(services).get(key)
    if found is None:
        found = VettingSummary.of(services.vet(session, workspace, kol, models, sections=False))
        _summary_cache(services).put(key, found)
    return found


@router.get("/kols/{kol_id}")
def kol_page(kol: KolDep, ctx: PageDep, models: ModelsDep) -> Response:
    session, workspace = ctx.session, ctx.workspace
    vetting = _vet(session, ctx.services, workspace, kol, models)
    evidence = vetting_evidence(session, workspace.id, kol, RECENT_NOTES)
    view = vetting_sections(vetting, evidence, _translator(ctx.request))
    notes = list(evidence.stored_notes)
    return ctx.render(
        "kol.html",
        "kols",
        kol=kol,
        quotes=[q for _, q in sorted(latest_quotes(session, workspace.id, kol.id).items())],
        v=vetting,
        view=view,
        notes=notes,
        comment_counts=count_comments_by_note(session, workspace.id, [n.id for n in notes]),
        can_edit=ctx.principal.has("write"),
        **table_context(),
    )


MAX_FOLLOWERS = 10_000_000_000


def parse_followers(followers: str) -> int | None:
    """The follower count of the KOL figures form (empty: not given)."""
    raw = followers.strip().replace(",", "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_FOLLOWERS:
        raise InvalidInput(f"followers: {followers!r} is not a whole number from 0 to {MAX_FOLLOWERS:,}")
    return int(raw)


@router.post("/kols/{kol_id}/figures")
def update_kol_figures(
    request: Request,
    kol: KolDep,
    principal: WritePrincipal,
    workspace: WorkspaceDep,
    session: SessionDep,
    followers: Annotated[str, Form(max_length=20)] = "",
    note_format: Annotated[str, Form(max_length=8)] = "image",
    price: Annotated[str, Form(max_length=32)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Enter a KOL's follower count when no export carries it, and the price it quoted for a note
    of a format (stored as a quote, as ``PUT /v1/kols/{id}/quotes/{format}`` does)."""
    refuse_cross_site_form(request)
    count = parse_followers(followers)
    kol_id = kol.id
    start_writing(session)
    set_kol_figures(session, principal.workspace_id, kol_id, followers=count)
    if price.strip():
        save_quote(
            session,
            principal.workspace_id,
            kol,
            note_format,
            price,
            workspace.currency,
            entered_by(principal),
        )
    session.commit()
    return RedirectResponse(safe_next(next or f"/kols/{kol_id}"), status_code=303)


# --------------------------------------------------------------------------- campaigns


@router.get("/campaigns")
def campaigns_page(ctx: PageDep) -> Response:
    session, workspace_id = ctx.session, ctx.workspace.id
    campaigns = [
        {"campaign": c, "notes": len(campaign_rows(session, workspace_id, c.id))}
        for c in list_campaigns(session, workspace_id)
    ]
    return ctx.render("campaigns.html", "campaigns", campaigns=campaigns)


def _campaign_vettings(
    session: Any, services: AppServices, workspace: Workspace, models: Any, report: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Per KOL of the campaign (platform id): its page id and vetting summary (cached like the KOL list)."""
    out: dict[str, dict[str, Any]] = {}
    for row in report.get("kol_breakdown") or []:
        kol = get_kol_by_platform_id(session, workspace.id, str(row.get("kol_id")))
        if kol is None:
            continue
        out[kol.platform_user_id] = {
            "id": kol.id,
            "summary": vetting_summary(session, services, workspace, kol, models),
        }
    return out


@router.get("/campaigns/{campaign_id}")
def campaign_page(campaign: CampaignDep, ctx: PageDep, models: ModelsDep) -> Response:
    session, services, workspace = ctx.session, ctx.services, ctx.workspace
    report = build_campaign_report(session, services.session_factory, workspace, campaign, models, top_n=5)
    return ctx.render(
        "campaign.html",
        "campaigns",
        campaign=campaign,
        r=report,
        vetted=_campaign_vettings(session, services, workspace, models, report),
        view=campaign_view(report, _translator(ctx.request)),
        kol_columns=KOL_COLUMNS,
        overview_names=("views", *OVERVIEW_NAMES[:4], "clicks", *OVERVIEW_NAMES[4:]),
        labels=PAGE_LABELS,
    )


# --------------------------------------------------------------------------- upload


@router.get("/upload")
def upload_page(ctx: WritePageDep) -> Response:
    return ctx.render(
        "upload.html",
        "upload",
        suffixes=SUPPORTED_SUFFIXES,
        max_files=MAX_FILES,
        campaigns=[c.name for c in list_campaigns(ctx.session, ctx.workspace.id)],
    )


# --------------------------------------------------------------------------- models


@router.get("/models")
def models_page(ctx: PageDep) -> Response:
    session, services, workspace = ctx.session, ctx.services, ctx.workspace
    holder = services.holder
    try:
        registry = read_registry(holder.models_dir)
    except (ArtifactError, OSError, ValueError):
        registry = {}
    serving = services.holder.for_workspace_if_loaded(session, workspace.id)
    own = workspace_current_versions(session, workspace.id)
    by_task: dict[str, list[dict[str, Any]]] = {"sentiment": [], "intents": []}
    for row in list_model_versions(session, workspace_id=workspace.id):
        if row.task not in by_task:
            continue
        deployment = (registry.get(row.task) or {}).get("current")
        current = serving.version_of(row.task) if serving else deployment
        try:
            card: dict[str, Any] = read_card(
                row.task, row.version, holder.locate(row.task, row.version, workspace.id)
            )
        except (ArtifactError, OSError, ValueError) as exc:
            card = {"_error": f"card not readable: {exc}"}
        by_task[row.task].append(
            model_version_view(
                row,
                card,
                current=current,
                deployment=deployment,
                promoted_here=own.get(row.task) == row.version,
                trained_by=None if row.workspace_id is None else workspace.slug,
            )
        )
    return ctx.render(
        "models.html",
        "models",
        by_task=by_task,
        serving=serving,
        promoted_here=sorted(own),
        load_error=services.holder.load_error,
        can_promote=ctx.principal.has("admin"),
    )


# --------------------------------------------------------------------------- jobs


@router.get("/jobs")
def jobs_page(ctx: PageDep) -> Response:
    jobs = list_jobs(ctx.session, ctx.workspace.id, limit=JOBS_SHOWN)
    return ctx.render(
        "jobs.html",
        "jobs",
        jobs=jobs,
        can_cancel=ctx.principal.has("write"),
        shown=JOBS_SHOWN,
    )


# --------------------------------------------------------------------------- labelling


def _training_jobs(session: Any, workspace_id: int) -> list[Any]:
    return list_jobs(session, workspace_id, kind="training", limit=5)


@router.get("/labelling")
def labelling_page(ctx: WritePageDep, models: ModelsDep) -> Response:
    workspace_id = ctx.workspace.id
    queue = labelling.build_queue(ctx.session, ctx.services.session_factory, workspace_id, models)
    return ctx.render(
        "labelling.html",
        "labelling",
        queue=queue,
        sentiments=SENTIMENTS,
        intents=INTENTS,
        intent_keys=labelling.INTENT_KEYS,
        jobs=_training_jobs(ctx.session, workspace_id),
        can_promote=ctx.principal.has("admin"),
    )


class LabelIn(BaseModel):
    """One hand label from the labelling page."""

    comment_id: int = Field(ge=1, le=2_147_483_647, description="RedLens id of the comment")
    sentiment: str = Field(description="positive, neutral or negative", max_length=16)
    intents: dict[str, bool] = Field(default_factory=dict, description="intent name -> present")


class LabelOut(BaseModel):
    comment_id: int
    labelled_total: int


@router.post("/labelling/labels", response_model=LabelOut)
def save_label(body: LabelIn, principal: WritePrincipal, session: SessionDep) -> LabelOut:
    """Store a label (``labelled_example``, source ``labelling``); the next training job uses it."""
    if len(body.intents) > len(INTENTS) + 5:
        raise InvalidInput(f"too many intents ({len(body.intents)}); known: {list(INTENTS)}")
    try:
        total = labelling.store_label(
            session, principal.workspace_id, body.comment_id, body.sentiment, body.intents
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return LabelOut(comment_id=body.comment_id, labelled_total=total)


__all__ = ["LabelIn", "LabelOut", "router", "safe_next"]
