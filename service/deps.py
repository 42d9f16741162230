"""Shared FastAPI dependencies as short typed aliases.

Route handlers declare what they need and get it ready to use::

    def vetting(kol: KolDep, session: SessionDep, models: ModelsDep, principal: ReadPrincipal): ...

* :data:`SessionDep`: a session in one transaction, committed when the handler returns (before
  the response is sent) and rolled back on error.
* :data:`PrincipalDep` (any valid key), :data:`ReadPrincipal`, :data:`WritePrincipal`,
  :data:`AdminPrincipal` (key with that scope): authentication (an API key in a header, or a
  sign-in session in the cookie) and the same-origin check for cookie requests. The per-key rate
  limit came before, in :class:`service.ratelimit.RateLimitMiddleware`, without the database.
  :data:`MaybePrincipalDep` returns ``None`` instead of a 401 (web pages redirect to their login
  form).
* :data:`WorkspaceDep`: the caller's workspace row.
* :data:`KolDep`, :data:`CampaignDep`, :data:`NoteDep`, :data:`JobDep`, :data:`TrainingJobDep`: a row of the
  caller's workspace from the path id, or the one ``not-found`` problem. A row of another
  workspace is indistinguishable from a missing one.
* :data:`ModelsDep`: the comment models serving the caller's workspace (503 problem when none
  are loaded), found in a short session of its own: a handler that needs only the models (the
  analyze route) holds no database connection while the models run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from service.config import Settings
from service.errors import NotFound, Unauthorized
from service.jobs import JobRunner, JobServices
from service.metrics import ApiMetrics
from service.ratelimit import RateLimiter
from service.readiness import DatabaseProbe
from service.security import (
    AUTH_COOKIE,
    Principal,
    authenticate,
    check_same_origin,
    presented_secret,
    record_key_use,
)
from service.serving import ModelHolder
from service.store import repositories as repo
from service.store.engine import end_transaction
from service.store.tables import Campaign, Job, Kol, Note, Workspace
from service.vetting import vet_kol

#: Largest row id accepted in paths (ids are 32-bit integers in PostgreSQL).
MAX_ID = 2_147_483_647


@dataclass
class AppServices:
    """Everything a request or a job needs, built once by :func:`service.main.create_app`."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    holder: ModelHolder
    metrics: ApiMetrics
    limiter: RateLimiter
    #: Sign-in attempts per client address and attempted key prefix (``login_attempts_per_minute``).
    login_limiter: RateLimiter
    database_probe: DatabaseProbe
    #: Model runs of API requests at once in this process (``model_concurrency``).
    model_slots: threading.BoundedSemaphore
    runner: JobRunner | None = None
    calibration: Any = None  # models.authenticity Calibration, or None when unavailable
    calibration_error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def job_services(self) -> JobServices:
        return JobServices(self.session_factory, self.holder, self.settings, self.metrics)

    def vet(
        self, session: Session, workspace: Workspace, kol: Kol, models: CommentModels, **options: Any
    ) -> dict[str, Any]:
        """:func:`service.vetting.vet_kol` with this app's authenticity calibration and writer."""
        return vet_kol(
            session,
            self.session_factory,
            workspace,
            kol,
            models,
            calibration=self.calibration,
            calibration_error=self.calibration_error,
            **options,
        )


async def get_services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


