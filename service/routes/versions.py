"""Model versions: list, promote, roll back (promotion and rollback need the admin scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.types import DecoratedCallable

from service.deps import AdminPrincipal, ReadPrincipal, ServicesDep, SessionDep, WorkspaceDep
from service.errors import problem_responses
from service.schemas import ModelsOut, ModelVersionOut, PromotionOut, ServingOut
from service.serving import find_visible_version, promote, roll_back, workspace_current_versions
from service.store.repositories import list_model_versions
from service.store.tables import ModelVersion

router = APIRouter(
    prefix="/models", tags=["models"], responses=problem_responses(401, 403, 404, 409, 422, 429)
)

Version = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="model version id")]
Task = Annotated[
    Literal["sentiment", "intents"] | None,
    Query(description="the task, when the version id alone is ambiguous"),
]


@router.get("", response_model=ModelsOut, summary="Serving versions and every version this workspace can see")
def list_versions(
    principal: ReadPrincipal, workspace: WorkspaceDep, session: SessionDep, services: ServicesDep
) -> ModelsOut:
    """``serving`` is what this workspace is served: the versions it promoted for itself, else the
    deployment's. Trained versions are visible only to the workspace that trained them
    (``origin``, ``trained_by``); ``is_current`` marks the versions serving this workspace. Each
    version carries its test metrics."""
    models = services.holder.for_workspace_if_loaded(session, principal.workspace_id)
    own = workspace_current_versions(session, principal.workspace_id)
    rows = list_model_versions(session, workspace_id=principal.workspace_id)
    return ModelsOut(
        serving=None
        if models is None
        else ServingOut(
            sentiment=models.sentiment_version,
            intents=models.intents_version,
            model_version=models.version,
            promoted_by_workspace=sorted(own),
        ),
        versions=[
            ModelVersionOut(
                task=r.task,  # type: ignore[arg-type]
                version=r.version,
                created_at=r.created_at,
                is_current=models is not None and r.version == models.version_of(r.task),
                promoted_at=r.promoted_at,
                origin="shipped" if r.workspace_id is None else "this_workspace",
                trained_by=None if r.workspace_id is None else workspace.slug,
                metrics=r.metrics,
            )
            for r in rows
            if r.task in ("sentiment", "intents")
        ],
    )


def _visible_version(
    version: Version, principal: AdminPrincipal, session: SessionDep, task: Task = None
) -> ModelVersion:
    """The version the path names, among those the workspace can see (404; 409 when ambiguous)."""
    return find_visible_version(session, version, principal.workspace_id, task)


VisibleVersion = Annotated[ModelVersion, Depends(_visible_version)]


def _version_action(action: str, summary: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """``POST /models/{version}/<action>``: an admin changes what serves the workspace (503 while
    the models cannot be loaded) and gets the outcome of the change."""
    return router.post(
        f"/{{version}}/{action}",
        response_model=PromotionOut,
        summary=summary,
        responses=problem_responses(503),
    )


@_version_action("promote", "Serve a version to this workspace (admin); swaps its models without restart")
def promote_version(
    row: VisibleVersion, principal: AdminPrincipal, session: SessionDep, services: ServicesDep
) -> PromotionOut:
    """Only this workspace is affected: a version its training job produced becomes its current one
    (every process serves it from the next request); promoting the deployment's current version
    ends the workspace's own choice. Other shipped versions are switched for the whole deployment
    by the operator (`redlens models promote`), never through a workspace key (409)."""
    return PromotionOut.model_validate(promote(session, services.holder, row, principal.workspace_id))


@_version_action("rollback", "Undo the promotion of the current version (admin)")
def rollback_version(
    row: VisibleVersion, principal: AdminPrincipal, session: SessionDep, services: ServicesDep
) -> PromotionOut:
    """``version`` must be a version this workspace promoted and still serves; the version it was
    served before returns (its previous own version, else the deployment's)."""
    return PromotionOut.model_validate(roll_back(session, services.holder, row, principal.workspace_id))
