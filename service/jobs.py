"""Persisted background jobs: retraining and large ingests.

Jobs are rows of the ``job`` table (``kind`` ``training`` or ``ingest``), written only through
:mod:`service.store.repositories`. Their files live in ``<data_dir>/jobs/<id>/``. A request creates
the row in state ``queued`` and commits (:func:`queue_job`: a workspace holds at most
``job_max_queued_per_workspace`` queued jobs); worker threads in every server process claim queued
jobs from the database (with an ``UPDATE ... WHERE state = 'queued'`` so two processes never run
the same job), run them, and write progress, a heartbeat every ``job_heartbeat_seconds`` and the
result.

Fairness. Each process runs one worker per *lane*: ingests in one, trainings in the other, so an
ingest never waits behind a training. Within a lane workspaces take turns (the workspace whose
latest claim is the oldest goes next, see :func:`~service.store.repositories.claim_queued_job`),
so one workspace's queue of trainings delays another's by one job at most.

Cancelling (:func:`cancel_job`). A queued job is cancelled at once and its files removed. A running
job gets ``cancel_requested_at``; the heartbeat thread of the process running it sees the flag (the
process that took the request is told directly), and the job stops at its next progress
checkpoint (:meth:`JobContext.progress` raises :class:`JobCancelled`), removes its partial outputs
and ends ``cancelled``.

Because the queue is the table, a job queued just before a restart is run after it. A job that
was *running* when its process died keeps a stale heartbeat: at start-up and then every minute,
running jobs whose heartbeat is older than ``job_stale_after_seconds`` are marked ``failed`` with
the reason, so no job stays "running" forever; the same sweep removes what interrupted jobs and
model saves left on disk. A graceful shutdown marks the jobs it interrupts failed at once.

Progress is written by the heartbeat thread, not by the job itself, and not while an ingest is
in a file's write phase: that transaction is long, and on SQLite a second writer (even from the
same job) would wait on it or break it. Every job-table write of the runner is one guarded
``UPDATE`` that starts its transaction, so it never trips SQLite's "read, then write after someone
else committed" error.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Unpack

import pandas as pd
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models.artifacts import (
    ArtifactError,
    copy_version,
    current_version,
    find_version,
    link_or_copy,
    read_card,
)
from models.labels import INTENTS, TASKS
from service.comment_analysis import analyze_notes
from service.config import Settings
from service.errors import Conflict, JobQueueFull, NotFound
from service.ingest import FileSummary, IngestProgress, IngestSummary, ingest_file
from service.ingest.core import ImportOptions, import_order
from service.metrics import ApiMetrics
from service.serving import ModelHolder, clean_model_folders, record_trained, serving_versions
from service.store.repositories import (
    active_job_ids,
    beat_job,
    cancel_queued_job,
    claim_queued_job,
    count_queued_jobs,
    create_job,
    fail_stale_jobs,
    finish_job,
    get_campaign_by_name,
    get_job,
    get_note,
    get_note_by_platform_id,
    job_cancel_requested,
    list_labelled_examples,
    lock_workspace,
    request_job_cancel,
)
from service.store.retry import retry_when_locked
from service.store.tables import Job
from service.store.types import utcnow

log = logging.getLogger("redlens.jobs")

_SWEEP_EVERY_SECONDS = 60.0
_POLL_SECONDS = 1.0
_SHUTDOWN_GRACE_SECONDS = 10.0
LANES: dict[str, tuple[str, ...]] = {"ingest": ("ingest",), "training": ("training",)}
"""One worker per lane and process: a lane's jobs never wait behind another lane's."""
QUEUE_FULL_RETRY_AFTER_SECONDS = 30


class JobFailed(Exception):
    """A job cannot complete; the message is shown to the user as the job's ``message``."""


class JobCancelled(Exception):
    """The workspace cancelled the job; raised at the job's next progress checkpoint."""


