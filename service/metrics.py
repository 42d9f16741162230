"""Prometheus metrics at ``/metrics``.

Each app has its own registry (tests build many apps in one process). Under several server
processes (``redlens serve --workers 2``) the serve command sets ``PROMETHEUS_MULTIPROC_DIR``
before the workers start; then every process writes its samples there and ``/metrics`` sums them
over processes, whichever worker answers.

Labels never carry workspace ids, key prefixes or paths with ids: routes are their templates
(``/v1/kols/{kol_id}``), so the endpoint reveals traffic volume, not tenants.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    """The service's counters and histograms."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "redlens_http_requests",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "redlens_http_request_duration_seconds",
            "Time from request start to the end of the response body",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.comments_analyzed = Counter(
            "redlens_comments_analyzed", "Comments run through the comment models", ["source"], registry=r
        )
        self.rate_limited = Counter(
            "redlens_rate_limited", "Requests refused by the per-key rate limit", registry=r
        )
        self.shed = Counter(
            "redlens_shed", "Requests refused with 503 because the process was at capacity", registry=r
        )
        self.jobs_finished = Counter(
            "redlens_jobs_finished", "Background jobs finished", ["kind", "state"], registry=r
        )
        self.model_swaps = Counter(
            "redlens_model_swaps", "Serving model replaced without restart", ["reason"], registry=r
        )
        self.model_loaded = Gauge(
            "redlens_model_loaded",
            "1 when comment models are loaded in this process",
            registry=r,
            multiprocess_mode="livemin",
        )

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type (summed over processes in multiprocess mode)."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            prom_multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_template(scope: Scope) -> str:
    """The matched route's full template (``/v1/kols/{kol_id}``), or ``unmatched``.

    FastAPI keeps an included router's routes with their own path (without the include prefix)
    and records the effective one in its per-request state; older versions put a prefixed route
    in ``scope["route"]``. Both are read here, the effective one first.
    """
    state = scope.get("fastapi")
    context = state.get("effective_route_context") if isinstance(state, dict) else None
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    return str(template) if template else "unmatched"


class MetricsMiddleware:
    """Counts every HTTP request and its latency, labelled by the matched route's template."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            template = route_template(scope)
            method = str(scope.get("method", "GET"))
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
