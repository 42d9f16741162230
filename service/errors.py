"""Errors as RFC 9457 problem details (``application/problem+json``), from one registry.

Every error the API returns has the shape::

    {"type": "https://redlens.dev/problems/not-found", "title": "Not found", "status": 404,
     "detail": "kol 12 does not exist in this workspace", "instance": "/v1/kols/12", ...}

``type`` is stable: clients branch on it, never on ``detail`` (which is for people). Extra members
carry machine-readable context (``errors`` for validation, ``retry_after`` for rate limits).

Handlers raise a :class:`ProblemError` subclass; exceptions of other layers (request validation,
unknown routes, the KPI engine's input errors, the store's ``NotFoundError``) are mapped here in
:func:`install_error_handlers`, so no handler has its own try/except for them. An unexpected
exception becomes a 500 problem without any internal detail (the traceback goes to the log).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.kpi import KPIInputError
from service.store.repositories import NotFoundError

log = logging.getLogger("redlens.api")

PROBLEM_BASE = "https://redlens.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


#: Every problem type the API can return: the stable ``type`` URIs and their meaning.
PROBLEM_TYPES: dict[str, ProblemType] = {
    p.slug: p
    for p in (
        ProblemType("bad-request", 400, "Bad request"),
        ProblemType("unauthorized", 401, "Missing or invalid API key"),
        ProblemType("insufficient-scope", 403, "The API key lacks a scope this operation needs"),
        ProblemType("cross-site-request", 403, "Cookie-authenticated request from another origin"),
        ProblemType("not-found", 404, "Not found"),
        ProblemType("method-not-allowed", 405, "Method not allowed"),
        ProblemType("conflict", 409, "Conflict with the current state"),
        ProblemType("payload-too-large", 413, "Request body too large"),
        ProblemType("unsupported-media-type", 415, "Unsupported file or media type"),
        ProblemType("validation-error", 422, "The request is not valid"),
        ProblemType("rate-limited", 429, "Too many requests"),
        ProblemType("job-queue-full", 429, "Too many queued jobs in this workspace"),
        ProblemType("internal-error", 500, "Internal server error"),
        ProblemType("unavailable", 503, "Service not ready"),
        ProblemType("pdf-unavailable", 503, "PDF export is not available on this server"),
    )
}


class Problem(BaseModel):
    """An RFC 9457 problem detail (documented on every error response)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://redlens.dev/problems/not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "kol 12 does not exist in this workspace",
                    "instance": "/v1/kols/12",
                }
            ]
        },
    )

    type: str = Field(description="stable URI of the problem type; branch on this")
    title: str
    status: int
    detail: str = Field(description="what went wrong with this request, for people")
    instance: str | None = Field(default=None, description="the request path")


class ProblemError(Exception):
    """An error answered as a problem. Subclasses fix the type; ``extensions`` add members."""

    slug: ClassVar[str] = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions

    @property
    def problem_type(self) -> ProblemType:
        return PROBLEM_TYPES[self.slug]


class Unauthorized(ProblemError):
    slug = "unauthorized"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="redlens"'}, **extensions)


class InsufficientScope(ProblemError):
    slug = "insufficient-scope"


class CrossSiteRequest(ProblemError):
    slug = "cross-site-request"


class NotFound(ProblemError):
    slug = "not-found"


class Conflict(ProblemError):
    slug = "conflict"


class UnsupportedMediaType(ProblemError):
    slug = "unsupported-media-type"


class InvalidInput(ProblemError):
    slug = "validation-error"


