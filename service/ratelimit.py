"""The per-credential rate limit, answered before any database work.

Every request that carries a credential (an API key in ``Authorization: Bearer`` or ``X-API-Key``,
or the sign-in session cookie) takes one token from the bucket of that credential: a token bucket
of ``burst`` tokens refilled at ``per_minute / 60`` a second. The bucket is named by the SHA-256
of the credential as presented, computed in memory, so :class:`RateLimitMiddleware` answers 429
(with ``Retry-After``) without looking the key up: a flood of requests, with a valid key or not,
never reaches the connection pool. An unknown key is limited like a known one.

Buckets live in Redis when ``REDLENS_REDIS_URL`` is set (:class:`RedisBuckets`: one atomic script,
Redis's clock, shared by every worker and process using that Redis), else in the process
(:class:`MemoryBuckets`). When Redis does not answer within a fraction of a second the request is
counted in the process's own buckets instead (logged at most once a minute): a Redis outage
loosens the limit to one per process, it never fails or stalls requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from service.refusals import RefusingMiddleware
from service.security import SESSION_TOKEN_PREFIX, presented_secret
from service.store.repositories import API_KEY_PREFIX_SHOWN

log = logging.getLogger("redlens.api")

REDIS_KEY_PREFIX = "redlens:ratelimit:"
REDIS_TIMEOUT_SECONDS = 0.25
_FALLBACK_LOG_EVERY = 60.0
_MAX_MEMORY_BUCKETS = 100_000


@dataclass(frozen=True)
class RateLimit:
    """``per_minute`` requests a minute on average, at most ``burst`` at once."""

    per_minute: int
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute < 1 or self.burst < 1:
            raise ValueError(f"a rate limit needs per_minute >= 1 and burst >= 1, got {self}")

    @property
    def refill_per_second(self) -> float:
        return self.per_minute / 60.0

    @property
    def idle_seconds(self) -> float:
        """After this long without requests a bucket is full again (and can be forgotten)."""
        return self.burst / self.refill_per_second


def credential_bucket(credential: str) -> str:
    """The bucket name of a credential: its SHA-256, never the credential itself."""
    return hashlib.sha256(credential.encode("utf-8")).hexdigest()


class Buckets(Protocol):
    async def take(self, bucket: str) -> float:
        """Take a token: 0 when allowed, else the seconds until the next token."""
        ...

    async def aclose(self) -> None: ...


class MemoryBuckets:
    """Token buckets in this process (thread-safe; full buckets are dropped when there are many)."""

    def __init__(self, limit: RateLimit, *, max_buckets: int = _MAX_MEMORY_BUCKETS) -> None:
        self.limit = limit
        self.max_buckets = max_buckets
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, bucket: str, now: float | None = None) -> float:
        """Take one token at ``now`` (monotonic seconds); 0 when allowed, else seconds to wait."""
        moment = time.monotonic() if now is None else now
        capacity, rate = float(self.limit.burst), self.limit.refill_per_second
        with self._lock:
            tokens, last = self._buckets.get(bucket, (capacity, moment))
            tokens = min(capacity, tokens + max(0.0, moment - last) * rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / rate
            self._buckets[bucket] = (tokens, moment)
            if len(self._buckets) > self.max_buckets:
                self._forget_idle(moment)
            return wait

    def _forget_idle(self, now: float) -> None:
        idle = self.limit.idle_seconds
        self._buckets = {name: state for name, state in self._buckets.items() if now - state[1] < idle}
        if len(self._buckets) > self.max_buckets:  # all recent: keep the most recently used half
            recent = sorted(self._buckets.items(), key=lambda item: item[1][1])[-self.max_buckets // 2 :]
            self._buckets = dict(recent)

    def __len__(self) -> int:
        return len(self._buckets)

    async def take(self, bucket: str) -> float:
        return self.acquire(bucket)

    async def aclose(self) -> None:
        return None


# KEYS[1]: the bucket; ARGV: burst, refill per second, seconds to keep an idle bucket, and "now"
# in seconds (empty: Redis's own clock, so every process agrees). Returns the wait as a string
# (Lua numbers come back from Redis as truncated integers).
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return tostring(wait)
"""


