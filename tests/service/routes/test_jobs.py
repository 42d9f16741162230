"""GET /v1/jobs and POST /v1/jobs/{id}/cancel; the per-workspace cap on queued jobs.

The job runner is stopped in these tests so that queued jobs stay queued (cancelling a running
job is tested with the runner in tests/service/test_jobs.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from service.config import Settings
from service.main import create_app
from service.routes.jobs import job_out
from service.schemas import JobOut
from service.store.tables import Job
from service.store.types import utcnow
from tests.utils import FIXTURES
from tests.utils.client import TestClient, auth
from tests.utils.factories import World, seed_world

COMMENTS = (FIXTURES / "ingest" / "mediacrawler_comments_v1.csv").read_bytes()


def _queue_ingest(client: TestClient, key: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/v1/ingest?mode=job", files={"files": ("comments.csv", COMMENTS, "text/csv")}, headers=auth(key)
    )
    return response.status_code, response.json()


def _job(job_id: int, kind: str, params: dict[str, object] | None) -> Job:
    return Job(
        id=job_id, workspace_id=1, kind=kind, state="queued", progress=0.0, params=params, created_at=utcnow()
    )


def test_a_job_stored_without_parameters_shows_an_empty_object() -> None:
    job = _job(3, "training", None)
    assert JobOut.model_validate(job).params == {}
    out = job_out(job)
    assert (out.params, out.links) == ({}, {"self": "/v1/training-jobs/3", "cancel": "/v1/jobs/3/cancel"})


def test_a_jobs_answer_leaves_out_stored_file_names_and_leaves_the_row_alone() -> None:
    job = _job(4, "ingest", {"files": [{"name": "a.csv", "bytes": 10, "stored": "f/a.csv"}], "mode": "job"})
    out = job_out(job)
    assert out.params == {"files": [{"name": "a.csv", "bytes": 10}], "mode": "job"}
    assert out.links == {"self": "/v1/jobs/4", "cancel": "/v1/jobs/4/cancel"}
    assert job.params == {"files": [{"name": "a.csv", "bytes": 10, "stored": "f/a.csv"}], "mode": "job"}


@pytest.fixture
def idle(app: FastAPI, client: TestClient) -> TestClient:
    """The client of an app whose job runner is stopped: queued jobs stay queued."""
    app.state.services.runner.stop(grace=1)
    return client


def test_a_queued_job_is_cancelled_at_once_and_its_upload_removed(
    idle: TestClient, world: World, settings: Settings
) -> None:
    status, job = _queue_ingest(idle, world.a.writer)
    assert status == 202 and job["state"] == "queued"
    assert job["links"] == {"self": f"/v1/jobs/{job['id']}", "cancel": f"/v1/jobs/{job['id']}/cancel"}
    assert (settings.data_dir / "jobs" / str(job["id"])).exists()
    response = idle.post(f"/v1/jobs/{job['id']}/cancel", headers=auth(world.a.writer))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["message"]) == ("cancelled", "cancelled before it started")
    assert body["finished_at"] is not None and body["started_at"] is None
    assert not (settings.data_dir / "jobs" / str(job["id"])).exists()
    again = idle.post(f"/v1/jobs/{job['id']}/cancel", headers=auth(world.a.writer))
    assert (again.status_code, again.json()["state"]) == (200, "cancelled")
    listed = idle.get("/v1/jobs?state=cancelled", headers=auth(world.a.reader)).json()["items"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_only_the_owning_workspace_with_a_write_key_cancels(idle: TestClient, world: World) -> None:
    _, job = _queue_ingest(idle, world.a.writer)
    other = idle.post(f"/v1/jobs/{job['id']}/cancel", headers=auth(world.b.admin))
    assert other.status_code == 404
    assert other.json()["type"] == "https://redlens.dev/problems/not-found"
    reader = idle.post(f"/v1/jobs/{job['id']}/cancel", headers=auth(world.a.reader))
    assert reader.status_code == 403
    assert idle.get(f"/v1/jobs/{job['id']}", headers=auth(world.a.reader)).json()["state"] == "queued"


def test_a_finished_job_cannot_be_cancelled(idle: TestClient, world: World) -> None:
    response = idle.post(f"/v1/jobs/{world.a.job_id}/cancel", headers=auth(world.a.writer))
    assert response.status_code == 409
    assert response.json()["type"] == "https://redlens.dev/problems/conflict"
    assert response.json()["detail"] == f"job {world.a.job_id} already succeeded: there is nothing to cancel"
    assert idle.post("/v1/jobs/99999999/cancel", headers=auth(world.a.writer)).status_code == 404


@pytest.fixture
def capped(make_settings: Callable[..., Settings]) -> Iterator[tuple[TestClient, World]]:
    """An app whose workspaces may queue two jobs each, with its runner stopped."""
    app = create_app(make_settings(job_max_queued_per_workspace=2), calibration=None)
    with TestClient(app) as client:
        app.state.services.runner.stop(grace=1)
        yield client, seed_world(app.state.services.session_factory)


def test_a_workspace_over_its_queued_jobs_cap_gets_429_others_do_not(
    capped: tuple[TestClient, World],
) -> None:
    client, world = capped
    first, second = (_queue_ingest(client, world.a.writer) for _ in range(2))
    assert (first[0], second[0]) == (202, 202)
    refused = client.post(
        "/v1/training-jobs", data={"tasks": "sentiment"}, headers=auth(world.a.writer)
    )  # a training job counts like an ingest
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "30"
    problem = refused.json()
    assert problem["type"] == "https://redlens.dev/problems/job-queue-full"
    assert problem["detail"].startswith("this workspace already has 2 queued jobs")
    assert _queue_ingest(client, world.b.writer)[0] == 202  # another workspace is not held back
    assert client.post(f"/v1/jobs/{first[1]['id']}/cancel", headers=auth(world.a.writer)).status_code == 200
    assert _queue_ingest(client, world.a.writer)[0] == 202  # a place freed by cancelling
