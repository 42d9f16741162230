"""The database check of ``/readyz``, kept apart from the work it reports on.

A busy server's connection pool and worker threads are taken by requests; a readiness check that
queued behind them would report "down" late, or hang. This check has its own one-connection
engine and its own thread, and gives up after ``timeout`` seconds (a check still stuck on a
dead database is not waited for again: the next one answers "down" at once until it returns).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, text

from service.store.engine import make_engine


class DatabaseProbe:
    """``await probe.check()``: ``None`` when the database answers ``SELECT 1`` in time, else why not."""

    def __init__(self, database_url: str, timeout: float) -> None:
        self.database_url = database_url
        self.timeout = timeout
        self._engine: Engine | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._busy = threading.Lock()

    def _ping(self) -> str | None:
        with self._busy:
            try:
                if self._engine is None:
                    self._engine = make_engine(
                        self.database_url, pool_size=1, max_overflow=0, pool_timeout=self.timeout
                    )
                with self._engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception as exc:  # a probe reports, it never raises
                return f"database not reachable: {type(exc).__name__}"
            return None

    async def check(self) -> str | None:
        if self._busy.locked():
            return "database not reachable: the previous check has not returned"
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redlens-readyz")
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._executor, self._ping), self.timeout)
        except TimeoutError:
            return f"database not reachable: no answer within {self.timeout:g} s"

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
