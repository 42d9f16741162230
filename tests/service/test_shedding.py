"""Load shedding: the concurrency gate, 503 with Retry-After once the process is saturated, probes
that answer while every worker thread is blocked, and service again once the load is gone.

The app cases run in one event loop over httpx's ASGI transport, so requests can be held inside a
handler (a threading.Event) while others arrive. Every wait is bounded (``HANG``) so that a
regression fails instead of hanging; no assertion is about time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI

from models.authenticity.calibration import provisional_calibration
from service.config import Settings
from service.main import create_app
from service.shedding import ConcurrencyGate, LoadShedMiddleware
from tests.utils.aio import run as run_async

PROBLEM = "application/problem+json"
HANG = 30.0  # seconds before a wait that should have ended fails the test


# --------------------------------------------------------------------------- the gate


def test_gate_admits_up_to_the_limit_queues_a_few_and_refuses_the_rest() -> None:
    async def scenario() -> tuple[list[bool], bool, bool, int]:
        gate = ConcurrencyGate(limit=2, queue=1, wait=HANG)
        admitted = [await gate.enter(), await gate.enter()]
        queued = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        refused = await gate.enter()  # the queue is full
        gate.leave()  # the queued request takes the freed slot
        served = await asyncio.wait_for(queued, HANG)
        return admitted, refused, served, gate.in_flight

    admitted, refused, served, in_flight = run_async(scenario())
    assert admitted == [True, True]
    assert refused is False
    assert served is True
    assert in_flight == 2


def test_gate_refuses_a_waiter_once_its_wait_is_over() -> None:
    async def scenario() -> tuple[bool, int, int]:
        gate = ConcurrencyGate(limit=1, queue=4, wait=0.01)
        await gate.enter()
        late = await asyncio.wait_for(gate.enter(), HANG)
        return late, gate.in_flight, gate.waiting

    assert run_async(scenario()) == (False, 1, 0)


def test_gate_without_a_queue_refuses_at_once() -> None:
    async def scenario() -> list[bool]:
        gate = ConcurrencyGate(limit=1, queue=0, wait=HANG)
        return [await gate.enter(), await asyncio.wait_for(gate.enter(), HANG)]

    assert run_async(scenario()) == [True, False]


def test_gate_hands_the_slot_past_a_waiter_that_gave_up() -> None:
    async def scenario() -> tuple[bool, int]:
        gate = ConcurrencyGate(limit=1, queue=2, wait=HANG)
        await gate.enter()
        quitter = asyncio.create_task(gate.enter())
        patient = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        quitter.cancel()
        await asyncio.gather(quitter, return_exceptions=True)
        gate.leave()
        served = await asyncio.wait_for(patient, HANG)
        gate.leave()
        return served, gate.in_flight

    assert run_async(scenario()) == (True, 0)


def test_gate_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="limit >= 1"):
        ConcurrencyGate(limit=0, queue=1, wait=1)


# --------------------------------------------------------------------------- the app


class Blocker:
    """A sync route that holds its worker thread until released."""

    def __init__(self, app: FastAPI) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

        def block() -> dict[str, str]:
            self.entered.release()
            self.release.wait(HANG)
            return {"status": "released"}

        app.add_api_route("/v1/test-block", block, methods=["GET"])

    async def wait_entered(self, count: int = 1) -> None:
        for _ in range(count):
            assert await asyncio.to_thread(self.entered.acquire, True, HANG), "the handler never started"


async def until(condition: Callable[[], bool], failure: str) -> None:
    for _ in range(int(HANG / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(failure)


def run_app(app: FastAPI, scenario: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    """Run ``scenario`` against ``app`` (with its lifespan) in one event loop."""

    async def main() -> Any:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await scenario(client)

    return run_async(main())


def test_saturated_process_answers_503_with_retry_after_and_serves_again_after(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(max_in_flight=1, max_queued=0), calibration=provisional_calibration())
    blocker = Blocker(app)

    async def scenario(client: httpx.AsyncClient) -> dict[str, Any]:
        held = asyncio.create_task(client.get("/v1/test-block"))
        await blocker.wait_entered()
        shed = await asyncio.wait_for(client.get("/v1/me"), HANG)
        health = await asyncio.wait_for(client.get("/healthz"), HANG)
        ready = await asyncio.wait_for(client.get("/readyz"), HANG)
        still_held = not held.done()
        blocker.release.set()
        first = await asyncio.wait_for(held, HANG)
        after = await asyncio.wait_for(client.get("/v1/me"), HANG)
        metrics = await client.get("/metrics")
        return {
            "shed": shed,
            "health": health.status_code,
            "ready": ready.status_code,
            "still_held": still_held,
            "first": first.status_code,
            "after": after.status_code,
            "metrics": metrics.text,
        }

    out = run_app(app, scenario)
    shed = out["shed"]
    assert shed.status_code == 503
    assert shed.headers["content-type"].startswith(PROBLEM)
    assert shed.json()["type"] == "https://redlens.dev/problems/unavailable"
    assert shed.headers["retry-after"] == "1"
    assert (out["health"], out["ready"]) == (200, 200)  # probes pass the full gate
    assert out["still_held"]
    assert out["first"] == 200
    assert out["after"] == 401  # served again (no key: refused by the route, not shed)
    assert "redlens_shed_total 1.0" in out["metrics"]


def test_a_page_past_capacity_gets_a_translated_503_page_with_retry_after(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(max_in_flight=1, max_queued=0), calibration=provisional_calibration())
    blocker = Blocker(app)
    browser = {"accept": "text/html,application/xhtml+xml"}

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        held = asyncio.create_task(client.get("/v1/test-block"))
        await blocker.wait_entered()
        pages = [
            await asyncio.wait_for(client.get("/kols", headers={**browser, "accept-language": lang}), HANG)
            for lang in ("zh-CN", "en")
        ]
        blocker.release.set()
        await asyncio.wait_for(held, HANG)
        return pages

    chinese, english = run_app(app, scenario)
    assert (chinese.status_code, english.status_code) == (503, 503)
    assert chinese.headers["content-type"].startswith("text/html")
    assert chinese.headers["retry-after"] == english.headers["retry-after"] == "1"
    assert "服务器繁忙" in chinese.text and "等待 1 秒" in chinese.text
    assert "The server is busy" in english.text


def test_queued_request_is_served_when_a_slot_frees(make_settings: Callable[..., Settings]) -> None:
    app = create_app(
        make_settings(max_in_flight=1, max_queued=1, queue_wait_seconds=HANG),
        calibration=provisional_calibration(),
    )
    blocker = Blocker(app)

    async def scenario(client: httpx.AsyncClient) -> tuple[int, int, int]:
        held = asyncio.create_task(client.get("/v1/test-block"))
        await blocker.wait_entered()
        queued = asyncio.create_task(client.get("/v1/me"))
        await until(lambda: _gate_waiting(app) == 1, "the second request never queued")
        refused = await asyncio.wait_for(client.get("/v1/me"), HANG)  # the queue holds one
        blocker.release.set()
        return (
            (await asyncio.wait_for(held, HANG)).status_code,
            (await asyncio.wait_for(queued, HANG)).status_code,
            refused.status_code,
        )

    assert run_app(app, scenario) == (200, 401, 503)


def _gate_waiting(app: FastAPI) -> int:
    """Requests waiting at the app's gate (found in the built middleware stack)."""
    layer: Any = app.middleware_stack
    while layer is not None:
        if isinstance(layer, LoadShedMiddleware):
            return int(layer.guard.waiting)
        layer = getattr(layer, "app", None)
    raise AssertionError("no load-shedding middleware in the app")


def test_healthz_and_readyz_answer_while_every_worker_thread_is_blocked(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(max_in_flight=50), calibration=provisional_calibration())
    blocker = Blocker(app)

    async def scenario(client: httpx.AsyncClient) -> tuple[int, int, bool]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        held = [asyncio.create_task(client.get("/v1/test-block")) for _ in range(2)]
        await blocker.wait_entered(2)
        starved = asyncio.create_task(client.get("/v1/me"))  # needs a worker thread: none is free
        health = await asyncio.wait_for(client.get("/healthz"), HANG)
        ready = await asyncio.wait_for(client.get("/readyz"), HANG)
        workers_were_blocked = not starved.done()
        blocker.release.set()
        await asyncio.wait_for(asyncio.gather(*held, starved), HANG)
        return health.status_code, ready.status_code, workers_were_blocked

    assert run_app(app, scenario) == (200, 200, True)
