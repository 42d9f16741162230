"""Watching an app's connection pool while chosen functions (the models' steps) run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

#: The job runner's threads (``redlens-*``) work independently of requests and are not counted.
RUNNER_THREADS = "redlens-"


@contextmanager
def connections_held_while(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, *targets: tuple[Any, str]
) -> Iterator[dict[str, list[list[str]]]]:
    """Each call of ``getattr(module, name)`` for ``(module, name)`` in ``targets`` records, under
    ``name``, the request threads holding a pooled connection at that moment (``[]``: none)."""
    engine = app.state.services.engine
    checked_out: dict[int, str] = {}  # connection record -> thread that took it
    held: dict[str, list[list[str]]] = {}

    def on_checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        checked_out[id(record)] = threading.current_thread().name

    def on_checkin(_dbapi: Any, record: Any) -> None:
        checked_out.pop(id(record), None)

    def watched(name: str, original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            holders = [t for t in checked_out.values() if not t.startswith(RUNNER_THREADS)]
            held.setdefault(name, []).append(holders)
            return original(*args, **kwargs)

        return call

    for module, name in targets:
        monkeypatch.setattr(module, name, watched(name, getattr(module, name)))
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield held
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)
