"""The per-credential rate limit: token buckets in the process and in Redis, and the 429 answered
before any database work.

The Redis cases use the server at ``REDLENS_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``)
and skip when it is unreachable, unless ``REDLENS_REQUIRE_REDIS=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from service.config import Settings
from service.main import create_app
from service.ratelimit import MemoryBuckets, RateLimit, RedisBuckets, credential_bucket
from tests.utils import skip_or_fail
from tests.utils.aio import run as run_async
from tests.utils.client import TestClient, auth
from tests.utils.factories import seed_world

PROBLEM = "application/problem+json"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0"


@lru_cache(maxsize=1)
def _redis_unavailable_reason() -> str | None:
    import redis

    url = os.environ.get("REDLENS_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return f"Redis not reachable at {url}: {type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def redis_url() -> str:
    skip_or_fail(_redis_unavailable_reason(), "REDLENS_REQUIRE_REDIS")
    return os.environ.get("REDLENS_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test alone (other runs may share the Redis server)."""
    return f"redlens-test:{uuid.uuid4().hex}:"


@contextmanager
def counting_queries(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs meanwhile."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.state.services.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --------------------------------------------------------------------------- buckets in the process


def test_memory_buckets_allow_the_burst_then_refill_at_the_rate() -> None:
    buckets = MemoryBuckets(RateLimit(per_minute=60, burst=3))  # one token a second, three at once
    assert [buckets.acquire("k", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.acquire("k", now=100.0) == pytest.approx(1.0)
    assert buckets.acquire("other", now=100.0) == 0.0  # one bucket per credential
    assert buckets.acquire("k", now=100.5) == pytest.approx(0.5)
    assert buckets.acquire("k", now=101.0) == 0.0
    assert buckets.acquire("k", now=101.0) > 0


def test_memory_buckets_forget_idle_buckets_when_there_are_many() -> None:
    buckets = MemoryBuckets(RateLimit(per_minute=60, burst=2), max_buckets=10)  # full again after 2 s
    for i in range(10):
        buckets.acquire(f"old-{i}", now=0.0)
    buckets.acquire("new", now=5.0)
    assert len(buckets) == 1
    for i in range(30):
        buckets.acquire(f"busy-{i}", now=6.0)
    assert len(buckets) <= 10


def test_bucket_names_are_hashes_of_the_credential() -> None:
    name = credential_bucket("rl_secret")
    assert len(name) == 64 and "secret" not in name
    assert name == credential_bucket("rl_secret") != credential_bucket("rl_secreT")


# --------------------------------------------------------------------------- buckets in Redis


def test_redis_buckets_are_shared_between_processes(redis_url: str, prefix: str) -> None:
    limit = RateLimit(per_minute=60, burst=3)

    async def worker(takes: int) -> list[float]:  # its own client and event loop, like a process
        buckets = RedisBuckets(limit, redis_url, prefix=prefix)
        try:
            return [await buckets.take("k") for _ in range(takes)]
        finally:
            await buckets.aclose()

    first = run_async(worker(2))
    second = run_async(worker(2))
    assert first == [0.0, 0.0]
    assert second[0] == 0.0
    assert 0 < second[1] <= 1.0


def test_redis_buckets_refill_at_the_rate(redis_url: str, prefix: str) -> None:
    async def takes() -> list[float]:
        buckets = RedisBuckets(RateLimit(per_minute=60, burst=3), redis_url, prefix=prefix)
        try:
            at_start = [await buckets.take("k", now=1000.0) for _ in range(4)]
            return [*at_start, await buckets.take("k", now=1000.5), await buckets.take("k", now=1001.0)]
        finally:
            await buckets.aclose()

    waits = run_async(takes())
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(1.0)
    assert waits[4] == pytest.approx(0.5)
    assert waits[5] == 0.0


def test_redis_buckets_fall_back_to_the_process_when_redis_is_unreachable(prefix: str) -> None:
    async def takes() -> tuple[list[float], int]:
        buckets = RedisBuckets(RateLimit(per_minute=60, burst=2), "redis://127.0.0.1:1/0", prefix=prefix)
        try:
            return [await buckets.take("k") for _ in range(3)], buckets.fallbacks
        finally:
            await buckets.aclose()

    waits, fallbacks = run_async(takes())
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] > 0  # still limited, in this process
    assert fallbacks == 3


# --------------------------------------------------------------------------- the middleware


def test_rate_limit_answers_429_with_retry_after_before_any_database_query(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(rate_limit_per_minute=3), calibration=None)
    client = TestClient(app)  # no lifespan: no job runner querying in the background
    world = seed_world(app.state.services.session_factory)
    with counting_queries(app) as statements:
        codes = [client.get("/v1/me", headers=auth(world.a.reader)).status_code for _ in range(3)]
        allowed_queries = len(statements)
        limited = client.get("/v1/me", headers=auth(world.a.reader))
        limited_queries = len(statements) - allowed_queries
    other_key = client.get("/v1/me", headers=auth(world.a.admin))
    assert codes == [200, 200, 200]
    assert allowed_queries > 0  # the counter sees the key lookups
    assert limited.status_code == 429
    assert limited_queries == 0
    assert limited.headers["content-type"].startswith(PROBLEM)
    assert limited.json()["type"] == "https://redlens.dev/problems/rate-limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["retry_after"] == int(limited.headers["retry-after"])
    assert world.a.reader not in limited.text  # the key's prefix at most
    assert other_key.status_code == 200  # buckets are per key
    assert "redlens_rate_limited_total 1.0" in client.get("/metrics").text


def test_a_page_over_the_rate_limit_gets_a_translated_page_with_retry_after(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(rate_limit_per_minute=1), calibration=None)
    client = TestClient(app)
    world = seed_world(app.state.services.session_factory)
    page = {**auth(world.a.reader), "accept": "text/html,application/xhtml+xml"}
    assert client.get("/kols", headers=page).status_code == 200
    chinese = client.get("/kols", headers={**page, "accept-language": "zh-CN"})
    english = client.get("/kols", headers={**page, "accept-language": "en"})
    api = client.get("/v1/me", headers=auth(world.a.reader))
    assert (chinese.status_code, english.status_code, api.status_code) == (429, 429, 429)
    assert chinese.headers["content-type"].startswith("text/html")
    assert int(chinese.headers["retry-after"]) >= 1
    assert "请求过于频繁" in chinese.text and f"等待 {chinese.headers['retry-after']} 秒" in chinese.text
    assert "Too many requests" in english.text and "then reload the page" in english.text
    assert int(english.headers["retry-after"]) >= 1
    assert api.headers["content-type"].startswith(PROBLEM)  # the API keeps problem+json


def test_unknown_keys_are_limited_without_a_lookup(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(rate_limit_per_minute=2), calibration=None)
    client = TestClient(app)
    guessed = auth("rl_guessed-key-that-does-not-exist")
    with counting_queries(app) as statements:
        first = [client.get("/v1/me", headers=guessed).status_code for _ in range(2)]
        looked_up = len(statements)
        refused = client.get("/v1/me", headers=guessed)
    assert first == [401, 401]
    assert looked_up > 0
    assert refused.status_code == 429
    assert len(statements) == looked_up


def test_probes_are_not_rate_limited(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(rate_limit_per_minute=1), calibration=None)
    client = TestClient(app)
    world = seed_world(app.state.services.session_factory)
    statuses = [client.get("/healthz", headers=auth(world.a.reader)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert client.get("/v1/me", headers=auth(world.a.reader)).status_code == 200
    assert client.get("/v1/me", headers=auth(world.a.reader)).status_code == 429


def test_rate_limit_is_shared_by_workers_using_the_same_redis(
    make_settings: Callable[..., Settings], redis_url: str
) -> None:
    settings = make_settings(rate_limit_per_minute=3, redis_url=redis_url)
    first, second = create_app(settings, calibration=None), create_app(settings, calibration=None)
    world = seed_world(first.state.services.session_factory)
    with TestClient(first) as one, TestClient(second) as two:
        codes = [
            one.get("/v1/me", headers=auth(world.a.reader)).status_code,
            two.get("/v1/me", headers=auth(world.a.reader)).status_code,
            one.get("/v1/me", headers=auth(world.a.reader)).status_code,
            two.get("/v1/me", headers=auth(world.a.reader)).status_code,
        ]
        fallbacks = [app.state.services.limiter.buckets.fallbacks for app in (first, second)]
    assert codes == [200, 200, 200, 429]
    assert fallbacks == [0, 0]
