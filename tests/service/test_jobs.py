"""Persisted jobs: large ingests as jobs, interrupted jobs failed at start-up, queued jobs survive a restart."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from service.config import Settings
from service.jobs import JobContext
from service.main import create_app
from service.store.engine import make_engine, make_session_factory
from service.store.repositories import create_api_key, create_job, create_workspace, get_job
from service.store.tables import Job
from service.store.types import utcnow
from tests.utils import FIXTURES as TEST_FILES
from tests.utils.client import auth, wait_for_job
from tests.utils.factories import World


@pytest.fixture
def api_db_url(db_url: str) -> str:
    """These tests run on SQLite and PostgreSQL."""
    return db_url


INGEST = TEST_FILES / "ingest"


def test_ingest_small_file_answers_the_summary_and_analyses_comments(
    client: TestClient, world: World
) -> None:
    files = [
        ("files", ("notes.csv", (INGEST / "mediacrawler_contents_v1.csv").read_bytes(), "text/csv")),
        ("files", ("comments.csv", (INGEST / "mediacrawler_comments_v1.csv").read_bytes(), "text/csv")),
    ]
    response = client.post("/v1/ingest", files=files, headers=auth(world.a.writer))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [f["path"] for f in body["files"]] == ["notes.csv", "comments.csv"]
    comments = body["files"][1]
    assert comments["kind"] == "comments"
    assert (
        comments["rows"]
        == comments["inserted"]
        + comments["updated"]
        + comments["unchanged"]
        + comments["duplicates"]
        + comments["rejected"]
    )
    assert body["comments_analyzed"] > 0
    assert body["model_version"].startswith("sentiment:")


def test_ingest_refuses_unknown_file_types(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/ingest",
        files={"files": ("evil.pkl", b"\x80\x04K\x01.", "application/octet-stream")},
        headers=auth(world.a.writer),
    )
    assert response.status_code == 415
    assert response.json()["type"] == "https://redlens.dev/problems/unsupported-media-type"


def test_large_ingest_runs_as_a_job_with_progress(
    client: TestClient, world: World, settings: Settings
) -> None:
    data = (INGEST / "mediacrawler_comments_v1.csv").read_bytes()
    response = client.post(
        "/v1/ingest?mode=job",
        files={"files": ("comments.csv", data, "text/csv")},
        headers=auth(world.a.writer),
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "ingest" and job["state"] in ("queued", "running", "succeeded")
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["params"]["files"] == [{"name": "comments.csv", "bytes": len(data)}]
    done = wait_for_job(client, f"/v1/jobs/{job['id']}", auth(world.a.reader))
    assert done["state"] == "succeeded", done
    assert done["progress"] == 1.0
    assert done["result"]["files"][0]["inserted"] > 0
    assert not (settings.data_dir / "jobs" / str(job["id"])).exists(), "uploads are deleted after the job"
    assert client.get(f"/v1/jobs/{job['id']}", headers=auth(world.b.reader)).status_code == 404
    assert client.get(f"/v1/training-jobs/{job['id']}", headers=auth(world.a.reader)).status_code == 404


def _prepare(settings: Settings) -> tuple[int, int, str]:
    """Outside any app: a workspace with a stale running job and a queued job."""
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        ws = create_workspace(session, "restart")
        _, secret = create_api_key(session, ws.id, "read")
        stale = create_job(session, ws.id, "ingest", {"files": []})
        queued = create_job(session, ws.id, "ingest", {"files": []})
        session.execute(
            update(Job)
            .where(Job.id == stale.id)
            .values(
                state="running",
                started_at=utcnow() - timedelta(hours=2),
                heartbeat_at=utcnow() - timedelta(hours=1),
            )
        )
        ids = (stale.id, queued.id)
    engine.dispose()
    return ids[0], ids[1], secret


def test_interrupted_job_is_marked_failed_at_start_up(settings: Settings) -> None:
    stale_id, queued_id, secret = _prepare(settings)
    app = create_app(settings, calibration=None)
    with TestClient(app) as client:
        stale = client.get(f"/v1/jobs/{stale_id}", headers=auth(secret)).json()
        queued = wait_for_job(client, f"/v1/jobs/{queued_id}", auth(secret))
    assert stale["state"] == "failed"
    assert "interrupted" in stale["message"]
    assert stale["finished_at"] is not None
    # the job queued before the "restart" was run by the new process
    assert queued["state"] == "succeeded", queued


def test_shutdown_fails_the_job_it_interrupts(settings: Settings) -> None:
    app = create_app(settings, calibration=None)
    started = []

    def slow(ctx: JobContext) -> dict[str, object]:
        started.append(ctx.job_id)
        time.sleep(1.5)
        return {}

    with TestClient(app):
        runner = app.state.services.runner
        runner.handlers["ingest"] = slow
        factory = app.state.services.session_factory
        with factory() as session, session.begin():
            ws = create_workspace(session, "shutdown")
            job = create_job(session, ws.id, "ingest")
            ws_id, job_id = ws.id, job.id
        runner.wake()
        deadline = time.monotonic() + 10
        while not started and time.monotonic() < deadline:
            time.sleep(0.05)
        runner.stop(grace=0.1)
        with factory() as session:
            row = get_job(session, ws_id, job_id)
            assert row is not None
            state, message = row.state, row.message
        time.sleep(1.6)  # the handler ends after the shutdown: it must not revive the job
        with factory() as session:
            row = get_job(session, ws_id, job_id)
            assert row is not None
            final = row.state
    assert started == [job_id]
    assert state == "failed" and "shut down" in (message or "")
    assert final == "failed"
