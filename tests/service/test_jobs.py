"""Persisted jobs: large ingests as jobs, interrupted jobs failed at start-up, queued jobs survive a
restart, workspaces served fairly, a cap on queued jobs, and cancelling."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.errors import Conflict, JobQueueFull, NotFound
from service.jobs import (
    Handler,
    JobCancelled,
    JobContext,
    JobRunner,
    JobServices,
    cancel_job,
    job_dir,
    queue_job,
    run_ingest_job,
    run_training_job,
)
from service.main import create_app
from service.metrics import ApiMetrics
from service.serving import ModelHolder, workspace_models_dir, workspaces_models_root
from service.store.engine import make_engine, make_session_factory
from service.store.repositories import (
    comments_for_notes,
    count_queued_jobs,
    create_api_key,
    create_job,
    create_workspace,
    get_job,
    list_notes,
    request_job_cancel,
)
from service.store.tables import Job
from service.store.types import utcnow
from tests.utils import FIXTURES as TEST_FILES
from tests.utils.client import auth, start_training, upload, wait_for_job
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
    response = upload(
        client,
        "/v1/ingest",
        world.a.writer,
        "evil.pkl",
        b"\x80\x04K\x01.",
        "application/octet-stream",
        field="files",
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


def test_shutdown_stops_a_job_that_runs_on_at_its_next_checkpoint(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """A job still running after the grace period is marked failed and does not go on in the
    background: it stops at its next progress call."""
    started, stopped = threading.Event(), threading.Event()

    def long(ctx: JobContext) -> dict[str, Any]:
        started.set()
        try:
            for step in range(600):
                ctx.progress(step / 600)
                time.sleep(0.05)
        except JobCancelled:
            stopped.set()
            raise
        return {}

    runner = _runner(settings, session_factory, {"training": long})
    with session_factory() as session, session.begin():
        ws = create_workspace(session, "shutdown").id
        job_id = create_job(session, ws, "training").id
    runner.start()
    assert started.wait(30)
    runner.stop(grace=0.1)
    assert stopped.wait(10), "the job stopped at its next checkpoint"
    with session_factory() as session:
        job = get_job(session, ws, job_id)
        assert job is not None
        state, message = job.state, job.message
    assert state == "failed" and "shut down" in (message or "")


# --------------------------------------------------------------------------- fairness


def _runner(settings: Settings, factory: sessionmaker[Session], handlers: dict[str, Any]) -> JobRunner:
    """A job runner of its own (no app) with these handlers, on the settings' database."""
    services = JobServices(factory, ModelHolder.for_settings(settings), settings, ApiMetrics())
    return JobRunner(services, handlers)


def _recording_runner(
    settings: Settings, factory: sessionmaker[Session], kind: str, record: Callable[[JobContext], int]
) -> tuple[JobRunner, list[int]]:
    """A runner whose ``kind`` jobs do nothing but append ``record(ctx)`` to the returned list."""
    ran: list[int] = []

    def handler(ctx: JobContext) -> dict[str, Any]:
        ran.append(record(ctx))
        return {}

    return _runner(settings, factory, {kind: handler}), ran


@contextmanager
def _running(runner: JobRunner, *, grace: float = 5) -> Iterator[None]:
    """The runner started for the block and stopped after it, also when the block fails."""
    runner.start()
    try:
        yield
    finally:
        runner.stop(grace=grace)


