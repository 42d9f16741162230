"""API keys, scopes, the per-key rate limit, the request body limit and the auth cookie.

Keys
    A key belongs to one workspace and is sent as ``Authorization: Bearer <key>``, as
    ``X-API-Key: <key>``, or (web pages) in the HTTP-only cookie :data:`AUTH_COOKIE`. Only its
    SHA-256 is stored (:mod:`service.store.repositories`). Headers win over the cookie.

Scopes
    ``read`` (see the workspace's data, analyse comments), ``write`` (upload, start jobs) and
    ``admin`` (promote and roll back models, manage keys). They nest: ``admin`` includes ``write``,
    which includes ``read``, so a key created with ``admin`` alone can do everything.

Cookie requests and CSRF
    A browser sends the cookie with any request to this host, including ones a hostile page
    starts. So a state-changing request (POST, PUT, PATCH, DELETE) authenticated *only* by the
    cookie must carry an ``Origin`` (or, failing that, ``Referer``) naming this host, otherwise
    it is refused with ``cross-site-request``. Header-authenticated requests are not affected (a
    foreign page cannot set them). :func:`set_auth_cookie` sets ``SameSite=Lax`` on top.

Rate limit
    A token bucket per key and process: ``rate_limit_per_minute`` tokens, refilled continuously.
    With several server processes each keeps its own buckets, so the effective limit is up to
    ``workers x rate_limit_per_minute``; a shared limiter (Redis) is the upgrade path.

Body limit
    :class:`BodyLimitMiddleware` refuses bodies above ``max_request_bytes`` (uploads:
    ``max_upload_bytes``) with a 413 problem, from ``Content-Length`` before reading anything, or
    while streaming when the length is not announced.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from fastapi import Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import Settings
from service.errors import CrossSiteRequest, InsufficientScope, RateLimited, problem_response
from service.store.repositories import find_api_key, get_workspace, touch_api_key

AUTH_COOKIE = "redlens_key"
SCOPES: tuple[str, ...] = ("read", "write", "admin")
_IMPLIES: dict[str, frozenset[str]] = {
    "read": frozenset({"read"}),
    "write": frozenset({"read", "write"}),
    "admin": frozenset({"read", "write", "admin"}),
}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOUCH_EVERY_SECONDS = 60.0

Via = Literal["header", "cookie"]


def effective_scopes(granted: Iterable[str]) -> frozenset[str]:
    """The scopes a key can use: the granted ones and those they include."""
    out: set[str] = set()
    for scope in granted:
        out |= _IMPLIES.get(scope, frozenset())
    return frozenset(out)


@dataclass(frozen=True)
class Principal:
    """Who is calling: one API key of one workspace."""

    key_id: int
    key_prefix: str
    key_name: str
    workspace_id: int
    workspace_slug: str
    scopes: frozenset[str]
    via: Via

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise InsufficientScope(
                f"this operation needs the {scope!r} scope; the key {self.key_prefix}... has "
                f"{sorted(self.scopes)}",
                required_scope=scope,
            )


def presented_secret(request: Request) -> tuple[str | None, Via]:
    """The key a request carries and how: ``Authorization: Bearer``, ``X-API-Key``, then the cookie."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip(), "header"
    header_key = request.headers.get("x-api-key")
    if header_key and header_key.strip():
        return header_key.strip(), "header"
    cookie = request.cookies.get(AUTH_COOKIE)
    if cookie:
        return cookie, "cookie"
    return None, "header"


class _Toucher:
    """Writes ``last_used_at`` at most once a minute per key and process (not on every request)."""

    def __init__(self) -> None:
        self._last: dict[int, float] = {}
        self._lock = threading.Lock()

    def forget(self, key_id: int) -> None:
        with self._lock:
            self._last.pop(key_id, None)

    def due(self, key_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key_id, -math.inf) < _TOUCH_EVERY_SECONDS:
                return False
            self._last[key_id] = now
            return True


_toucher = _Toucher()


