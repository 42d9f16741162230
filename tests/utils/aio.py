"""Run a coroutine to completion from a test, whatever event loop the worker's thread has.

The browser tests (Playwright's sync API) leave an event loop running in the pytest worker's main
thread, where ``asyncio.run`` refuses to start; a fresh thread has no loop.
"""

from __future__ import annotations

from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
