"""The HTTP test client and helpers to call the API with a key."""

from __future__ import annotations

import time
import warnings
from typing import Any

with warnings.catch_warnings():
    # Starlette asks for httpx2 instead of httpx; the pinned environment has httpx.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

__all__ = ["TestClient", "auth", "start_training", "upload", "wait_for_job"]


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def upload(
    client: TestClient,
    path: str,
    key: str,
    name: str,
    content: bytes,
    content_type: str = "text/csv",
    *,
    field: str = "file",
    **kwargs: Any,
) -> Any:
    """POST one file as the multipart ``field`` with ``key``; ``data``/``params`` go to ``client.post``."""
    return client.post(path, files={field: (name, content, content_type)}, headers=auth(key), **kwargs)


def start_training(client: TestClient, key: str, tasks: str) -> Any:
    """Start a training job on the labelled fixture (``tests/fixtures/api/labelled_comments.csv``)."""
    from tests.utils.models import LABELLED

    response = upload(
        client, "/v1/training-jobs", key, "labels.csv", LABELLED.read_bytes(), data={"tasks": tasks}
    )
    assert response.status_code == 202, response.text
    return response


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
