"""The FastAPI application factory.

``uvicorn --factory service.main:create_app`` (or ``redlens serve``) builds the app. Nothing is
loaded at import: the lifespan loads the comment models (from ``models/registry.json``, or the
``models`` passed in, as tests do), records the model versions in the database, loads the
authenticity calibration, marks interrupted jobs failed and starts the job worker.

The web pages (:mod:`service.web`) are added after the API, so they share the app, its
dependencies (:mod:`service.deps`) and its error handling.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware

from models.comments import CommentModels
from service.config import Settings, get_settings
from service.deps import AppServices
from service.errors import PROBLEM_TYPES, install_error_handlers
from service.jobs import JobRunner
from service.metrics import MULTIPROC_ENV, ApiMetrics, MetricsMiddleware
from service.ratelimit import RateLimiter, RateLimitMiddleware
from service.readiness import DatabaseProbe
from service.routes import API_ROUTERS, health
from service.security import BodyLimitMiddleware
from service.serving import ModelHolder, record_registry
from service.shedding import ConcurrencyGate, LoadShedMiddleware
from service.store.engine import make_engine, make_session_factory
from service.web import register as register_pages

log = logging.getLogger("redlens.api")

API_VERSION = "1.0.0"
UPLOAD_PATHS = ("/v1/ingest", "/v1/training-jobs")
#: Cheap probes that answer however busy the process is: no load shedding, no rate limit.
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")
#: Answers shorter than this go out uncompressed (the gzip header and CPU would not pay off).
GZIP_MINIMUM_BYTES = 1024


class _Load:
    """Sentinel: load the authenticity calibration shipped with the package."""


LOAD_CALIBRATION: Any = _Load()

DESCRIPTION = f"""
RedLens reads Xiaohongshu (XHS, RedNote) comments, follower histories and note metrics, and tells a
brand whether a KOL's audience is real, what commenters feel and intend, and what a campaign earned.

**Keys.** Every `/v1` route needs an API key of your workspace, sent as `Authorization: Bearer <key>`
or `X-API-Key: <key>` (web pages sign in with a key and then send a revocable session token in the
HTTP-only cookie `redlens_session`). Scopes: `read` (see data, analyse comments), `write` (upload,
start jobs; includes read), `admin` (promote models, manage keys; includes write). A key never sees
another workspace's data: such ids answer 404.

**Limits.** A per-key rate limit answers 429 with `Retry-After`; a server at capacity answers 503
with `Retry-After` at once rather than queueing; request bodies over the limit answer 413 (uploads
have a larger limit).

**Errors** are RFC 9457 problem details (`application/problem+json`) with a stable `type`:
{chr(10).join(f"- `{p.uri}` ({p.status}): {p.title}" for p in PROBLEM_TYPES.values())}

**Units.** Rates are fractions (0.053), money is a decimal string with its currency, times are UTC.
"""

TAGS = [
    {"name": "comments", "description": "Sentiment and intents of comments"},
    {"name": "ingest", "description": "Import MediaCrawler, Spider_XHS, creator-centre and RedLens files"},
    {"name": "jobs", "description": "Background jobs (large ingests, training)"},
    {"name": "kols", "description": "KOLs and their vetting"},
    {"name": "campaigns", "description": "Campaigns and their reports"},
    {"name": "kpis", "description": "The KPI engine"},
    {"name": "models", "description": "Model versions, promotion and rollback"},
    {"name": "training", "description": "Retraining jobs"},
    {"name": "keys", "description": "Identity and API keys"},
    {"name": "health", "description": "Liveness, readiness, metrics"},
]


def _load_calibration(services: AppServices, calibration: Any) -> None:
    if calibration is None:
        services.calibration, services.calibration_error = None, "authenticity scoring is switched off"
        return
    if not isinstance(calibration, _Load):
        services.calibration = calibration
        return
    try:
        from models.authenticity import load_calibration

        services.calibration = load_calibration()
    except (FileNotFoundError, ValueError, KeyError) as exc:
        services.calibration = None
        services.calibration_error = f"authenticity calibration not available ({exc})"
        log.warning("%s", services.calibration_error)


def _record_versions(services: AppServices, attempts: int = 6) -> None:
    """Record the registry's versions; workers starting together race for the same rows (one
    wins each insert, the others see a unique violation or, on SQLite, a busy database): retry."""
    for attempt in range(attempts):
        try:
            with services.session_factory() as session, session.begin():
                record_registry(session, services.settings.models_dir)
            return
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts - 1:
                log.error("could not record model versions in the database: %s", exc)
                return
            time.sleep(0.1 * 2**attempt)
        except SQLAlchemyError as exc:
            log.error("could not record model versions in the database: %s", exc)
            return


def _startup(services: AppServices, models: CommentModels | None, calibration: Any) -> None:
    if models is not None:
        services.holder.set(models, "injected")
    else:
        services.holder.load_current()
    if services.holder.models is not None:
        _record_versions(services)
    _load_calibration(services, calibration)
    holder, factory = services.holder, services.session_factory
    interval = services.settings.model_check_seconds

    def follow_promotions() -> None:
        holder.sync(factory, interval=interval)

    runner = JobRunner(services.job_services, on_tick=follow_promotions)
    try:
        runner.start()
    except SQLAlchemyError as exc:
        log.error("job runner not started (database not ready?): %s", exc)
        return
    services.runner = runner


def _shutdown(services: AppServices) -> None:
    if services.runner is not None:
        services.runner.stop()
    services.database_probe.close()
    services.engine.dispose()
    if os.environ.get(MULTIPROC_ENV):  # drop this worker's live gauges from the shared samples
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


def create_app(
    settings: Settings | None = None,
    *,
    models: CommentModels | None = None,
    calibration: Any = LOAD_CALIBRATION,
) -> FastAPI:
    """Build the app. ``models`` replaces loading from ``settings.models_dir`` (tests inject tiny
    fitted pipelines); ``calibration`` replaces the shipped authenticity calibration (``None``
    switches authenticity scoring off)."""
    settings = settings or get_settings()
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    metrics = ApiMetrics()
    services = AppServices(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        holder=ModelHolder.for_settings(settings, metrics),
        metrics=metrics,
        limiter=RateLimiter.from_settings(
            settings.rate_limit_per_minute, settings.rate_limit_burst, settings.redis_url
        ),
        login_limiter=RateLimiter.from_settings(settings.login_attempts_per_minute, None, settings.redis_url),
        database_probe=DatabaseProbe(settings.database_url, settings.readiness_timeout_seconds),
        model_slots=threading.BoundedSemaphore(settings.model_concurrency),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_startup, services, models, calibration)
        try:
            yield
        finally:
            await services.limiter.buckets.aclose()
            await services.login_limiter.buckets.aclose()
            await run_in_threadpool(_shutdown, services)

    app = FastAPI(
        title="RedLens API",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    # Last added runs first: metrics see every answer, CORS headers go on refusals too, then the
    # rate limit (no database) and load shedding answer before any request work starts. Answers
    # are compressed innermost, so every layer above sees the compressed size.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=6)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_request_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(
        LoadShedMiddleware,
        guard=ConcurrencyGate(settings.max_in_flight, settings.max_queued, settings.queue_wait_seconds),
        exempt_paths=PROBE_PATHS,
        on_refused=metrics.shed.inc,
    )
    app.add_middleware(
        RateLimitMiddleware,
        guard=services.limiter,
        exempt_paths=(*PROBE_PATHS, "/static/"),
        on_refused=metrics.rate_limited.inc,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.include_router(health.router)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/v1")
    register_pages(app)
    return app
