"""Retraining jobs: upload labelled comments, follow progress, compare new and current metrics."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from service.bodies import CheckedJSONRoute
from service.deps import ReadPrincipal, SessionDep, TrainingJobDep
from service.errors import InvalidInput, UnsupportedMediaType, problem_responses
from service.routes.ingest import shown_name
from service.routes.jobs import JobStarterDep, job_out
from service.schemas import JobListOut, JobOut
from service.store.repositories import count_labelled_examples, list_jobs

router = APIRouter(
    prefix="/training-jobs",
    tags=["training"],
    responses=problem_responses(401, 403, 404, 413, 422, 429),
    route_class=CheckedJSONRoute,
)

LABEL_SUFFIXES = (".csv", ".json")
TASKS = ("sentiment", "intents")


def _tasks(raw: str) -> list[str]:
    tasks = [t.strip() for t in raw.replace(";", ",").split(",") if t.strip()]
    if "all" in tasks:
        return list(TASKS)
    unknown = [t for t in tasks if t not in TASKS]
    if unknown or not tasks:
        raise InvalidInput(f"tasks {unknown or raw!r} not accepted: use sentiment, intents or all")
    return sorted(set(tasks), key=TASKS.index)


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    summary="Start a training job from labelled comments (CSV or Label Studio JSON)",
    responses=problem_responses(415),
)
def start(
    starter: JobStarterDep,
    file: Annotated[
        UploadFile | None,
        File(
            description="CSV with text and label columns (sentiment/label, intents or one column per intent), "
            "or a Label Studio JSON export; optional when the workspace has stored labelled examples"
        ),
    ] = None,
    tasks: Annotated[str, Form(description="sentiment, intents or all (comma-separated)")] = "all",
) -> JSONResponse:
    """Retrains with the workspace's labelled examples plus the upload added to the training side;
    the job's result compares the new versions with the current ones on the same test rows. New
    versions are not promoted: an admin key promotes them with POST /v1/models/{version}/promote."""
    params: dict[str, Any] = {"tasks": _tasks(tasks)}
    if file is not None and file.filename:
        params["upload"] = _stage_labels(file, starter.staging)
    elif count_labelled_examples(starter.session, starter.principal.workspace_id) == 0:
        raise InvalidInput("no labelled data: upload a file, or label comments in the workspace first")
    return starter.queue("training", params)


def _stage_labels(file: UploadFile, staging: Path) -> dict[str, Any]:
    """Store an uploaded labelled file in ``staging`` once it reads; what the job's params say of it."""
    from training.labelled import LabelFileError, read_labelled_file

    name = shown_name(file.filename, 0)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in LABEL_SUFFIXES:
        raise UnsupportedMediaType(f"{name}: use a .csv file or a Label Studio .json export")
    staging.mkdir(parents=True, exist_ok=True)
    stored = staging / f"labels{suffix}"
    with stored.open("wb") as out:
        shutil.copyfileobj(file.file, out, length=1 << 20)
    try:
        frame, errors = read_labelled_file(stored, name)
    except LabelFileError as exc:
        raise InvalidInput(str(exc)) from exc
    if frame.empty:
        raise InvalidInput(f"{name}: no usable labelled row ({len(errors)} rejected)", row_errors=errors[:20])
    return {
        "name": name,
        "stored": stored.name,
        "bytes": stored.stat().st_size,
        "rows": len(frame),
        "rejected": len(errors),
    }


@router.get("", response_model=JobListOut, summary="Training jobs of the workspace")
def list_all(principal: ReadPrincipal, session: SessionDep) -> JobListOut:
    """Newest first."""
    jobs = list_jobs(session, principal.workspace_id, kind="training", limit=50)
    return JobListOut(items=[job_out(j) for j in jobs])


@router.get("/{job_id}", response_model=JobOut, summary="A training job: state, progress, metrics when done")
def get_one(job: TrainingJobDep) -> JobOut:
    """When succeeded, ``result.tasks.<task>`` holds ``version`` and ``metrics`` of the new model next
    to ``current_version`` and ``current_metrics`` computed on the same test rows."""
    return job_out(job)
