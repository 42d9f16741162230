"""The HTTP test client and helpers to call the API with a key."""

from __future__ import annotations

import time
import warnings
from typing import Any

with warnings.catch_warnings():
    # Starlette asks for httpx2 instead of httpx; the pinned environment has httpx.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

__all__ = ["TestClient", "auth", "wait_for_job"]


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def wait_for_job(
    client: TestClient, path: str, headers: dict[str, str], timeout: float = 60.0
) -> dict[str, Any]:
    """Poll a job until it leaves queued/running (or ``timeout`` passes); returns its last state."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(path, headers=headers).json()
        if body.get("state") in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return body
        time.sleep(0.1)
