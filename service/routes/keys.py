"""The caller's identity and the workspace's API keys (managing keys needs the admin scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from service.bodies import CheckedJSONRoute
from service.deps import MAX_ID, AdminPrincipal, ReadPrincipal, SessionDep, WorkspaceDep
from service.errors import NotFound, problem_responses
from service.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, MeOut, WorkspaceOut
from service.store.repositories import create_api_key, list_api_keys, revoke_api_key
from service.store.tables import ApiKey

router = APIRouter(
    tags=["keys"], responses=problem_responses(401, 403, 422, 429), route_class=CheckedJSONRoute
)


def key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=sorted(key.scope_set),
        created_at=key.created_at,
        last_used_at=key.last_used_at,
    )


@router.get("/me", response_model=MeOut, summary="The workspace and key making the request")
def me(principal: ReadPrincipal, workspace: WorkspaceDep, session: SessionDep) -> MeOut:
    """Which workspace this key belongs to and what it may do."""
    key = next(k for k in list_api_keys(session, principal.workspace_id) if k.id == principal.key_id)
    return MeOut(
        workspace=WorkspaceOut.model_validate(workspace),
        key=key_out(key),
        scopes=sorted(principal.scopes),
    )


@router.get("/keys", response_model=list[ApiKeyOut], summary="Active API keys of the workspace (admin)")
def list_keys(principal: AdminPrincipal, session: SessionDep) -> list[ApiKeyOut]:
    """Names, prefixes and scopes; secrets are never shown again."""
    return [key_out(k) for k in list_api_keys(session, principal.workspace_id)]


@router.post("/keys", status_code=201, response_model=ApiKeyCreatedOut, summary="Create an API key (admin)")
def create_key(body: ApiKeyIn, principal: AdminPrincipal, session: SessionDep) -> ApiKeyCreatedOut:
    """The secret is in this response only; RedLens stores its SHA-256."""
    key, secret = create_api_key(
        session, principal.workspace_id, body.scopes, name=body.name.strip() or "key"
    )
    return ApiKeyCreatedOut(**key_out(key).model_dump(), secret=secret)


@router.delete(
    "/keys/{key_id}",
    status_code=204,
    response_class=Response,
    summary="Revoke an API key (admin)",
    responses=problem_responses(404),
)
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=MAX_ID)], principal: AdminPrincipal, session: SessionDep
) -> Response:
    """The key stops working at once (in every process)."""
    if not revoke_api_key(session, principal.workspace_id, key_id):
        raise NotFound(f"API key {key_id} does not exist in this workspace (or is already revoked)")
    return Response(status_code=204)
