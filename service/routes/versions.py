"""Model versions: list, promote, roll back (promotion and rollback need the admin scope)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from service.deps import AdminPrincipal, ReadPrincipal, ServicesDep, SessionDep
from service.errors import problem_responses
from service.schemas import ModelsOut, ModelVersionOut, PromotionOut, ServingOut
from service.serving import find_visible_version, promote, roll_back
from service.store.repositories import list_model_versions

router = APIRouter(
    prefix="/models", tags=["models"], responses=problem_responses(401, 403, 404, 409, 422, 429)
)

Version = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="model version id")]
Task = Annotated[
    Literal["sentiment", "intents"] | None,
    Query(description="the task, when the version id alone is ambiguous"),
]


@router.get("", response_model=ModelsOut, summary="Serving versions and every version this workspace can see")
def list_versions(principal: ReadPrincipal, session: SessionDep, services: ServicesDep) -> ModelsOut:
    """Models are global to the deployment; trained versions are visible to the workspace that
    trained them. Each version carries its test metrics."""
    models = services.holder.models
    rows = list_model_versions(session, workspace_id=principal.workspace_id)
    return ModelsOut(
        serving=None
        if models is None
        else ServingOut(
            sentiment=models.sentiment_version, intents=models.intents_version, model_version=models.version
        ),
        versions=[
            ModelVersionOut(
                task=r.task,  # type: ignore[arg-type]
                version=r.version,
                created_at=r.created_at,
                is_current=r.is_current,
                promoted_at=r.promoted_at,
                origin="shipped" if r.workspace_id is None else "this_workspace",
                metrics=r.metrics,
            )
            for r in rows
            if r.task in ("sentiment", "intents")
        ],
    )


@router.post(
    "/{version}/promote",
    response_model=PromotionOut,
    summary="Make a version current (admin); swaps the serving model without restart",
    responses=problem_responses(503),
)
def promote_version(
    version: Version, principal: AdminPrincipal, session: SessionDep, services: ServicesDep, task: Task = None
) -> PromotionOut:
    """Writes models/registry.json and the model table, then swaps this process's model pair
    atomically; other processes follow within ~10 s."""
    row = find_visible_version(session, version, principal.workspace_id, task)
    result = promote(session, services.holder, row)
    return PromotionOut(
        task=result.task,
        version=result.version,
        previous_version=result.previous_version,
        serving=result.serving,
    )


@router.post(
    "/{version}/rollback",
    response_model=PromotionOut,
    summary="Undo the promotion of the current version (admin)",
    responses=problem_responses(503),
)
def rollback_version(
    version: Version, principal: AdminPrincipal, session: SessionDep, services: ServicesDep, task: Task = None
) -> PromotionOut:
    """``version`` must be the current version of its task; the one current before it returns."""
    row = find_visible_version(session, version, principal.workspace_id, task)
    result = roll_back(session, services.holder, row)
    return PromotionOut(
        task=result.task,
        version=result.version,
        previous_version=result.previous_version,
        serving=result.serving,
    )
