"""``redlens jobs list | cancel --workspace W``: a workspace's background jobs, as the API shows them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from service.commands.common import console, fail, store_session
from service.store.tables import JOB_STATES

jobs_app = typer.Typer(help="List and cancel a workspace's background jobs.", no_args_is_help=True)

WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="workspace slug")]


@jobs_app.command("list")
def list_jobs(
    workspace: WorkspaceOption,
    state: Annotated[
        str | None, typer.Option(help=f"only jobs in this state: {', '.join(JOB_STATES)}")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """The workspace's jobs, newest first: id, kind, state, progress, message."""
    from service.store.repositories import list_jobs as stored_jobs

    if state is not None and state not in JOB_STATES:
        raise fail(f"--state {state!r} is not one of {', '.join(JOB_STATES)}")
    with store_session(workspace) as (session, ws):
        jobs = stored_jobs(session, ws.id, state=state, limit=limit)
        table = Table()
        for column in ("id", "kind", "state", "progress", "queued", "message"):
            table.add_column(column)
        for job in jobs:
            shown = job.state + (" (stopping)" if job.state == "running" and job.cancel_requested_at else "")
            table.add_row(
                str(job.id),
                job.kind,
                shown,
                f"{job.progress:.0%}",
                job.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                escape(job.message or ""),
            )
    console.print(table)


@jobs_app.command("cancel")
def cancel(job_id: int, workspace: WorkspaceOption) -> None:
    """Cancel a job: a queued one at once; a running one stops at its next checkpoint (the server
    running it sees the request within a heartbeat) and removes its partial outputs."""
    from service.config import get_settings
    from service.errors import ProblemError
    from service.jobs import cancel_job

    with store_session(workspace) as (session, ws):
        try:
            job = cancel_job(session, get_settings(), ws.id, job_id, None)
        except ProblemError as exc:
            raise fail(exc.detail) from exc
        state = job.state
    if state == "cancelled":
        typer.echo(f"job {job_id} cancelled")
    else:
        typer.echo(
            f"job {job_id} is running: it stops at its next checkpoint and removes its partial outputs"
        )