class RedisBuckets:
    """Token buckets in Redis, shared by every process that uses the same Redis and prefix.

    The client is made on first use in the running event loop (and again if a later call runs in
    another loop, as tests do). Errors and slow answers fall back to ``fallback``.
    """

    def __init__(
        self,
        limit: RateLimit,
        url: str,
        *,
        prefix: str = REDIS_KEY_PREFIX,
        timeout: float = REDIS_TIMEOUT_SECONDS,
        fallback: MemoryBuckets | None = None,
    ) -> None:
        self.limit = limit
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self.fallback = fallback or MemoryBuckets(limit)
        self.fallbacks = 0  # requests counted in the process's buckets because Redis failed
        self._client: Any = None
        self._script: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_logged = -math.inf

    def _client_for_this_loop(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            from redis.asyncio import Redis

            self._client = Redis.from_url(
                self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
            self._script = self._client.register_script(_BUCKET_SCRIPT)
            self._loop = loop
        return self._script

    async def take(self, bucket: str, now: float | None = None) -> float:
        """Take one token (``now``: seconds on a clock of the caller's choice, for tests)."""
        args = [self.limit.burst, self.limit.refill_per_second, math.ceil(self.limit.idle_seconds) + 1]
        try:
            script = self._client_for_this_loop()
            reply = await asyncio.wait_for(
                script(keys=[self.prefix + bucket], args=[*args, "" if now is None else repr(now)]),
                self.timeout,
            )
            return float(reply)
        except Exception as exc:  # Redis down, slow or refusing: never fail the request for it
            self.fallbacks += 1
            if time.monotonic() - self._last_logged >= _FALLBACK_LOG_EVERY:
                self._last_logged = time.monotonic()
                log.warning(
                    "rate limit: Redis at %s not usable (%s: %s); counting in this process meanwhile",
                    self._safe_url(),
                    type(exc).__name__,
                    exc,
                )
            return self.fallback.acquire(bucket)

    def _safe_url(self) -> str:
        scheme, sep, rest = self.url.partition("://")
        return f"{scheme}{sep}{rest.rpartition('@')[2]}"

    async def aclose(self) -> None:
        client, self._client, self._script = self._client, None, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()


def sign_in_credentials(client: str, key: str) -> tuple[str, ...]:
    """What a sign-in attempt is counted against: the client's address and, when a key was typed,
    the key's shown prefix (``rl_AbCdEfG``), so guessing is slowed whether the guesser changes
    address or key."""
    counted = [f"sign-in from {client}"]
    if key:
        counted.append(f"sign-in as {key[:API_KEY_PREFIX_SHOWN]}")
    return tuple(counted)


class RateLimiter:
    """The app's limiter: which buckets, and the 429 answer for a credential over its limit."""

    def __init__(self, buckets: Buckets, limit: RateLimit) -> None:
        self.buckets = buckets
        self.limit = limit

    @classmethod
    def from_settings(cls, per_minute: int, burst: int | None, redis_url: str | None) -> RateLimiter:
        limit = RateLimit(per_minute, burst or per_minute)
        buckets: Buckets = RedisBuckets(limit, redis_url) if redis_url else MemoryBuckets(limit)
        return cls(buckets, limit)

    async def wait_for(self, *credentials: str) -> float:
        """0 when a request of all these ``credentials`` may be made now, else the seconds until it
        may (a token is taken from each one's bucket)."""
        return max([await self.buckets.take(credential_bucket(c)) for c in credentials], default=0.0)

    def refusal(self, credential: str, wait: float) -> tuple[str, int]:
        """What to tell a credential over its limit, and the whole seconds to wait."""
        seconds = max(1, math.ceil(wait))
        if credential.startswith(SESSION_TOKEN_PREFIX):
            who = "this sign-in session"
        else:
            who = f"the key {credential[:10]}..." if len(credential) > 16 else "this key"
        detail = (
            f"{who} made more than {self.limit.per_minute} requests a minute "
            f"(at most {self.limit.burst} at once); retry in {seconds} s"
        )
        return detail, seconds


class RateLimitMiddleware(RefusingMiddleware[RateLimiter]):
    """429, before any database work, for a credential over its rate limit."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        credential, _ = presented_secret(Request(scope))
        wait = await self.guard.wait_for(credential) if credential else 0.0
        if credential and wait > 0:
            detail, seconds = self.guard.refusal(credential, wait)
            await self.refuse(scope, receive, send, slug="rate-limited", detail=detail, seconds=seconds)
            return
        await self.app(scope, receive, send)