@dataclass
class JobServices:
    """What handlers need, shared by the app and its runner."""

    session_factory: sessionmaker[Session]
    holder: ModelHolder
    settings: Settings
    metrics: ApiMetrics


@dataclass
class JobContext:
    job_id: int
    workspace_id: int
    kind: str
    params: dict[str, Any]
    files_dir: Path
    services: JobServices
    fraction: float = 0.0
    message: str | None = None
    quiet: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cancel: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0..1); the heartbeat thread persists it. A checkpoint: raises
        :class:`JobCancelled` once the job was asked to stop."""
        with self._lock:
            if math.isfinite(fraction):
                self.fraction = min(max(float(fraction), self.fraction), 0.999)
            if message is not None:
                self.message = message[:500]
        self.checkpoint()

    def checkpoint(self) -> None:
        """Raise :class:`JobCancelled` if the job was asked to stop."""
        if self._cancel.is_set():
            raise JobCancelled(
                f"cancelled at {self.fraction:.0%}" + (f" ({self.message})" if self.message else "")
            )

    def request_cancel(self) -> None:
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def set_quiet(self, quiet: bool) -> None:
        """Hold heartbeat writes (while the job itself holds a long write transaction)."""
        self.quiet = quiet

    def snapshot(self) -> tuple[float, str | None]:
        with self._lock:
            return self.fraction, self.message


Handler = Callable[[JobContext], dict[str, Any]]


def jobs_root(settings: Settings) -> Path:
    return settings.data_dir / "jobs"


def job_dir(settings: Settings, job_id: int) -> Path:
    return jobs_root(settings) / str(job_id)


# --------------------------------------------------------------------------- queue and cancel


def queue_job(
    session: Session, settings: Settings, workspace_id: int, kind: str, params: Mapping[str, Any]
) -> Job:
    """Queue a job of the workspace, or refuse (:class:`~service.errors.JobQueueFull`) when it
    already has ``job_max_queued_per_workspace`` queued jobs. Call it before anything else in the
    transaction (after :func:`service.deps.start_writing`): its first statement locks the
    workspace's queue, so concurrent requests cannot both take the last place."""
    lock_workspace(session, workspace_id)
    queued = count_queued_jobs(session, workspace_id)
    cap = settings.job_max_queued_per_workspace
    if queued >= cap:
        raise JobQueueFull(
            f"this workspace already has {queued} queued jobs, the most it may have "
            f"(REDLENS_JOB_MAX_QUEUED_PER_WORKSPACE={cap}); wait for one to start, or cancel one "
            "(POST /v1/jobs/{id}/cancel)",
            retry_after=QUEUE_FULL_RETRY_AFTER_SECONDS,
        )
    return create_job(session, workspace_id, kind, params)


