"""Persisted background jobs: retraining and large ingests.

Jobs are rows of the ``job`` table (``kind`` ``training`` or ``ingest``: one queue serves both),
written only through :mod:`service.store.repositories`. Their files live in
``<data_dir>/jobs/<id>/``. A request creates the row in state ``queued`` and commits; a worker
thread in every server process claims queued jobs from the database (one at a time, with an
``UPDATE ... WHERE state = 'queued'`` so two processes never run the same job), runs them, and
writes progress, a heartbeat every ``job_heartbeat_seconds`` and the result.

Because the queue is the table, a job queued just before a restart is run after it. A job that
was *running* when its process died keeps a stale heartbeat: at start-up and then every minute,
running jobs whose heartbeat is older than ``job_stale_after_seconds`` are marked ``failed`` with
the reason, so no job stays "running" forever. A graceful shutdown marks the job it interrupts
failed at once.

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

from models.labels import INTENTS
from service.comment_analysis import analyze_notes
from service.config import Settings
from service.ingest import FileSummary, IngestProgress, IngestSummary, ingest_file
from service.ingest.core import ImportOptions, import_order
from service.metrics import ApiMetrics
from service.serving import ModelHolder, record_trained, serving_versions
from service.store.repositories import (
    beat_job,
    claim_queued_job,
    fail_stale_jobs,
    finish_job,
    get_note_by_platform_id,
    list_labelled_examples,
)
from service.store.types import utcnow

log = logging.getLogger("redlens.jobs")

_SWEEP_EVERY_SECONDS = 60.0
_POLL_SECONDS = 1.0
_SHUTDOWN_GRACE_SECONDS = 10.0


class JobFailed(Exception):
    """A job cannot complete; the message is shown to the user as the job's ``message``."""


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

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0..1); the heartbeat thread persists it."""
        with self._lock:
            if math.isfinite(fraction):
                self.fraction = min(max(float(fraction), self.fraction), 0.999)
            if message is not None:
                self.message = message[:500]

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


# --------------------------------------------------------------------------- the runner


class JobRunner:
    """Two threads per process: the worker claims and runs queued jobs (one at a time, with a
    heartbeat thread per job); the housekeeper sweeps stale jobs every minute and calls
    ``on_tick`` every second (the app follows model promotions made by other processes there),
    so neither waits for a long training job to end."""

    def __init__(
        self,
        services: JobServices,
        handlers: Mapping[str, Handler] | None = None,
        *,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.handlers: dict[str, Handler] = dict(handlers or DEFAULT_HANDLERS)
        self.on_tick = on_tick
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._housekeeper: threading.Thread | None = None
        self._current: JobContext | None = None
        self._last_sweep = -math.inf

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def start(self) -> None:
        self.fail_stale()
        self._last_sweep = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="redlens-jobs", daemon=True)
        self._thread.start()
        self._housekeeper = threading.Thread(
            target=self._housekeeping, name="redlens-housekeeping", daemon=True
        )
        self._housekeeper.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, grace: float = _SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop after the running job (waiting up to ``grace`` s); a job still running is marked failed."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=grace)
        if self._housekeeper is not None:
            self._housekeeper.join(timeout=2)
        ctx = self._current
        if ctx is not None:
            self._finish(ctx, "failed", message="interrupted: the server shut down while the job was running")

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

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ctx = self._claim()
                if ctx is not None:
                    self._run(ctx)
                    continue
            except Exception:  # the worker must survive anything; the job's own errors are handled in _run
                log.exception("job runner failed to claim a job")
            self._wake.wait(_POLL_SECONDS)
            self._wake.clear()

    def _housekeeping(self) -> None:
        while not self._stop.wait(_POLL_SECONDS):
            try:
                if self.on_tick is not None:
                    self.on_tick()
                now = time.monotonic()
                if now - self._last_sweep >= _SWEEP_EVERY_SECONDS:
                    self._last_sweep = now
                    self.fail_stale()
            except Exception:
                log.exception("job housekeeping failed")

    def _claim(self) -> JobContext | None:
        """System-level: take the oldest queued job in one UPDATE, so two processes never take the
        same job and the transaction starts by writing (see :func:`service.deps.start_writing`)."""
        with self.services.session_factory() as session, session.begin():
            job = claim_queued_job(session)
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

    def _persist_progress(self, ctx: JobContext) -> None:
        fraction, message = ctx.snapshot()
        try:
            with self.services.session_factory() as session, session.begin():
                beat_job(session, ctx.workspace_id, ctx.job_id, progress=fraction, message=message)
        except SQLAlchemyError as exc:  # e.g. SQLite busy while the job writes: next beat retries
            log.debug("heartbeat of job %d skipped: %s", ctx.job_id, exc)

    def _run(self, ctx: JobContext) -> None:
        self._current = ctx
        done = threading.Event()
        beater = threading.Thread(
            target=self._beat, args=(ctx, done), name=f"redlens-job-{ctx.job_id}-beat", daemon=True
        )
        beater.start()
        try:
            handler = self.handlers.get(ctx.kind)
            if handler is None:
                raise JobFailed(f"unknown job kind {ctx.kind!r}; known: {sorted(self.handlers)}")
            result = handler(ctx)
        except JobFailed as exc:
            self._finish(ctx, "failed", message=str(exc))
        except Exception as exc:
            log.exception("job %d (%s) failed", ctx.job_id, ctx.kind)
            self._finish(ctx, "failed", message=f"internal error: {type(exc).__name__}: {str(exc)[:300]}")
        else:
            self._finish(ctx, "succeeded", message="done", result=result)
        finally:
            done.set()
            beater.join(timeout=5)
            self._current = None
            if ctx.kind == "ingest":  # uploads are the brand's data: keep them no longer than needed
                shutil.rmtree(ctx.files_dir, ignore_errors=True)

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

        summary.files.append(
            _ingest_one(services, workspace_id, paths[index], names[index], progress=on_file, **options)
        )
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
    return out


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


def run_training_job(ctx: JobContext) -> dict[str, Any]:
    from training.labelled import LabelFileError, read_labelled_file
    from training.train import retrain

    settings = ctx.services.settings
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
            serving_versions(session, ctx.services.holder, ctx.workspace_id)
            if ctx.services.holder.models is not None
            else None
        )
    result = retrain(
        extra,
        tasks=tasks,
        current_versions=serving,
        models_dir=settings.models_dir,
        corpus_dir=settings.training_corpus_dir,
        with_public=settings.training_public_data,
        grid=False,
        progress=lambda stage, fraction: ctx.progress(fraction, stage),
    )
    with ctx.services.session_factory() as session, session.begin():
        for task, entry in result.tasks.items():
            record_trained(
                session,
                ctx.workspace_id,
                task,
                str(entry["version"]),
                settings.models_dir,
                entry.get("metrics"),
            )
    return {
        "tasks": result.tasks,
        "extra_rows": len(extra),
        "row_errors": errors[:100],
        "row_errors_total": len(errors),
    }


DEFAULT_HANDLERS: dict[str, Handler] = {"training": run_training_job, "ingest": run_ingest_job}
