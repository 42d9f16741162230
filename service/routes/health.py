"""Liveness, readiness and Prometheus metrics (outside /v1, no key needed).

All three are ``async`` and bypass load shedding: they run on the event loop, never in the worker
threads that a saturated server has busy, and never take a connection from the request pool
(``/readyz`` has its own, :class:`service.readiness.DatabaseProbe`).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from service.deps import ServicesDep
from service.errors import problem_response, problem_responses
from service.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="Liveness: the process answers")
async def healthz() -> HealthOut:
    """The process is up (it says nothing about the database or the models)."""
    return HealthOut()


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="Readiness: database reachable and comment models loaded",
    responses=problem_responses(503),
)
async def readyz(services: ServicesDep) -> ReadyOut | JSONResponse:
    """200 when the database answers and the comment models are loaded, else a 503 problem."""
    detail = await services.database_probe.check()
    database = detail is None
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
async def metrics(services: ServicesDep) -> Response:
    """Request counts and latencies by route template, analysed comments, jobs, model swaps."""
    body, content_type = services.metrics.render()
    return Response(body, media_type=content_type)
