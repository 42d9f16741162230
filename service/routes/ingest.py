"""Uploading export files (MediaCrawler, Spider_XHS, creator centre, RedLens CSVs)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile

from service.bodies import CheckedJSONRoute
from service.errors import InvalidInput, UnsupportedMediaType, problem_responses
from service.ingest.core import SUPPORTED_SUFFIXES
from service.jobs import ingest_and_analyze
from service.routes.jobs import JobStarterDep
from service.schemas import IngestOut, JobOut

router = APIRouter(
    tags=["ingest"], responses=problem_responses(401, 403, 413, 415, 422, 429), route_class=CheckedJSONRoute
)

MAX_FILES = 20
_UNSAFE = re.compile(r"[^\w.\- ()\[\]\u4e00-\u9fff]+")


def shown_name(raw: str | None, index: int) -> str:
    """A file name safe to show and log: no folders, no control characters, at most 120 chars."""
    name = Path((raw or "").replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .") or f"upload-{index + 1}"
    return name[-120:]


def save_uploads(files: list[UploadFile], folder: Path) -> list[dict[str, Any]]:
    """Write uploads as ``000.csv``, ``001.json``...; returns name, stored file and size of each."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for index, upload in enumerate(files):
        name = shown_name(upload.filename, index)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise UnsupportedMediaType(
                f"{name}: file type {suffix or '(none)'} is not read; accepted: {', '.join(SUPPORTED_SUFFIXES)}"
            )
        stored = f"{index:03d}{suffix}"
        with (folder / stored).open("wb") as out:
            shutil.copyfileobj(upload.file, out, length=1 << 20)
        saved.append({"name": name, "stored": stored, "bytes": (folder / stored).stat().st_size})
    return saved


@router.post(
    "/ingest",
    summary="Import export files; large uploads run as a job",
    response_model=IngestOut,
    responses={202: {"model": JobOut, "description": "accepted as a background job; poll the Location"}},
)
def ingest(
    starter: JobStarterDep,
    files: Annotated[
        list[UploadFile], File(description="one or more export files (.csv .json .jsonl .ndjson .xlsx .txt)")
    ],
    campaign: Annotated[
        str | None, Form(max_length=200, description="attach every note to this campaign")
    ] = None,
    kol: Annotated[
        str | None, Form(max_length=64, description="platform user id of a creator-centre export's account")
    ] = None,
    as_of: Annotated[date | None, Form(description="date of a creator-centre snapshot (YYYY-MM-DD)")] = None,
    mode: Annotated[
        Literal["auto", "job", "now"],
        Query(description="auto: a job when the upload is over the size threshold; job or now to choose"),
    ] = "auto",
) -> Any:
    """Import files of any format the ingest layer reads. Returns the summary with per-row errors,
    and analyses the imported comments with the serving model. Uploads over the size threshold
    (or ``mode=job``) are queued: 202 with the job, whose result is the same summary."""
    if not files:
        raise InvalidInput("no files uploaded: send them as multipart form field 'files'")
    if len(files) > MAX_FILES:
        raise InvalidInput(f"{len(files)} files in one upload; at most {MAX_FILES}")
    campaign, kol = (campaign or "").strip() or None, (kol or "").strip() or None
    saved = save_uploads(files, starter.staging)
    total = sum(item["bytes"] for item in saved)
    threshold = starter.services.settings.ingest_job_threshold_bytes
    if mode == "now" or (mode == "auto" and total <= threshold):
        return ingest_and_analyze(
            starter.services.job_services,
            starter.principal.workspace_id,
            [starter.staging / item["stored"] for item in saved],
            [item["name"] for item in saved],
            campaign=campaign,
            kol=kol,
            as_of=as_of,
        )
    params = {
        "files": saved,
        "bytes": total,
        "campaign": campaign,
        "kol": kol,
        "as_of": as_of.isoformat() if as_of else None,
    }
    return starter.queue("ingest", params)