ServicesDep = Annotated[AppServices, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    with services.session_factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def start_writing(session: Session) -> None:
    """End the session's read transaction before a handler's writes.

    SQLite (WAL) lets a transaction write only if no other connection committed since it first
    read; a transaction whose first statement is a write waits for the lock instead (busy
    timeout). Handlers that read, then write, call this between the two phases. Harmless on
    PostgreSQL; the session must hold no unsaved changes.
    """
    end_transaction(session)


def _identify(request: Request, services: AppServices) -> Principal | None:
    """Look the key up in a short session of its own (never the request's: on SQLite a request
    transaction that has read cannot write after another connection committed, and the
    ``last_used_at`` stamp is such a commit)."""
    secret, via = presented_secret(request)
    if not secret:
        return None
    with services.session_factory() as lookup:
        principal = authenticate(lookup, secret, via)
    if principal is None:
        return None
    check_same_origin(request, via)
    record_key_use(services.session_factory, principal)
    request.state.principal = principal
    return principal


# Declared for the OpenAPI document (the "Authorize" button of /docs); the key is read from the
# request by presented_secret, which applies the documented order.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_header_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")
_cookie_key = APIKeyCookie(
    name=AUTH_COOKIE, auto_error=False, description="sign-in session token, set by the web pages' sign-in"
)


def get_principal(
    request: Request,
    services: ServicesDep,
    _b: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    _h: Annotated[str | None, Depends(_header_key)] = None,
    _c: Annotated[str | None, Depends(_cookie_key)] = None,
) -> Principal:
    secret, _ = presented_secret(request)
    if not secret:
        raise Unauthorized("no API key: send it as Authorization: Bearer <key> or X-API-Key: <key>")
    principal = _identify(request, services)
    if principal is None:
        raise Unauthorized("the API key is unknown or has been revoked")
    return principal


def get_optional_principal(request: Request, services: ServicesDep) -> Principal | None:
    """The caller, or ``None`` without a valid key (for pages that show a login form instead)."""
    return _identify(request, services)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
MaybePrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]


def _needs(scope: str) -> Any:
    def dependency(principal: PrincipalDep) -> Principal:
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope}_scope"
    return Depends(dependency)


ReadPrincipal = Annotated[Principal, _needs("read")]
WritePrincipal = Annotated[Principal, _needs("write")]
AdminPrincipal = Annotated[Principal, _needs("admin")]


def get_workspace(principal: ReadPrincipal, session: SessionDep) -> Workspace:
    workspace = repo.get_workspace(session, principal.workspace_id)
    if workspace is None:  # deleted while the key was in use
        raise Unauthorized("the API key's workspace no longer exists")
    return workspace


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]


def get_models(services: ServicesDep, principal: PrincipalDep) -> CommentModels:
    """The models the caller's workspace is served (its own promoted versions, else the deployment's)."""
    with services.session_factory() as session:
        return services.holder.for_workspace(session, principal.workspace_id)


ModelsDep = Annotated[CommentModels, Depends(get_models)]


# --------------------------------------------------------------------------- owned rows

KolId = Annotated[int, Path(ge=1, le=MAX_ID, description="RedLens id of the KOL (from GET /v1/kols)")]
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID, description="RedLens id of the campaign")]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="id of the job")]
NoteId = Annotated[int, Path(ge=1, le=MAX_ID, description="RedLens id of the note")]

_Row = TypeVar("_Row")


def _owned(row: _Row | None, what: str, row_id: int) -> _Row:
    """The row a workspace-scoped lookup found, or 404 naming what was asked for."""
    if row is None:
        raise NotFound(f"{what} {row_id} does not exist in this workspace")
    return row


def get_owned_kol(kol_id: KolId, principal: ReadPrincipal, session: SessionDep) -> Kol:
    return _owned(repo.get_kol(session, principal.workspace_id, kol_id), "KOL", kol_id)


def get_owned_campaign(campaign_id: CampaignId, principal: ReadPrincipal, session: SessionDep) -> Campaign:
    return _owned(repo.get_campaign(session, principal.workspace_id, campaign_id), "campaign", campaign_id)


def get_owned_note(note_id: NoteId, principal: ReadPrincipal, session: SessionDep) -> Note:
    return _owned(repo.get_note(session, principal.workspace_id, note_id), "note", note_id)


def get_owned_job(job_id: JobId, principal: ReadPrincipal, session: SessionDep) -> Job:
    return _owned(repo.get_job(session, principal.workspace_id, job_id), "job", job_id)


def get_owned_training_job(job: Annotated[Job, Depends(get_owned_job)]) -> Job:
    if job.kind != "training":
        raise NotFound(f"job {job.id} is not a training job (it is a {job.kind} job: see /v1/jobs/{job.id})")
    return job


KolDep = Annotated[Kol, Depends(get_owned_kol)]
CampaignDep = Annotated[Campaign, Depends(get_owned_campaign)]
NoteDep = Annotated[Note, Depends(get_owned_note)]
JobDep = Annotated[Job, Depends(get_owned_job)]
TrainingJobDep = Annotated[Job, Depends(get_owned_training_job)]