def _states(factory: sessionmaker[Session], workspace_id: int, ids: list[int]) -> list[str]:
    with factory() as session:
        return [getattr(get_job(session, workspace_id, i), "state", "missing") for i in ids]


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def test_an_ingest_never_waits_behind_another_workspaces_trainings(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """Workspace A's four trainings are queued and the first one runs (long); B's small ingest,
    queued after them, runs and succeeds meanwhile."""
    factory, started, release = session_factory, threading.Event(), threading.Event()

    def training(ctx: JobContext) -> dict[str, Any]:
        started.set()
        release.wait(30)
        return {}

    runner = _runner(settings, factory, {"training": training, "ingest": lambda ctx: {"rows": 1}})
    with factory() as session, session.begin():
        a, b = create_workspace(session, "busy"), create_workspace(session, "small")
        trainings = [create_job(session, a.id, "training").id for _ in range(4)]
        a_id, b_id = a.id, b.id
    runner.start()
    try:
        assert started.wait(30), "the first training started"
        with factory() as session, session.begin():
            ingest = create_job(session, b_id, "ingest").id
        runner.wake()
        _wait_for(lambda: _states(factory, b_id, [ingest]) == ["succeeded"], "the ingest to succeed")
        while_ingest_done = _states(factory, a_id, trainings)
    finally:
        release.set()
        runner.stop(grace=5)
    assert while_ingest_done == ["running", "queued", "queued", "queued"]


def test_the_runner_lets_workspaces_take_turns_for_training(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    factory = session_factory
    runner, ran = _recording_runner(settings, factory, "training", lambda ctx: ctx.workspace_id)
    with factory() as session, session.begin():
        a, b = create_workspace(session, "first"), create_workspace(session, "second")
        ids = [create_job(session, a.id, "training").id for _ in range(3)]
        ids.append(create_job(session, b.id, "training").id)
        a_id, b_id = a.id, b.id
    with _running(runner):
        _wait_for(lambda: len(ran) == 4, "four trainings to run")
    assert ran == [a_id, b_id, a_id, a_id]


# --------------------------------------------------------------------------- queue cap and cancel


def test_a_workspace_queues_at_most_the_configured_number_of_jobs(
    make_settings: Callable[..., Settings], session_factory: sessionmaker[Session]
) -> None:
    settings, factory = make_settings(job_max_queued_per_workspace=2), session_factory
    with factory() as session, session.begin():
        full, other = create_workspace(session, "full").id, create_workspace(session, "other").id
    for _ in range(2):
        with factory() as session, session.begin():
            queue_job(session, settings, full, "ingest", {"files": []})
    with factory() as session, session.begin(), pytest.raises(JobQueueFull) as refused:
        queue_job(session, settings, full, "training", {})
    with factory() as session, session.begin():
        queue_job(session, settings, other, "ingest", {"files": []})
        assert count_queued_jobs(session, full) == 2
    assert "already has 2 queued jobs" in refused.value.detail
    assert "REDLENS_JOB_MAX_QUEUED_PER_WORKSPACE=2" in refused.value.detail
    assert refused.value.headers["Retry-After"] == "30"


def test_a_job_asked_to_stop_by_another_process_ends_cancelled_at_its_next_checkpoint(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """The cancel request is only in the database (as another server process would write it):
    the heartbeat thread passes it on and the job stops at its next progress call."""
    factory, checkpoints, started = session_factory, list[float](), threading.Event()

    def slow(ctx: JobContext) -> dict[str, Any]:
        started.set()
        for step in range(600):
            ctx.progress(step / 600, f"step {step}")
            checkpoints.append(step / 600)
            time.sleep(0.05)
        return {"finished": True}

    runner = _runner(settings, factory, {"training": slow})
    with factory() as session, session.begin():
        ws = create_workspace(session, "stopping").id
        job_id = create_job(session, ws, "training").id
    with _running(runner):
        assert started.wait(30)
        with factory() as session, session.begin():
            assert request_job_cancel(session, ws, job_id)
        _wait_for(lambda: _states(factory, ws, [job_id]) == ["cancelled"], "the job to be cancelled")
    with factory() as session:
        job = get_job(session, ws, job_id)
        assert job is not None
        message, result = job.message, job.result
    assert 0 < len(checkpoints) < 600, "stopped part-way"
    assert message is not None and message.startswith("cancelled at ") and result is None


def test_cancelling_a_queued_job_removes_it_and_its_files_and_a_finished_one_is_a_conflict(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    factory = session_factory
    with factory() as session, session.begin():
        ws, other = create_workspace(session, "mine").id, create_workspace(session, "theirs").id
        queued = create_job(session, ws, "ingest", {"files": []}).id
        done = create_job(session, ws, "ingest", {"files": []})
        done.state = "succeeded"
        done_id = done.id
    files = job_dir(settings, queued)
    files.mkdir(parents=True)
    (files / "upload.csv").write_text("text\n好用\n", encoding="utf-8")
    with factory() as session:
        with pytest.raises(NotFound):
            cancel_job(session, settings, other, queued, None)
        cancelled = cancel_job(session, settings, ws, queued, None)
        assert (cancelled.state, cancelled.message) == ("cancelled", "cancelled before it started")
        assert cancel_job(session, settings, ws, queued, None).state == "cancelled"  # again: the same
        with pytest.raises(Conflict, match="already succeeded"):
            cancel_job(session, settings, ws, done_id, None)
    with factory() as session, session.begin():
        later = create_job(session, ws, "ingest", {"files": []}).id
    runner, ran = _recording_runner(settings, factory, "ingest", lambda ctx: ctx.job_id)
    with _running(runner, grace=2):
        _wait_for(lambda: ran == [later], "the job queued later to run")
    assert not files.exists()
    assert ran == [later], "the cancelled job never ran"


# --------------------------------------------------------------------------- cancel a real job


def _cancel_when(
    client: TestClient, key: str, handler: Handler, reached: Callable[[float, str | None], bool]
) -> tuple[Handler, threading.Event]:
    """Wrap ``handler``: at the first progress call where ``reached``, cancel the job through the
    API (as the page or the CLI would) before the call goes on; the event is set once cancelled."""
    asked = threading.Event()

    def wrapped(ctx: JobContext) -> dict[str, Any]:
        progress = ctx.progress

        def watched(fraction: float, message: str | None = None) -> None:
            if not asked.is_set() and reached(fraction, message):
                response = client.post(f"/v1/jobs/{ctx.job_id}/cancel", headers=auth(key))
                assert response.status_code == 202, response.text
                assert response.json()["cancel_requested_at"] is not None
                asked.set()
            progress(fraction, message)

        ctx.progress = watched  # type: ignore[method-assign]
        return handler(ctx)

    return wrapped, asked


def test_a_cancelled_training_job_leaves_no_version_behind(
    client: TestClient, world: World, app: FastAPI, settings: Settings
) -> None:
    """Cancelled after the sentiment model was saved, while the intents model trains."""
    runner = app.state.services.runner
    runner.handlers["training"], asked = _cancel_when(
        client, world.a.writer, run_training_job, lambda fraction, _: fraction >= 0.5
    )
    response = start_training(client, world.a.writer, "all")
    job = wait_for_job(client, response.headers["location"], auth(world.a.reader), timeout=120)
    assert asked.is_set()
    assert job["state"] == "cancelled", job
    assert "no new version was kept" in job["message"]
    workspace_models = settings.data_dir / "models" / f"workspace-{world.a.workspace_id}"
    assert list(workspace_models.glob("*/*")) == []
    assert not (settings.data_dir / "jobs" / str(job["id"]) / "models").exists()
    versions = client.get("/v1/models", headers=auth(world.a.reader)).json()["versions"]
    assert all(v["origin"] == "shipped" for v in versions)


def test_a_cancelled_ingest_keeps_the_files_imported_before_and_rolls_back_the_current_one(
    client: TestClient, world: World, app: FastAPI, settings: Settings
) -> None:
    runner = app.state.services.runner
    runner.handlers["ingest"], asked = _cancel_when(
        client,
        world.b.writer,
        run_ingest_job,
        lambda _, message: (message or "").startswith("writing comments.csv"),
    )
    files = [
        ("files", ("notes.csv", (INGEST / "mediacrawler_contents_v1.csv").read_bytes(), "text/csv")),
        ("files", ("comments.csv", (INGEST / "mediacrawler_comments_v1.csv").read_bytes(), "text/csv")),
    ]
    response = client.post("/v1/ingest?mode=job", files=files, headers=auth(world.b.writer))
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.headers["location"], auth(world.b.reader))
    assert asked.is_set()
    assert job["state"] == "cancelled", job
    assert "nothing of comments.csv was imported" in job["message"]
    assert "notes.csv had been imported before and are kept" in job["message"]
    factory = app.state.services.session_factory
    with factory() as session:
        notes = list_notes(session, world.b.workspace_id, limit=1000)
        imported = {n.platform_note_id for n in notes} - {f"note-brand-b-{i}" for i in range(5)}
        comments = comments_for_notes(session, world.b.workspace_id, [n.id for n in notes])
    assert imported, "the notes file was imported before the cancel"
    assert {c.platform_comment_id for c in comments} == {
        f"c-brand-b-{i}-{j}" for i in range(5) for j in range(8)
    }, "no comment of the cancelled file"
    assert not (settings.data_dir / "jobs" / str(job["id"])).exists()


# --------------------------------------------------------------------------- leftovers


def _killed_save(folder: Path, task: str, version: str, *, age: float) -> Path:
    """What a save killed while writing leaves: a temporary folder with a 0-byte pipeline."""
    tmp = folder / task / f".{version}.k1ll3d"
    tmp.mkdir(parents=True)
    (tmp / "pipeline.joblib").write_bytes(b"")
    then = time.time() - age
    os.utime(tmp, (then, then))
    return tmp


def test_start_up_removes_what_killed_saves_and_jobs_left(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        ws = create_workspace(session, "leftovers")
        _, secret = create_api_key(session, ws.id, "read")
        dead = create_job(session, ws.id, "training")
        alive = create_job(session, ws.id, "training")
        now = utcnow()
        dead.state = "failed"
        alive.state, alive.started_at, alive.heartbeat_at = "running", now, now  # in another process
        ws_id, dead_id, alive_id = ws.id, dead.id, alive.id
    own = workspace_models_dir(workspaces_models_root(settings), ws_id)
    shipped_killed = _killed_save(settings.models_dir, "sentiment", "20260107-000000-aaaaaa", age=3600)
    own_killed = _killed_save(own, "intents", "20260107-000000-bbbbbb", age=3600)
    in_progress = _killed_save(own, "sentiment", "20260107-000000-cccccc", age=5)
    half = own / "sentiment" / "20260107-000000-dddddd"
    half.mkdir(parents=True)
    (half / "pipeline.joblib").write_bytes(b"")
    staged = {i: job_dir(settings, i) / "models" / "sentiment" for i in (dead_id, alive_id)}
    for folder in staged.values():
        folder.mkdir(parents=True)

    with TestClient(create_app(settings, calibration=None)) as client:
        versions = client.get("/v1/models", headers=auth(secret)).json()["versions"]

    assert not shipped_killed.exists() and not own_killed.exists() and not half.exists()
    assert in_progress.exists(), "a young temporary folder may be a save in progress elsewhere"
    assert not staged[dead_id].exists() and staged[alive_id].exists()
    assert "20260107" not in str(versions)
