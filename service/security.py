"""API keys, web sign-in sessions, scopes, the request body limit and the auth cookie.

Keys
    A key belongs to one workspace and is sent as ``Authorization: Bearer <key>`` or as
    ``X-API-Key: <key>``. Only its SHA-256 is stored (:mod:`service.store.repositories`).

Sign-in sessions
    The web pages' sign-in form takes a key and starts a session (:func:`start_web_session`): a
    random token of its own, set as the HTTP-only cookie :data:`AUTH_COOKIE`; only the token's
    SHA-256 is stored, with the key, its workspace and scopes, and an expiry
    (``session_hours``). Sign-out revokes the session, revoking the key ends all its sessions,
    and the key itself never sits in a browser. Headers win over the cookie.

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
    Per presented credential, before the key is looked up: :mod:`service.ratelimit`.

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
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from fastapi import Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import Settings
from service.errors import CrossSiteRequest, InsufficientScope, problem_response
from service.store.repositories import (
    SESSION_TOKEN_PREFIX,
    create_web_session,
    delete_ended_web_sessions,
    find_api_key,
    find_web_session,
    get_workspace,
    revoke_web_session,
    touch_api_key,
)
from service.store.tables import ApiKey

AUTH_COOKIE = "redlens_session"
#: The cookie that held the API key itself before sign-in sessions; deleted at sign-in and sign-out.
LEGACY_KEY_COOKIE = "redlens_key"
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
    """Who is calling: one API key of one workspace (through a sign-in session when ``via`` is
    ``cookie``)."""

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
    """The credential a request carries and how: a key in ``Authorization: Bearer`` or
    ``X-API-Key``, then a session token in the cookie."""
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


def _principal(key: ApiKey, session: Session, scopes: Iterable[str], via: Via) -> Principal | None:
    workspace = get_workspace(session, key.workspace_id)
    if workspace is None:
        return None
    return Principal(
        key_id=key.id,
        key_prefix=key.prefix,
        key_name=key.name,
        workspace_id=key.workspace_id,
        workspace_slug=workspace.slug,
        scopes=effective_scopes(scopes),
        via=via,
    )


def authenticate_key(session: Session, secret: str) -> Principal | None:
    """The principal of an active API key, or ``None`` for an unknown or revoked key (read-only).

    The sign-in page checks a typed key with this before starting a session.
    """
    key = find_api_key(session, secret)
    return None if key is None else _principal(key, session, key.scope_set, "header")


def authenticate(session: Session, secret: str, via: Via = "header") -> Principal | None:
    """The principal of a credential (read-only): an API key sent in a header, or a sign-in
    session token sent in the cookie (a key in the cookie is not accepted)."""
    if via == "header":
        return authenticate_key(session, secret)
    found = find_web_session(session, secret)
    if found is None:
        return None
    web_session, key = found
    granted = {s for s in web_session.scopes.split(",") if s} & key.scope_set
    return _principal(key, session, granted, "cookie")


def start_web_session(factory: sessionmaker[Session], principal: Principal, settings: Settings) -> str:
    """Start a sign-in session for the key of ``principal``; returns its token for the cookie.
    The workspace's ended sessions are forgotten on the way."""
    with factory() as session, session.begin():
        key = session.get(ApiKey, principal.key_id)
        if key is None or key.revoked_at is not None:
            raise LookupError(f"the key {principal.key_prefix}... was revoked while signing in")
        delete_ended_web_sessions(session, key.workspace_id)
        _, token = create_web_session(session, key, timedelta(hours=settings.session_hours))
    return token


def end_web_session(factory: sessionmaker[Session], token: str | None) -> bool:
    """Sign out: revoke the session of ``token``; ``False`` when there was no live one."""
    if not token or not token.startswith(SESSION_TOKEN_PREFIX):
        return False
    with factory() as session, session.begin():
        return revoke_web_session(session, token)


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


def set_auth_cookie(response: Response, token: str, settings: Settings) -> None:
    """Store a sign-in session token in the HTTP-only cookie the API accepts (web sign-in)."""
    response.set_cookie(
        AUTH_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    _delete_legacy_cookie(response, settings)


def clear_auth_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        AUTH_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
    )
    _delete_legacy_cookie(response, settings)


def _delete_legacy_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        LEGACY_KEY_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
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
