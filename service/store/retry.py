"""Retrying a short write transaction that lost a race for a lock.

SQLite lets one connection write at a time. A transaction whose first statement is a write waits
for the lock (``busy_timeout``); one that read first and then writes after another connection
committed fails at once with "database is locked", and a wait longer than the timeout fails the
same way. PostgreSQL reports deadlocks and serialisation failures instead. In every case the
transaction was rolled back whole, so running it again from the start is safe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("redlens.store")

T = TypeVar("T")

_SQLITE_LOCKED = ("database is locked", "database table is locked", "database is busy")
_PG_RETRYABLE = frozenset({"40001", "40P01", "55P03"})  # serialization failure, deadlock, lock not available


def is_lock_error(exc: BaseException) -> bool:
    """True for a lost lock race: SQLite busy or locked, PostgreSQL deadlock or serialisation failure."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_RETRYABLE:
        return True
    return any(text in str(orig).lower() for text in _SQLITE_LOCKED)


class StillLocked(RuntimeError):
    """The transaction kept losing the race for the lock; ``attempts`` were made."""

    def __init__(self, what: str, attempts: int, last: BaseException | None) -> None:
        super().__init__(f"{what}: the database stayed locked after {attempts} attempts ({last})")
        self.attempts = attempts


def retry_when_locked(
    action: Callable[[], T],
    *,
    what: str,
    attempts: int = 6,
    first_delay: float = 0.05,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Run ``action`` (a whole transaction) again when it fails on a lock, with exponential
    backoff (``first_delay``, doubled each time); other errors propagate at once. ``on_retry`` runs
    before each new attempt (e.g. ``session.rollback``). Raises :class:`StillLocked` after
    ``attempts`` failures."""
    for attempt in range(attempts):
        try:
            return action()
        except DBAPIError as exc:
            if not is_lock_error(exc):
                raise
            if attempt == attempts - 1:
                raise StillLocked(what, attempts, exc.orig) from exc
            log.info("%s: database locked, retrying (%d)", what, attempt + 1)
            if on_retry is not None:
                on_retry()
            time.sleep(first_delay * 2**attempt)
    raise AssertionError("unreachable")