def record_key_use(factory: sessionmaker[Session], principal: Principal) -> None:
    """Stamp ``last_used_at`` (at most once a minute per key) in its own short transaction, so a
    request never holds a write lock for its whole duration just for this."""
    if not _toucher.due(principal.key_id):
        return
    try:
        with factory() as session, session.begin():
            touch_api_key(session, principal.workspace_id, principal.key_id)
    except SQLAlchemyError:  # busy database: the stamp is informational, try again next minute
        _toucher.forget(principal.key_id)


def authenticate(session: Session, secret: str, via: Via = "header") -> Principal | None:
    """The principal of an active key, or ``None`` for an unknown or revoked key (read-only).

    The web pages call this to check a key typed into a login form before setting the cookie.
    """
    key = find_api_key(session, secret)
    if key is None:
        return None
    workspace = get_workspace(session, key.workspace_id)
    if workspace is None:
        return None
    return Principal(
        key_id=key.id,
        key_prefix=key.prefix,
        key_name=key.name,
        workspace_id=key.workspace_id,
        workspace_slug=workspace.slug,
        scopes=effective_scopes(key.scope_set),
        via=via,
    )


def _origin_of(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def check_same_origin(request: Request, via: Via) -> None:
    """Refuse a state-changing request authenticated only by the cookie from another origin."""
    if via != "cookie" or request.method.upper() in _SAFE_METHODS:
        return
    claimed = request.headers.get("origin") or request.headers.get("referer")
    # Hosts are compared, not schemes: behind a TLS-terminating proxy the page is https while
    # the app sees http.
    own = request.url.netloc.lower()
    origin = _origin_of(claimed) if claimed and claimed != "null" else None
    if origin is None or origin[1] != own:
        raise CrossSiteRequest(
            f"a {request.method} request authenticated by the {AUTH_COOKIE} cookie must come from "
            f"this host ({own}; Origin header {claimed!r}); API clients send the key in "
            "Authorization: Bearer or X-API-Key instead"
        )


def set_auth_cookie(
    response: Response, secret: str, settings: Settings, *, max_age: int = 30 * 86400
) -> None:
    """Store a key in the HTTP-only cookie the API accepts (used by the web login page)."""
    response.set_cookie(
        AUTH_COOKIE,
        secret,
        max_age=max_age,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def clear_auth_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        AUTH_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
    )


class RateLimiter:
    """Token buckets per key: ``per_minute`` tokens, refilled at ``per_minute / 60`` per second."""

    def __init__(self, per_minute: int) -> None:
        if per_minute < 1:
            raise ValueError(f"rate limit per minute must be >= 1, got {per_minute}")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key_id: int, now: float | None = None) -> float:
        """Take one token; returns 0 when allowed, else the seconds until a token is available."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self.capacity, moment))
            tokens = min(self.capacity, tokens + (moment - last) * self.refill_per_second)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, moment)
                return 0.0
            self._buckets[key_id] = (tokens, moment)
            return (1.0 - tokens) / self.refill_per_second

    def check(self, principal: Principal) -> None:
        wait = self.acquire(principal.key_id)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise RateLimited(
                f"the key {principal.key_prefix}... made more than {int(self.capacity)} requests a minute; "
                f"retry in {seconds} s",
                retry_after=seconds,
            )


class _BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the {limit:,}-byte limit of this route")
        self.limit = limit
        self.problem_extensions = {"limit_bytes": limit}


class BodyLimitMiddleware:
    """413 problem for request bodies above the limit (upload routes have their own, larger one)."""

    def __init__(
        self, app: ASGIApp, *, default_limit: int, upload_limit: int, upload_paths: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_paths = tuple(upload_paths)

    def _limit(self, path: str) -> int:
        return self.upload_limit if path.rstrip("/") in self.upload_paths else self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(
                "payload-too-large",
                f"the request body ({int(declared):,} bytes) is larger than the {limit:,}-byte limit of this route",
                instance=scope.get("path"),
                limit_bytes=limit,
            )
            await response(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge as exc:
            if started:
                raise
            response = problem_response(
                "payload-too-large", str(exc.detail), instance=scope.get("path"), limit_bytes=exc.limit
            )
            await response(scope, receive, send)
