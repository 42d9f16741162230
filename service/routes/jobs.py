"""Background jobs of the workspace (ingests and trainings): list, follow, cancel."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.deps import (
    AppServices,
    JobDep,
    JobId,
    ReadPrincipal,
    ServicesDep,
    SessionDep,
    WritePrincipal,
    start_writing,
)
from service.errors import problem_responses
from service.jobs import cancel_job, job_dir, queue_job
from service.schemas import JobListOut, JobOut
from service.security import Principal
from service.store.repositories import list_jobs as stored_jobs
from service.store.tables import JOB_STATES, Job

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=problem_responses(401, 403, 429))


def job_out(job: Job) -> JobOut:
    out = JobOut.model_validate(job)
    params = out.params  # a copy of the stored parameters, without what is internal
    if out.kind == "ingest":  # stored file names are internal
        params["files"] = [{"name": f.get("name"), "bytes": f.get("bytes")} for f in params.get("files", [])]
    if out.kind == "training" and isinstance(params.get("upload"), dict):
        params["upload"] = {k: v for k, v in params["upload"].items() if k != "stored"}
    path = f"/v1/training-jobs/{job.id}" if out.kind == "training" else f"/v1/jobs/{job.id}"
    out.links = {"self": path, "cancel": f"/v1/jobs/{job.id}/cancel"}
    return out


class JobStarter:
    """A request of a workspace that may start a job (an ingest, a training): the folder its uploads
    are staged in, removed after the request (a queued job's files move to the job's folder)."""

    def __init__(self, principal: Principal, session: Session, services: AppServices) -> None:
        self.principal, self.session, self.services = principal, session, services
        self.staging = services.settings.data_dir / "uploads" / uuid.uuid4().hex

    def queue(self, kind: str, params: dict[str, Any]) -> JSONResponse:
        """Queue the job with the staged files, wake the runner; 202 with the job and its Location."""
        settings = self.services.settings
        start_writing(self.session)
        job = queue_job(self.session, settings, self.principal.workspace_id, kind, params)
        target = job_dir(settings, job.id)
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.staging.exists():
            shutil.move(str(self.staging), str(target))
        else:
            target.mkdir(parents=True, exist_ok=True)
        self.session.commit()
        if self.services.runner is not None:
            self.services.runner.wake()
        out = job_out(job)
        return JSONResponse(
            out.model_dump(mode="json"), status_code=202, headers={"Location": out.links["self"]}
        )


def job_starter(
    principal: WritePrincipal, session: SessionDep, services: ServicesDep
) -> Iterator[JobStarter]:
    starter = JobStarter(principal, session, services)
    try:
        yield starter
    finally:
        shutil.rmtree(starter.staging, ignore_errors=True)


JobStarterDep = Annotated[JobStarter, Depends(job_starter, scope="function")]


@router.get("", response_model=JobListOut, summary="Recent jobs of the workspace")
def list_jobs(
    principal: ReadPrincipal,
    session: SessionDep,
    state: Annotated[str | None, Query(pattern=f"^({'|'.join(JOB_STATES)})$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobListOut:
    """Newest first: ingest and training jobs with state and progress."""
    jobs = stored_jobs(session, principal.workspace_id, state=state, limit=limit)
    return JobListOut(items=[job_out(j) for j in jobs])


@router.get("/{job_id}", response_model=JobOut, summary="One job: state, progress, result")
def get_job(job: JobDep) -> JobOut:
    """State (queued, running, succeeded, failed, cancelled), progress 0-1, message, and the result
    when done."""
    return job_out(job)


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    summary="Cancel a job: a queued one at once, a running one at its next checkpoint",
    responses={
        202: {"model": JobOut, "description": "the job is running: it stops at its next checkpoint"},
        **problem_responses(404, 409),
    },
)
def cancel(
    job_id: JobId,
    principal: WritePrincipal,
    session: SessionDep,
    services: ServicesDep,
) -> JSONResponse:
    """200 with the job ``cancelled`` (a queued job, its uploaded files removed; or one cancelled
    before); 202 with the job still ``running`` and ``cancel_requested_at`` set: it stops at its
    next progress checkpoint, removes what it had written for the step in progress, and ends
    ``cancelled``. A job that already succeeded or failed is a 409; another workspace's job a 404."""
    job = cancel_job(session, services.settings, principal.workspace_id, job_id, services.runner)
    body = job_out(job)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if job.state == "cancelled" else 202)