class _RetryLater(ProblemError):
    """A problem the client may retry after ``retry_after`` seconds (header and body say so)."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class RateLimited(_RetryLater):
    slug = "rate-limited"


class JobQueueFull(_RetryLater):
    slug = "job-queue-full"


class ServiceUnavailable(ProblemError):
    slug = "unavailable"


class PdfUnavailable(ProblemError):
    """No Playwright or no Chromium to print a report with; ``html_url`` names the HTML report."""

    slug = "pdf-unavailable"


def problem_body(slug: str, detail: str, *, instance: str | None = None, **extensions: Any) -> dict[str, Any]:
    kind = PROBLEM_TYPES[slug]
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extensions)
    return body


def problem_response(
    slug: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = problem_body(slug, detail, instance=instance, **extensions)
    return JSONResponse(
        body, status_code=body["status"], headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE
    )


def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.slug, exc.detail, instance=request.url.path, headers=exc.headers, **exc.extensions
    )


def _clean_input(value: Any) -> Any:
    """The offending value, shortened and always encodable: echoing a 2 MB string back helps
    nobody, and JSON has no NaN, Infinity nor integers of thousands of digits."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"<int of {value.bit_length()} bits>"
    if isinstance(value, int | float | bool) or value is None:
        return value
    return f"<{type(value).__name__}>"


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
            **({"input": _clean_input(err["input"])} if "input" in err else {}),
        }
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"])
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return problem_response("validation-error", detail, instance=request.url.path, errors=errors)


_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "insufficient-scope",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    503: "unavailable",
}


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code, "bad-request" if exc.status_code < 500 else "internal-error")
    detail = exc.detail if isinstance(exc.detail, str) else PROBLEM_TYPES[slug].title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}; see /docs"
    extensions = getattr(exc, "problem_extensions", None) or {}
    response = problem_response(slug, detail, instance=request.url.path, headers=exc.headers, **extensions)
    response.status_code = exc.status_code
    return response


def _kpi_input(request: Request, exc: Exception) -> JSONResponse:
    return problem_response("validation-error", str(exc), instance=request.url.path)


def _store_not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response("not-found", str(exc), instance=request.url.path)


def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    """No database connection came free in time: the server is saturated, not broken."""
    log.warning("503 on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        "unavailable",
        "the server is at capacity (no database connection free); retry in 1 s",
        instance=request.url.path,
        headers={"Retry-After": "1"},
        retry_after=1,
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        "internal-error",
        "an unexpected error occurred; it has been logged",
        instance=request.url.path,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the one exception-to-problem mapping of the app, and document the problems it
    answers in the app's OpenAPI schema (:func:`document_problems`)."""
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(KPIInputError, _kpi_input)
    app.add_exception_handler(NotFoundError, _store_not_found)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(Exception, _unexpected)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_entry(status: int) -> dict[str, Any]:
    kinds = [p for p in PROBLEM_TYPES.values() if p.status == status]
    return {
        "description": "; ".join(f"{p.title} ({p.uri})" for p in kinds) or "Problem",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}},
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem bodies for these status codes (those
    particular to a route: :func:`document_problems` adds the ones every route can answer)."""
    return {status: _problem_entry(status) for status in statuses}


def _statuses_of(path: str, operation: dict[str, Any]) -> set[int]:
    """The problems an operation can answer whatever its handler does: an unexpected error
    anywhere; under ``/v1`` a missing or wrong key, a missing scope, the rate limit and a service
    overloaded or not ready; a validation error with parameters or a body; a malformed or too
    large body; an unknown id in the path."""
    statuses = {500}
    parameters = operation.get("parameters") or []
    if path.startswith("/v1/"):
        statuses |= {401, 403, 429, 503}
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 413}
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    return statuses


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every error response an ``application/problem+json`` :class:`Problem`
    (FastAPI documents its own 422 as ``application/json``) and every operation listing the
    problems any route can answer (see :func:`_statuses_of`)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for status in sorted(_statuses_of(path, operation)):
                responses.setdefault(str(status), _problem_entry(status))
            for code, response in responses.items():
                if code[:1] in ("4", "5"):
                    documented = _problem_entry(int(code)) if code.isdigit() else response
                    response["content"] = documented["content"]
                    if response.get("description") in (None, "", "Validation Error"):
                        response["description"] = documented["description"]
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
