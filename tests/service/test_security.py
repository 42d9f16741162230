"""Keys (header, X-API-Key), sign-in sessions (cookie), scopes, CSRF check for cookie requests,
body limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from service.config import Settings
from service.main import create_app
from service.security import AUTH_COOKIE, LEGACY_KEY_COOKIE, authenticate, effective_scopes
from service.store.repositories import SESSION_TOKEN_PREFIX, hash_secret, revoke_api_key
from service.store.tables import WebSession
from service.store.types import utcnow
from tests.utils.client import auth
from tests.utils.factories import World, seed_world
from tests.utils.web import sign_in

PROBLEM = "application/problem+json"


def test_key_accepted_as_bearer_x_api_key_and_sign_in_cookie(client: TestClient, world: World) -> None:
    bearer = client.get("/v1/me", headers=auth(world.a.reader))
    header = client.get("/v1/me", headers={"X-API-Key": world.a.reader})
    sign_in(client, world.a.reader)
    cookie = client.get("/v1/me")
    client.cookies.clear()
    assert bearer.status_code == header.status_code == cookie.status_code == 200
    assert (
        bearer.json()["workspace"]["slug"]
        == header.json()["workspace"]["slug"]
        == cookie.json()["workspace"]["slug"]
        == "brand-a"
    )


def test_unknown_and_revoked_keys_are_refused(client: TestClient, world: World, app: FastAPI) -> None:
    assert client.get("/v1/me", headers=auth("rl_not-a-key")).status_code == 401
    me = client.get("/v1/me", headers=auth(world.a.reader)).json()
    with app.state.services.session_factory() as session, session.begin():
        assert revoke_api_key(session, world.a.workspace_id, me["key"]["id"])
    response = client.get("/v1/me", headers=auth(world.a.reader))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


def test_scopes_nest_and_are_enforced(client: TestClient, world: World) -> None:
    assert effective_scopes({"admin"}) == {"read", "write", "admin"}
    assert effective_scopes({"write"}) == {"read", "write"}
    upload = {"files": ("c.csv", b"comment_id,content\n", "text/csv")}
    refused = client.post("/v1/ingest", files=upload, headers=auth(world.a.reader))
    assert refused.status_code == 403
    assert refused.json()["type"] == "https://redlens.dev/problems/insufficient-scope"
    assert refused.json()["required_scope"] == "write"
    promote = client.post("/v1/models/20260102-000000-bbbbbb/promote", headers=auth(world.a.writer))
    assert promote.status_code == 403
    assert promote.json()["required_scope"] == "admin"
    assert client.get("/v1/keys", headers=auth(world.a.writer)).status_code == 403
    assert client.get("/v1/keys", headers=auth(world.a.admin)).status_code == 200


def test_cookie_posts_need_the_same_origin(client: TestClient, world: World) -> None:
    body = {"comments": [{"text": "好看"}]}
    sign_in(client, world.a.reader)
    foreign = client.post("/v1/comments/analyze", json=body, headers={"Origin": "https://evil.example"})
    missing = client.post("/v1/comments/analyze", json=body)
    same = client.post("/v1/comments/analyze", json=body, headers={"Origin": "http://testserver"})
    client.cookies.clear()
    header_only = client.post("/v1/comments/analyze", json=body, headers=auth(world.a.reader))
    assert foreign.status_code == missing.status_code == 403
    assert foreign.json()["type"] == "https://redlens.dev/problems/cross-site-request"
    assert same.status_code == header_only.status_code == 200


def test_body_over_the_limit_is_a_413_problem(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(max_request_bytes=2048), calibration=None)
    big = {"comments": [{"text": "好" * 600}] * 3}
    with TestClient(app) as client:
        world = seed_world(app.state.services.session_factory)
        declared = client.post("/v1/comments/analyze", json=big, headers=auth(world.a.reader))

        def chunks() -> Iterator[bytes]:
            yield b'{"comments": ['
            for _ in range(20):
                yield b'{"text": "' + "好".encode() * 100 + b'"},'
            yield b'{"text": "x"}]}'

        streamed = client.post(
            "/v1/comments/analyze",
            content=chunks(),
            headers={**auth(world.a.reader), "Content-Type": "application/json"},
        )
        small = client.post(
            "/v1/comments/analyze", json={"comments": [{"text": "好看"}]}, headers=auth(world.a.reader)
        )
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["type"] == "https://redlens.dev/problems/payload-too-large"
        assert response.json()["limit_bytes"] == 2048
    assert small.status_code == 200


def test_uploads_have_their_own_larger_limit(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(max_request_bytes=1024, max_upload_bytes=64 * 1024), calibration=None)
    rows = "".join(f"c{i},n1,{i}000,好看好看好看好看,u{i},用户\n" for i in range(60))
    csv_bytes = ("comment_id,note_id,create_time,content,user_id,nickname\n" + rows).encode()
    assert 1024 < len(csv_bytes) < 64 * 1024
    with TestClient(app) as client:
        world = seed_world(app.state.services.session_factory)
        response = client.post(
            "/v1/ingest", files={"files": ("c.csv", csv_bytes, "text/csv")}, headers=auth(world.a.writer)
        )
    assert response.status_code != 413


def test_cors_is_closed_by_default(client: TestClient, world: World) -> None:
    response = client.options(
        "/v1/me",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_cookie_same_origin_check_compares_hosts_behind_a_tls_proxy(client: TestClient, world: World) -> None:
    sign_in(client, world.a.reader)
    proxied = client.post(
        "/v1/comments/analyze",
        json={"comments": [{"text": "好看"}]},
        headers={"Origin": "https://testserver"},
    )
    lookalike = client.post(
        "/v1/comments/analyze",
        json={"comments": [{"text": "好看"}]},
        headers={"Origin": "https://testserver.evil.example"},
    )
    client.cookies.clear()
    assert proxied.status_code == 200
    assert lookalike.status_code == 403


# --------------------------------------------------------------------------- sign-in sessions


def _me_with_cookie(client: TestClient, value: str, name: str = AUTH_COOKIE) -> int:
    client.cookies.clear()
    client.cookies.set(name, value)
    status = client.get("/v1/me").status_code
    client.cookies.clear()
    return status


def _session_row(app: FastAPI, token: str) -> WebSession | None:
    with app.state.services.session_factory() as session:
        return session.scalar(select(WebSession).where(WebSession.token_sha256 == hash_secret(token)))


def test_sign_in_sets_a_session_token_not_the_key(client: TestClient, world: World, app: FastAPI) -> None:
    response = sign_in(client, world.a.writer)
    token = client.cookies.get(AUTH_COOKIE)
    assert response.status_code == 303
    assert token is not None and token.startswith(SESSION_TOKEN_PREFIX)
    assert world.a.writer not in response.headers.get_list("set-cookie")[0]
    assert token not in (world.a.reader, world.a.writer, world.a.admin)
    row = _session_row(app, token)
    assert row is not None  # stored hashed, with the key's workspace, scopes and an expiry
    assert row.workspace_id == world.a.workspace_id
    assert row.scopes == "write"
    assert row.token_sha256 != token
    assert timedelta(hours=167) < row.expires_at - row.created_at <= timedelta(hours=168)
    me = client.get("/v1/me").json()
    assert me["workspace"]["slug"] == "brand-a"
    assert me["scopes"] == ["read", "write"]


def test_sign_out_revokes_the_session_token(client: TestClient, world: World, app: FastAPI) -> None:
    sign_in(client, world.a.reader)
    token = client.cookies.get(AUTH_COOKIE)
    assert token is not None
    out = client.post("/logout", headers={"origin": "http://testserver"}, follow_redirects=False)
    client.cookies.clear()
    replayed = _me_with_cookie(client, token)
    assert out.status_code == 303
    assert replayed == 401
    row = _session_row(app, token)
    assert row is not None and row.revoked_at is not None
    assert client.get("/v1/me", headers=auth(world.a.reader)).status_code == 200  # the key still works


def test_revoking_the_key_ends_its_sessions(client: TestClient, world: World, app: FastAPI) -> None:
    sign_in(client, world.a.admin)
    first = client.cookies.get(AUTH_COOKIE)
    client.cookies.clear()
    sign_in(client, world.a.admin)
    second = client.cookies.get(AUTH_COOKIE)
    client.cookies.clear()
    assert first and second and first != second
    assert _me_with_cookie(client, first) == 200
    with app.state.services.session_factory() as session, session.begin():
        assert revoke_api_key(session, world.a.workspace_id, world.a.admin_key_id)
    assert _me_with_cookie(client, first) == 401
    assert _me_with_cookie(client, second) == 401


def test_an_expired_session_is_refused(client: TestClient, world: World, app: FastAPI) -> None:
    sign_in(client, world.a.reader)
    token = client.cookies.get(AUTH_COOKIE)
    client.cookies.clear()
    assert token is not None
    with app.state.services.session_factory() as session, session.begin():
        session.execute(
            update(WebSession)
            .where(WebSession.token_sha256 == hash_secret(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert _me_with_cookie(client, token) == 401


def test_an_api_key_in_the_cookie_is_not_accepted(client: TestClient, world: World, app: FastAPI) -> None:
    for name in (AUTH_COOKIE, LEGACY_KEY_COOKIE):
        assert _me_with_cookie(client, world.a.admin, name) == 401
    with app.state.services.session_factory() as session:
        assert authenticate(session, world.a.admin, "cookie") is None
        assert authenticate(session, world.a.admin, "header") is not None


def test_a_session_token_is_not_an_api_key(client: TestClient, world: World) -> None:
    sign_in(client, world.a.reader)
    token = client.cookies.get(AUTH_COOKIE)
    client.cookies.clear()
    assert token is not None
    assert client.get("/v1/me", headers=auth(token)).status_code == 401
