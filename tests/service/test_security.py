"""Keys (header, X-API-Key, cookie), scopes, CSRF check for cookie requests, rate limit, body limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app
from service.security import AUTH_COOKIE, RateLimiter, effective_scopes
from service.store.repositories import revoke_api_key
from tests.utils.client import auth
from tests.utils.factories import World, seed_world

PROBLEM = "application/problem+json"


def test_key_accepted_as_bearer_x_api_key_and_cookie(client: TestClient, world: World) -> None:
    bearer = client.get("/v1/me", headers=auth(world.a.reader))
    header = client.get("/v1/me", headers={"X-API-Key": world.a.reader})
    client.cookies.set(AUTH_COOKIE, world.a.reader)
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
    client.cookies.set(AUTH_COOKIE, world.a.reader)
    foreign = client.post("/v1/comments/analyze", json=body, headers={"Origin": "https://evil.example"})
    missing = client.post("/v1/comments/analyze", json=body)
    same = client.post("/v1/comments/analyze", json=body, headers={"Origin": "http://testserver"})
    client.cookies.clear()
    header_only = client.post("/v1/comments/analyze", json=body, headers=auth(world.a.reader))
    assert foreign.status_code == missing.status_code == 403
    assert foreign.json()["type"] == "https://redlens.dev/problems/cross-site-request"
    assert same.status_code == header_only.status_code == 200


def test_rate_limit_answers_429_with_retry_after(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(rate_limit_per_minute=3), calibration=None)
    with TestClient(app) as client:
        world = seed_world(app.state.services.session_factory)
        codes = [client.get("/v1/me", headers=auth(world.a.reader)).status_code for _ in range(4)]
        limited = client.get("/v1/me", headers=auth(world.a.reader))
        other_key = client.get("/v1/me", headers=auth(world.a.admin))
    assert codes == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith(PROBLEM)
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"] == "https://redlens.dev/problems/rate-limited"
    assert other_key.status_code == 200  # buckets are per key


def test_rate_limiter_refills_over_time() -> None:
    limiter = RateLimiter(60)  # one token a second
    assert all(limiter.acquire(1, now=100.0) == 0 for _ in range(60))
    assert limiter.acquire(1, now=100.0) > 0
    assert limiter.acquire(1, now=101.5) == 0


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
    client.cookies.set(AUTH_COOKIE, world.a.reader)
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