def cancel_job(
    session: Session, settings: Settings, workspace_id: int, job_id: int, runner: JobRunner | None
) -> Job:
    """Cancel a job of the workspace and return it: a queued one now (``cancelled``, files removed);
    a running one is asked to stop (it stays ``running`` with ``cancel_requested_at`` until its
    next checkpoint). A cancelled job is returned as it is; a finished one is a conflict. Commits."""
    if session.in_transaction():
        session.commit()  # the updates below must start the transaction (see service.deps.start_writing)
    if cancel_queued_job(session, workspace_id, job_id, "cancelled before it started"):
        session.commit()
        shutil.rmtree(job_dir(settings, job_id), ignore_errors=True)
    elif request_job_cancel(session, workspace_id, job_id):
        session.commit()
        if runner is not None:
            runner.cancel(job_id)
    job = get_job(session, workspace_id, job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist in this workspace")
    if job.state in ("succeeded", "failed"):
        raise Conflict(f"job {job_id} already {job.state}: there is nothing to cancel")
    return job


# --------------------------------------------------------------------------- the runner


class JobRunner:
    """Threads per process: one worker per lane (see :data:`LANES`) claims and runs that lane's
    queued jobs one at a time, with a heartbeat thread per job; the housekeeper sweeps stale jobs
    and leftovers every minute and calls ``on_tick`` every second (the app follows model
    promotions made by other processes there), so none waits for a long training job to end."""

    def __init__(
        self,
        services: JobServices,
        handlers: Mapping[str, Handler] | None = None,
        *,
        on_tick: Callable[[], None] | None = None,
        lanes: Mapping[str, Sequence[str]] = LANES,
    ) -> None:
        self.services = services
        self.handlers: dict[str, Handler] = dict(handlers or DEFAULT_HANDLERS)
        self.on_tick = on_tick
        self.lanes = {name: tuple(kinds) for name, kinds in lanes.items()}
        self._wake = {name: threading.Event() for name in self.lanes}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._housekeeper: threading.Thread | None = None
        self._current: dict[str, JobContext] = {}
        self._last_sweep = -math.inf

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def start(self) -> None:
        self.fail_stale()
        self.clean_leftovers()
        self._last_sweep = time.monotonic()
        for lane in self.lanes:
            thread = threading.Thread(
                target=self._loop, args=(lane,), name=f"redlens-jobs-{lane}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self._housekeeper = threading.Thread(
            target=self._housekeeping, name="redlens-housekeeping", daemon=True
        )
        self._housekeeper.start()

    def wake(self) -> None:
        for event in self._wake.values():
            event.set()

    def cancel(self, job_id: int) -> bool:
        """Tell the job, if this process runs it, to stop at its next checkpoint."""
        for ctx in list(self._current.values()):
            if ctx.job_id == job_id:
                ctx.request_cancel()
                return True
        return False

    def stop(self, grace: float = _SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop after the running jobs (waiting up to ``grace`` s); a job still running is marked
        failed, and told to stop at its next checkpoint (removing its partial outputs) rather than
        run on in the background of a process that is going away."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + grace
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._housekeeper is not None:
            self._housekeeper.join(timeout=2)
        for ctx in list(self._current.values()):
            self._finish(ctx, "failed", message="interrupted: the server shut down while the job was running")
            ctx.request_cancel()

    def fail_stale(self) -> int:
        """Mark running jobs without a recent heartbeat failed (their process is gone)."""
        cutoff = utcnow() - timedelta(seconds=self.settings.job_stale_after_seconds)
        message = (
            "interrupted: no heartbeat for over "
            f"{self.settings.job_stale_after_seconds:.0f} s (the server stopped while it ran); start it again"
        )
        with self.services.session_factory() as session, session.begin():
            count = fail_stale_jobs(session, cutoff, message)
        if count:
            log.warning("marked %d interrupted job(s) failed", count)
            self.services.metrics.jobs_finished.labels("any", "interrupted").inc(count)
        return count

    def clean_leftovers(self) -> list[Path]:
        """Remove what interrupted jobs and model saves left on disk: temporary and incomplete model
        version folders (:func:`~service.serving.clean_model_folders`), and the model staging
        folders of jobs that are no longer queued or running."""
        removed = clean_model_folders(self.settings)
        root = jobs_root(self.settings)
        staged = {int(p.parent.name): p for p in root.glob(f"*/{STAGING_DIR}") if p.parent.name.isdigit()}
        if staged:
            with self.services.session_factory() as session:
                active = active_job_ids(session, staged)
            for job_id, path in staged.items():
                if job_id not in active:
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
        for path in removed:
            log.warning("removed %s, left by an interrupted save or job", path)
        return removed

    def _loop(self, lane: str) -> None:
        wake = self._wake[lane]
        while not self._stop.is_set():
            try:
                ctx = self._claim(lane)
                if ctx is not None:
                    self._run(lane, ctx)
                    continue
            except Exception:  # the worker must survive anything; the job's own errors are handled in _run
                log.exception("job runner failed to claim a job")
            wake.wait(_POLL_SECONDS)
            wake.clear()

    def _housekeeping(self) -> None:
        while not self._stop.wait(_POLL_SECONDS):
            try:
                if self.on_tick is not None:
                    self.on_tick()
                now = time.monotonic()
                if now - self._last_sweep >= _SWEEP_EVERY_SECONDS:
                    self._last_sweep = now
                    self.fail_stale()
                    self.clean_leftovers()
            except Exception:
                log.exception("job housekeeping failed")

    def _claim(self, lane: str) -> JobContext | None:
        """System-level: take the lane's next queued job (fair across workspaces) in one UPDATE, so
        two processes never take the same job and the transaction starts by writing."""
        with self.services.session_factory() as session, session.begin():
            job = claim_queued_job(session, self.lanes[lane])
            if job is None:
                return None
            return JobContext(
                job_id=job.id,
                workspace_id=job.workspace_id,
                kind=job.kind,
                params=dict(job.params or {}),
                files_dir=job_dir(self.settings, job.id),
                services=self.services,
            )

    def _beat(self, ctx: JobContext, done: threading.Event) -> None:
        while not done.wait(self.settings.job_heartbeat_seconds):
            if not ctx.quiet:
                self._persist_progress(ctx)
            self._check_cancel(ctx)

    def _persist_progress(self, ctx: JobContext) -> None:
        fraction, message = ctx.snapshot()
        try:
            with self.services.session_factory() as session, session.begin():
                beat_job(session, ctx.workspace_id, ctx.job_id, progress=fraction, message=message)
        except SQLAlchemyError as exc:  # e.g. SQLite busy while the job writes: next beat retries
            log.debug("heartbeat of job %d skipped: %s", ctx.job_id, exc)

    def _check_cancel(self, ctx: JobContext) -> None:
        """Pass a cancel requested through another process on to the job (a read: never blocks)."""
        if ctx.cancel_requested:
            return
        try:
            with self.services.session_factory() as session:
                if job_cancel_requested(session, ctx.workspace_id, ctx.job_id):
                    ctx.request_cancel()
        except SQLAlchemyError as exc:
            log.debug("cancel check of job %d skipped: %s", ctx.job_id, exc)

    def _run(self, lane: str, ctx: JobContext) -> None:
        """Run the job, then record how it ended; its heartbeat has stopped and an ingest's uploads
        are gone by then, so whoever sees the job finished sees it tidy."""
        self._current[lane] = ctx
        done = threading.Event()
        beater = threading.Thread(
            target=self._beat, args=(ctx, done), name=f"redlens-job-{ctx.job_id}-beat", daemon=True
        )
        beater.start()
        try:
            state, message, result = self._outcome(ctx)
        finally:
            done.set()
            beater.join(timeout=5)
            if ctx.kind == "ingest":  # uploads are the brand's data: keep them no longer than needed
                shutil.rmtree(ctx.files_dir, ignore_errors=True)
        try:
            self._finish(ctx, state, message=message, result=result)
        finally:
            self._current.pop(lane, None)

    def _outcome(self, ctx: JobContext) -> tuple[str, str, dict[str, Any] | None]:
        """Run the job's handler: its final state, message and result."""
        try:
            self._check_cancel(ctx)
            ctx.checkpoint()
            handler = self.handlers.get(ctx.kind)
            if handler is None:
                raise JobFailed(f"unknown job kind {ctx.kind!r}; known: {sorted(self.handlers)}")
            result = handler(ctx)
        except JobCancelled as exc:
            return "cancelled", str(exc), None
        except JobFailed as exc:
            return "failed", str(exc), None
        except Exception as exc:
            log.exception("job %d (%s) failed", ctx.job_id, ctx.kind)
            return "failed", f"internal error: {type(exc).__name__}: {str(exc)[:300]}", None
        late = " (the cancel came after the work was done)" if ctx.cancel_requested else ""
        return "succeeded", "done" + late, result

    def _finish(
        self, ctx: JobContext, state: str, *, message: str | None = None, result: dict[str, Any] | None = None
    ) -> None:
        for attempt in range(5):
            try:
                with self.services.session_factory() as session, session.begin():
                    if not finish_job(
                        session, ctx.workspace_id, ctx.job_id, state=state, message=message, result=result
                    ):
                        return  # already marked (shutdown or stale sweep): never revive a job
                self.services.metrics.jobs_finished.labels(ctx.kind, state).inc()
                return
            except SQLAlchemyError as exc:
                log.warning(
                    "could not record the end of job %d (attempt %d): %s", ctx.job_id, attempt + 1, exc
                )
                time.sleep(0.5 * (attempt + 1))


# --------------------------------------------------------------------------- ingestion


def _touched_note_ids(session: Session, workspace_id: int, summary: IngestSummary) -> list[int]:
    ids: list[int] = []
    seen: set[str] = set()
    for file in summary.files:
        if file.kind not in ("comments", "notes"):
            continue
        for cov in file.coverage:
            if cov.note_id in seen:
                continue
            seen.add(cov.note_id)
            note = get_note_by_platform_id(session, workspace_id, cov.note_id)
            if note is not None:
                ids.append(note.id)
    return ids


_LOCK_RETRIES = 4


def _ingest_one(
    services: JobServices,
    workspace_id: int,
    path: Path,
    name: str,
    *,
    progress: Callable[[IngestProgress], None],
    **options: Unpack[ImportOptions],
) -> FileSummary:
    """One file in its own transaction, retried when SQLite reports the database busy.

    The ingest layer reads before it writes inside its transaction; on SQLite such a transaction
    cannot write once another connection (another request, a heartbeat) committed in between, and
    the file is rolled back whole. Importing it again is safe (imports are idempotent) and the
    retry reports what the successful attempt did.
    """
    for attempt in range(_LOCK_RETRIES):
        try:
            return ingest_file(
                services.session_factory, workspace_id, path, progress=progress, display_name=name, **options
            )
        except OperationalError as exc:
            if attempt == _LOCK_RETRIES - 1:
                summary = FileSummary(path=name)
                summary.failed = f"{name}: the database stayed busy ({exc.orig}); import the file again"
                return summary
            log.info("database busy while importing %s; retrying (%d)", name, attempt + 1)
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def ingest_and_analyze(
    services: JobServices,
    workspace_id: int,
    paths: Sequence[Path],
    names: Sequence[str],
    *,
    campaign: str | None = None,
    kol: str | None = None,
    as_of: date | None = None,
    progress: Callable[[float, str], None] | None = None,
    writing: Callable[[bool], None] | None = None,
) -> dict[str, Any]:
    """Import files (notes first, then comments, then snapshots and economics, as
    :func:`service.ingest.ingest_paths` orders them), then analyse the comments of every note they
    touched with the serving models. ``writing(True/False)`` is told when a file's write phase
    starts and ends (the job runner holds its heartbeat meanwhile)."""
    planned = import_order(paths)
    options = ImportOptions(campaign=campaign, kol=kol, as_of=as_of)
    summary = IngestSummary(workspace_id=workspace_id)
    for position, index in enumerate(planned):

        def on_file(p: IngestProgress, position: int = position) -> None:
            if writing is not None:
                writing(p.stage == "writing")
            if progress is not None:
                progress(0.8 * (position + p.fraction) / len(planned), f"{p.stage} {p.path}")

        try:
            summary.files.append(
                _ingest_one(services, workspace_id, paths[index], names[index], progress=on_file, **options)
            )
        except JobCancelled as exc:
            kept = [f.path for f in summary.files if not f.failed]
            raise JobCancelled(
                f"{exc}: nothing of {names[index]} was imported"
                + (f"; {', '.join(kept)} had been imported before and are kept" if kept else "")
            ) from exc
        finally:
            if writing is not None:
                writing(False)
    analysed = 0
    with services.session_factory() as session:
        note_ids = _touched_note_ids(session, workspace_id, summary)
        models = services.holder.for_workspace_if_loaded(session, workspace_id)
    if models is not None and note_ids:
        if progress is not None:
            progress(0.8, f"analysing comments of {len(note_ids)} notes")
        analysed = analyze_notes(services.session_factory, workspace_id, note_ids, models)
        services.metrics.comments_analyzed.labels("ingest").inc(analysed)
    out = summary.to_dict()
    out.pop("workspace_id", None)
    out["comments_analyzed"] = analysed
    out["model_version"] = None if models is None else models.version
    with services.session_factory() as session:
        out["touched"] = touched_rows(session, workspace_id, note_ids, campaign)
    return out


MAX_TOUCHED_LINKS = 50


def touched_rows(
    session: Session, workspace_id: int, note_ids: Sequence[int], campaign: str | None
) -> dict[str, list[dict[str, Any]]]:
    """The notes an import touched, their KOLs and the campaign it named, with their pages."""
    notes = [n for n in (get_note(session, workspace_id, i) for i in note_ids[:MAX_TOUCHED_LINKS]) if n]
    kols = {}
    for note in notes:
        if note.kol is not None and note.kol.id not in kols:
            k = note.kol
            kols[k.id] = {
                "id": k.id,
                "name": k.nickname or k.platform_user_id,
                "platform_id": k.platform_user_id,
                "url": f"/kols/{k.id}",
                "needs_figures": k.followers is None,
            }
    found = get_campaign_by_name(session, workspace_id, campaign) if campaign else None
    return {
        "kols": list(kols.values()),
        "notes": [
            {"id": n.id, "name": n.title or n.platform_note_id, "url": f"/notes/{n.id}"} for n in notes
        ],
        "campaigns": [{"id": found.id, "name": found.name, "url": f"/campaigns/{found.id}"}] if found else [],
    }


def run_ingest_job(ctx: JobContext) -> dict[str, Any]:
    files = ctx.params.get("files") or []
    paths = [ctx.files_dir / str(f["stored"]) for f in files]
    missing = [str(p.name) for p in paths if not p.exists()]
    if missing:
        raise JobFailed(f"uploaded files are missing from {ctx.files_dir}: {missing}")
    as_of = ctx.params.get("as_of")
    return ingest_and_analyze(
        ctx.services,
        ctx.workspace_id,
        paths,
        [str(f["name"]) for f in files],
        campaign=ctx.params.get("campaign"),
        kol=ctx.params.get("kol"),
        as_of=date.fromisoformat(as_of) if as_of else None,
        progress=ctx.progress,
        writing=ctx.set_quiet,
    )


# --------------------------------------------------------------------------- training


def labelled_frame(session: Session, workspace_id: int) -> pd.DataFrame:
    """The workspace's stored labelled examples in the shape :func:`training.train.retrain` takes."""
    rows = []
    for example in list_labelled_examples(session, workspace_id):
        intents = example.intents or {}
        rows.append(
            {
                "text": example.text,
                "sentiment": example.sentiment,
                **{i: (1.0 if intents[i] else 0.0) if i in intents else math.nan for i in INTENTS},
            }
        )
    return pd.DataFrame(rows, columns=["text", "sentiment", *INTENTS])


STAGING_DIR = "models"
"""Under a training job's folder: the models folder its retraining reads the current versions from
and saves the new ones into; only complete new versions leave it, for the workspace's folder."""


def _stage_current_versions(
    holder: ModelHolder, workspace_id: int, currents: Mapping[str, str], staging: Path
) -> None:
    """Make ``staging`` a models folder holding the versions ``currents`` names and the base files
    their cards name (hard links where possible), so that the retraining, which reads and writes one
    folder, never writes into the shipped or the workspace's folder itself."""
    folders = holder.folders(workspace_id)
    for task, version in currents.items():
        try:
            source = find_version(task, version, folders)
            copy_version(task, version, source, staging, link=True)
        except ArtifactError as exc:
            log.warning("training compares with no %s version: %s", task, exc)
            continue
        base = read_card(task, version, source).get("base")
        relative = str(base.get("path", "")) if isinstance(base, dict) else ""
        if not relative.startswith("bases/") or "/" in relative[len("bases/") :]:
            continue
        target = staging / relative
        for folder in [source, *folders]:
            if (folder / relative).is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(folder / relative, target)


def _keep_new_versions(
    result_tasks: Mapping[str, Mapping[str, Any]], staging: Path, target: Path
) -> list[Path]:
    """Move the new versions (and any base file they brought) from ``staging`` into ``target``."""
    kept: list[Path] = []
    try:
        for task, entry in result_tasks.items():
            version = str(entry["version"])
            final = target / task / version
            final.parent.mkdir(parents=True, exist_ok=True)
            (staging / task / version).rename(final)
            kept.append(final)
        bases = staging / "bases"
        for file in bases.glob("*.npz") if bases.is_dir() else []:
            if not (target / "bases" / file.name).exists():
                (target / "bases").mkdir(parents=True, exist_ok=True)
                link_or_copy(file, target / "bases" / file.name)
    except BaseException:
        for path in kept:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return kept


def run_training_job(ctx: JobContext) -> dict[str, Any]:
    """Retrain on the workspace's labelled rows (and the upload) in a staging folder; the new
    versions land in the workspace's models folder (:func:`~service.serving.workspace_models_dir`),
    never in the shipped one. Cancelled or failed, it leaves no version behind."""
    from training.labelled import LabelFileError, read_labelled_file
    from training.train import retrain

    settings = ctx.services.settings
    holder = ctx.services.holder
    tasks = tuple(ctx.params.get("tasks") or ("sentiment", "intents"))
    frames = []
    errors: list[str] = []
    upload = ctx.params.get("upload")
    if upload:
        path = ctx.files_dir / str(upload["stored"])
        try:
            frame, errors = read_labelled_file(path, str(upload.get("name") or path.name))
        except LabelFileError as exc:
            raise JobFailed(str(exc)) from exc
        frames.append(frame)
    with ctx.services.session_factory() as session:
        stored = labelled_frame(session, ctx.workspace_id)
    if not stored.empty:
        frames.append(stored)
    extra = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not extra.empty:
        extra = extra.drop_duplicates("text", keep="first").reset_index(drop=True)
    if extra.empty:
        raise JobFailed("no labelled rows: upload a CSV (text + label columns) or a Label Studio export")
    ctx.progress(0.01, f"{len(extra)} labelled rows")
    with ctx.services.session_factory() as session:
        serving = (
            serving_versions(session, holder, ctx.workspace_id)
            if holder.models is not None
            else {task: v for task in TASKS if (v := current_version(task, settings.models_dir)) is not None}
        )
    staging = ctx.files_dir / STAGING_DIR
    target = holder.workspace_folder(ctx.workspace_id)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _stage_current_versions(holder, ctx.workspace_id, serving, staging)
        try:
            result = retrain(
                extra,
                tasks=tasks,
                current_versions=serving,
                models_dir=staging,
                corpus_dir=settings.training_corpus_dir,
                with_public=settings.training_public_data,
                grid=False,
                progress=lambda stage, fraction: ctx.progress(fraction, stage),
            )
            ctx.checkpoint()
        except JobCancelled as exc:
            raise JobCancelled(f"{exc}; no new version was kept") from exc
        kept = _keep_new_versions(result.tasks, staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    def record() -> None:
        with ctx.services.session_factory() as session, session.begin():
            for task, entry in result.tasks.items():
                record_trained(
                    session, ctx.workspace_id, task, str(entry["version"]), target, entry.get("metrics")
                )

    try:
        retry_when_locked(record, what=f"recording the versions of job {ctx.job_id}")
    except BaseException:
        for path in kept:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return {
        "tasks": result.tasks,
        "extra_rows": len(extra),
        "row_errors": errors[:100],
        "row_errors_total": len(errors),
    }


DEFAULT_HANDLERS: dict[str, Handler] = {"training": run_training_job, "ingest": run_ingest_job}
