"""Friendly HTML error pages for people, problem+json for everyone else.

The app has one exception-to-problem registry (:func:`service.errors.install_error_handlers`).
:func:`install_page_errors` wraps its handlers: a request from a browser page (it accepts
``text/html`` and is not for the API, the docs or static files) gets a page instead of JSON,
every other request gets exactly what the API gave before. For pages:

* no key at all: a redirect to the sign-in form, which returns to the page afterwards;
* a sign-in that no longer works (signed out, expired, its key revoked, or the workspace gone):
  "session expired", and the cookie is cleared;
* a missing scope: 403 with the scope needed; a row of another workspace: 404, like a missing one.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from service.errors import (
    CrossSiteRequest,
    InsufficientScope,
    NotFound,
    ProblemError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
)
from service.security import clear_auth_cookie, presented_secret
from service.web import i18n
from service.web.i18n import N_
from service.web.rendering import render

log = logging.getLogger("redlens.web")

NOT_PAGES = ("/v1/", "/static/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")
Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def wants_html(request: Request) -> bool:
    """A browser asking for a page (navigation or form post), not an API or script request."""
    path = request.url.path
    if path == "/v1" or path.startswith(NOT_PAGES):
        return False
    return "text/html" in request.headers.get("accept", "")


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='/')}"


def _no_page(request: Request) -> str:
    locale = i18n.request_locale(request)
    return i18n.gettext(locale, N_("There is no page at %(path)s."), path=request.url.path)


def error_page(
    request: Request, status: int, title: str, message: str, *, hint: str | None = None
) -> Response:
    principal = getattr(request.state, "principal", None)
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "hint": hint,
            "login_href": login_url(request),
        },
        principal=principal,
        status_code=status,
    )


def session_expired(request: Request, message: str) -> Response:
    response = error_page(
        request,
        401,
        N_("Session expired"),
        N_("Your API key no longer opens this workspace (it was revoked, or the workspace was removed)."),
        hint=message,
    )
    services = getattr(request.app.state, "services", None)
    if services is not None:
        clear_auth_cookie(response, services.settings)
    return response


def problem_page(request: Request, exc: ProblemError) -> Response:
    """The page for a problem raised while serving a page."""
    if isinstance(exc, Unauthorized):
        secret, _ = presented_secret(request)
        if secret is None and request.method in ("GET", "HEAD"):
            return RedirectResponse(login_url(request), status_code=303)
        return session_expired(request, exc.detail)
    if isinstance(exc, InsufficientScope):
        return error_page(
            request,
            403,
            N_("Not allowed with this key"),
            exc.detail,
            hint=N_("Sign in with a key that has this scope (ask a workspace admin for one)."),
        )
    if isinstance(exc, CrossSiteRequest):
        return error_page(request, 403, N_("Request refused"), exc.detail)
    if isinstance(exc, NotFound):
        return error_page(
            request, 404, N_("Not found"), exc.detail, hint=N_("It may belong to another workspace.")
        )
    if isinstance(exc, ServiceUnavailable):
        return error_page(request, 503, N_("Not ready"), exc.detail)
    if isinstance(exc, RateLimited):
        return error_page(request, 429, N_("Too many requests"), exc.detail)
    kind = exc.problem_type
    return error_page(request, kind.status, kind.title, exc.detail)


def refusal_page(request: Request, status: int, seconds: int) -> Response | None:
    """For a page request refused before any work (429: its rate limit, 503: the server at
    capacity), a page in the reader's language with the same ``Retry-After``; else ``None``."""
    if not wants_html(request):
        return None
    locale = i18n.request_locale(request)
    if status == 429:
        title = N_("Too many requests")
        message = N_(
            "This sign-in made too many requests in a short time. Wait %(seconds)s s, then reload the page."
        )
    else:
        title = N_("The server is busy")
        message = N_(
            "RedLens is serving as many requests as it can. Wait %(seconds)s s, then reload the page."
        )
    response = error_page(request, status, title, i18n.gettext(locale, message, seconds=seconds))
    response.headers["Retry-After"] = str(seconds)
    return response


async def _call(handler: Handler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        return await result
    return result


def install_page_errors(app: FastAPI) -> None:
    """Wrap the app's problem handlers so that page requests get HTML error pages (and the
    refusals of the rate limit and of load shedding, :mod:`service.refusals`)."""
    app.state.refusal_page = refusal_page
    handlers: dict[Any, Handler] = dict(app.exception_handlers)
    on_problem, on_http = handlers[ProblemError], handlers[StarletteHTTPException]
    on_validation, on_unexpected = handlers[RequestValidationError], handlers.get(Exception)

    async def problem(request: Request, exc: Exception) -> Response:
        if wants_html(request) and isinstance(exc, ProblemError):
            return problem_page(request, exc)
        return await _call(on_problem, request, exc)

    async def http(request: Request, exc: Exception) -> Response:
        if wants_html(request) and isinstance(exc, StarletteHTTPException):
            if exc.status_code == 404:
                return error_page(request, 404, N_("Page not found"), _no_page(request))
            detail = exc.detail if isinstance(exc.detail, str) else "the request could not be served"
            return error_page(request, exc.status_code, N_("Request not served"), detail)
        return await _call(on_http, request, exc)

    async def validation(request: Request, exc: Exception) -> Response:
        if wants_html(request) and isinstance(exc, RequestValidationError):
            if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
                return error_page(request, 404, N_("Page not found"), _no_page(request))
            first = exc.errors()[0] if exc.errors() else {}
            field = ".".join(str(p) for p in first.get("loc", ())[1:])
            return error_page(request, 400, N_("Bad request"), f"{field}: {first.get('msg', 'not valid')}")
        return await _call(on_validation, request, exc)

    app.add_exception_handler(ProblemError, problem)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, validation)

    if on_unexpected is not None:
        fallback = on_unexpected

        async def unexpected(request: Request, exc: Exception) -> Response:
            if wants_html(request):
                log.exception("unhandled error on page %s", request.url.path, exc_info=exc)
                return error_page(
                    request,
                    500,
                    N_("Something went wrong"),
                    N_("An unexpected error occurred; it has been logged."),
                )
            return await _call(fallback, request, exc)

        app.add_exception_handler(Exception, unexpected)
