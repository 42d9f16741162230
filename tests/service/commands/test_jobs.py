"""``redlens jobs list | cancel``: the same cancel as the API, for the workspace named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from service.cli import app as cli
from service.config import get_settings
from service.store.engine import make_engine, make_session_factory
from service.store.repositories import claim_queued_job, create_job, create_workspace, get_job


@pytest.fixture
def factory(
    sqlite_db_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sessionmaker[Session]]:
    monkeypatch.setenv("REDLENS_DATABASE_URL", sqlite_db_url)
    monkeypatch.setenv("REDLENS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    engine = make_engine(sqlite_db_url)
    yield make_session_factory(engine)
    engine.dispose()
    get_settings.cache_clear()


def test_jobs_cancel_cancels_a_queued_job_and_asks_a_running_one_to_stop(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session, session.begin():
        mine, other = create_workspace(session, "acme").id, create_workspace(session, "rival").id
        running = create_job(session, mine, "training").id
        assert claim_queued_job(session) is not None
        queued = create_job(session, mine, "ingest").id
    runner = CliRunner()

    listed = runner.invoke(cli, ["jobs", "list", "-w", "acme"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "running" in listed.output and "queued" in listed.output

    assert runner.invoke(cli, ["jobs", "cancel", str(queued), "-w", "rival"]).exit_code == 2
    cancelled = runner.invoke(cli, ["jobs", "cancel", str(queued), "-w", "acme"])
    assert cancelled.exit_code == 0, cancelled.output
    assert f"job {queued} cancelled" in cancelled.output
    stopping = runner.invoke(cli, ["jobs", "cancel", str(running), "-w", "acme"])
    assert stopping.exit_code == 0, stopping.output
    assert "stops at its next checkpoint" in stopping.output
    with factory() as session:
        assert getattr(get_job(session, mine, queued), "state", None) == "cancelled"
        job = get_job(session, mine, running)
        assert job is not None and job.state == "running" and job.cancel_requested_at is not None
        assert get_job(session, other, queued) is None
    listed = runner.invoke(
        cli, ["jobs", "list", "-w", "acme", "--state", "cancelled"], env={"COLUMNS": "200"}
    )
    assert str(queued) in listed.output and "running" not in listed.output


def test_jobs_cancel_refuses_a_job_of_another_workspace_or_a_finished_one(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session, session.begin():
        create_workspace(session, "acme")
        rival = create_workspace(session, "rival").id
        theirs = create_job(session, rival, "ingest").id
        done = create_job(session, rival, "ingest")
        done.state, done_id = "failed", done.id
    runner = CliRunner()
    other = runner.invoke(cli, ["jobs", "cancel", str(theirs), "-w", "acme"])
    assert other.exit_code == 2 and f"job {theirs} does not exist in this workspace" in other.output
    finished = runner.invoke(cli, ["jobs", "cancel", str(done_id), "-w", "rival"])
    assert finished.exit_code == 2 and "already failed" in finished.output
    assert runner.invoke(cli, ["jobs", "list", "-w", "nobody"]).exit_code == 2
