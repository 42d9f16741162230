"""Load shedding: a bounded number of requests in flight, a short queue, 503 past it.

A server process works on at most ``max_in_flight`` requests at once. A request arriving when
all slots are taken waits in a first-come queue of at most ``max_queued`` requests, for at most
``queue_wait_seconds``; past either bound it is answered at once with a 503 problem and
``Retry-After``. Work admitted is bounded, so its latency stays bounded and the process answers
the rest quickly instead of piling threads up behind the connection pool; once the burst is over
the queue is empty within ``queue_wait_seconds``.

Probes (``/healthz``, ``/readyz``, ``/metrics``) bypass the gate: they are cheap and must answer
while the process is saturated, which is when they matter.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from starlette.types import Receive, Scope, Send

from service.refusals import RefusingMiddleware

RETRY_AFTER_SECONDS = 1


class ConcurrencyGate:
    """At most ``limit`` holders; at most ``queue`` waiters, each for at most ``wait`` seconds.

    Used from one event loop (a server process has one); a freed slot goes straight to the
    oldest waiter.
    """

    def __init__(self, limit: int, queue: int, wait: float) -> None:
        if limit < 1 or queue < 0 or wait < 0:
            raise ValueError(f"gate needs limit >= 1, queue >= 0, wait >= 0; got {limit}, {queue}, {wait}")
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[bool]] = deque()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def enter(self) -> bool:
        """Take a slot, waiting in the queue if there is room; ``False`` when refused."""
        if self._in_flight < self.limit and not self._waiters:
            self._in_flight += 1
            return True
        if len(self._waiters) >= self.queue or self.wait == 0:
            return False
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(future)
        timer = loop.call_later(self.wait, _settle, future, False)
        try:
            return await future
        except asyncio.CancelledError:
            # The client went away; a slot handed over just before is passed on.
            if future.done() and not future.cancelled() and future.result():
                self.leave()
            raise
        finally:
            timer.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(future)

    def leave(self) -> None:
        """Free a slot: the oldest live waiter gets it, else it is returned."""
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(True)  # the slot changes hands; in_flight stays the same
                return
        self._in_flight -= 1


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


class LoadShedMiddleware(RefusingMiddleware[ConcurrencyGate]):
    """503 with ``Retry-After`` for requests past the gate; probes pass straight through."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self.guard.enter():
            detail = (
                f"the server is at capacity ({self.guard.limit} requests in progress, "
                f"{self.guard.waiting} waiting); retry in {RETRY_AFTER_SECONDS} s"
            )
            await self.refuse(
                scope, receive, send, slug="unavailable", detail=detail, seconds=RETRY_AFTER_SECONDS
            )
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.guard.leave()
