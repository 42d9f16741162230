"""Liveness, readiness and Prometheus metrics (outside /v1, no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.deps import ServicesDep
from service.errors import problem_response, problem_responses
from service.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="Liveness: the process answers")
def healthz() -> HealthOut:
    """The process is up (it says nothing about the database or the models)."""
    return HealthOut()


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="Readiness: database reachable and comment models loaded",
    responses=problem_responses(503),
)
def readyz(services: ServicesDep) -> ReadyOut | JSONResponse:
    """200 when the database answers and the comment models are loaded, else a 503 problem."""
    database = True
    detail = None
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        database = False
        detail = f"database not reachable: {type(exc).__name__}"
    models = services.holder.models
    if models is None:
        detail = (
            detail + "; " if detail else ""
        ) + f"models not loaded: {services.holder.load_error or 'unknown'}"
    if database and models is not None:
        return ReadyOut(status="ready", database=True, models_loaded=True, model_version=models.version)
    return problem_response(
        "unavailable",
        detail or "not ready",
        instance="/readyz",
        database=database,
        models_loaded=models is not None,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"}},
)
def metrics(services: ServicesDep) -> Response:
    """Request counts and latencies by route template, analysed comments, jobs, model swaps."""
    body, content_type = services.metrics.render()
    return Response(body, media_type=content_type)
