"""Refusals answered by a middleware before any route runs: the rate limit (429) and load shedding (503).

API clients get a problem+json body. A browser asking for a page gets an HTML page in its language,
with the same status and ``Retry-After``, from the hook the pages install in
``app.state.refusal_page`` (:func:`service.web.errors.refusal_page`); without pages, or for any
other request, the hook answers ``None`` and the problem is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import problem_response

G = TypeVar("G")
#: ``(request, status, seconds)`` -> a page for a page request, else ``None``.
RefusalPage = Callable[[Request, int, int], Response | None]


class RefusingMiddleware(Generic[G]):
    """Base of the middlewares that may refuse a request on the word of ``guard`` (a rate limiter, a
    concurrency gate): non-HTTP scopes and paths starting with one of ``exempt_paths`` go straight
    to the app, the others to :meth:`handle`; ``on_refused`` counts the refusals."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        guard: G,
        exempt_paths: Iterable[str] = (),
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.guard = guard
        self.exempt_paths = tuple(exempt_paths)
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt_paths):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def refuse(
        self, scope: Scope, receive: Receive, send: Send, *, slug: str, detail: str, seconds: int
    ) -> None:
        """Answer the refusal ``slug`` (``rate-limited`` or ``unavailable``) with ``Retry-After``."""
        if self.on_refused is not None:
            self.on_refused()
        request = Request(scope)
        response: Response = problem_response(
            slug,
            detail,
            instance=request.url.path,
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )
        app = scope.get("app")
        page: RefusalPage | None = getattr(getattr(app, "state", None), "refusal_page", None)
        if page is not None:
            response = page(request, response.status_code, seconds) or response
        await response(scope, receive, send)
