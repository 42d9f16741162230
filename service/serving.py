"""The serving comment models of one process, promotion and rollback, and cross-process sync.

Models are global to the deployment. ``models/registry.json`` (written by
:func:`models.artifacts.set_current`) is the source of truth for the current versions on this
machine; the ``model_version`` table carries them between processes:

* at start-up the process loads the registry's current versions and records them (and the
  registry's history) in the table, marking them current there;
* a promotion or rollback writes the registry and the table in one request, then swaps the
  process's models: the new :class:`~models.comments.CommentModels` is built completely (the
  unchanged task's pipeline is reused) and only then assigned, as one reference, so a request
  sees either the old pair or the new pair, never a mix;
* every process checks the table at most every ``model_check_seconds`` (the job runner's thread
  does it, never a request) and loads a version another process promoted, if it is on its disk.

The table queries here are system-level (models are not workspace data): the current version of
a task is the ``is_current`` row with the latest ``promoted_at`` in any scope, and promoting
clears ``is_current`` of every other row of that task. Versions trained by a workspace's job are
recorded with that workspace's id: other workspaces do not see or promote them.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models.artifacts import (
    ArtifactError,
    current_version,
    load_pipeline,
    read_card,
    read_registry,
    rollback,
    set_current,
    verify_artifact,
)
from models.comments import CommentModels
from models.labels import TASKS
from service.errors import Conflict, NotFound, ServiceUnavailable
from service.metrics import ApiMetrics
from service.store.repositories import create_model_version, get_model_version
from service.store.tables import ModelVersion
from service.store.types import utcnow

log = logging.getLogger("redlens.models")


class ModelHolder:
    """The process's serving models. Reading :attr:`models` is one attribute read (atomic)."""

    def __init__(self, models_dir: Path, metrics: ApiMetrics | None = None) -> None:
        self.models_dir = models_dir
        self.metrics = metrics
        self.models: CommentModels | None = None
        self.load_error: str | None = None
        self._swap_lock = threading.RLock()
        self._last_check = 0.0
        self._missing_logged: set[tuple[str, str]] = set()

    def require(self) -> CommentModels:
        models = self.models
        if models is None:
            raise ServiceUnavailable(
                "the comment models are not loaded"
                + (f": {self.load_error}" if self.load_error else "")
                + "; run `redlens models ensure` (or `make train`) and restart"
            )
        return models

    def set(self, models: CommentModels, reason: str) -> None:
        with self._swap_lock:
            self.models = models
            self.load_error = None
        if self.metrics is not None:
            self.metrics.model_swaps.labels(reason).inc()
            self.metrics.model_loaded.set(1)
        log.info("serving %s (%s)", models.version, reason)

    def load_current(self) -> CommentModels | None:
        """Load the registry's current versions; on failure keep the reason and serve nothing."""
        try:
            versions = {task: current_version(task, self.models_dir) for task in TASKS}
            missing = [task for task, v in versions.items() if v is None]
            if missing:
                raise ArtifactError(
                    f"no current {', '.join(missing)} model in {self.models_dir}/registry.json"
                )
            models = self.build(str(versions["sentiment"]), str(versions["intents"]))
        except ArtifactError as exc:
            self.load_error = str(exc)
            log.error("comment models not loaded: %s", exc)
            if self.metrics is not None:
                self.metrics.model_loaded.set(0)
            return None
        self.set(models, "startup")
        return models

    def build(self, sentiment_version: str, intents_version: str) -> CommentModels:
        """A complete model pair, reusing the loaded pipeline of a task whose version is unchanged."""
        current = self.models
        if current is not None and current.sentiment_version == sentiment_version:
            sentiment = current.sentiment
        else:
            sentiment, _ = load_pipeline("sentiment", sentiment_version, self.models_dir)
        if current is not None and current.intents_version == intents_version:
            intents = current.intents
        else:
            intents, _ = load_pipeline("intents", intents_version, self.models_dir)
        return CommentModels(
            sentiment=sentiment,
            intents=intents,
            sentiment_version=sentiment_version,
            intents_version=intents_version,
        )

    def swap_to(self, task: str, version: str, reason: str) -> CommentModels:
        """Serve ``version`` for ``task`` (the other task unchanged); swaps are serialised."""
        with self._swap_lock:
            current = self.require()
            versions = {
                "sentiment": current.sentiment_version,
                "intents": current.intents_version,
                task: version,
            }
            models = self.build(versions["sentiment"], versions["intents"])
            self.set(models, reason)
            return models

    def sync(self, factory: sessionmaker[Session], *, force: bool = False, interval: float = 10.0) -> bool:
        """Follow a promotion made by another process; returns True when the models changed."""
        now = time.monotonic()
        if not force and now - self._last_check < interval:
            return False
        self._last_check = now
        current = self.models
        if current is None:
            return False
        with factory() as session:
            wanted = table_current_versions(session)
        target = {
            "sentiment": wanted.get("sentiment", current.sentiment_version),
            "intents": wanted.get("intents", current.intents_version),
        }
        if (target["sentiment"], target["intents"]) == (current.sentiment_version, current.intents_version):
            return False
        for task, version in target.items():
            if not (self.models_dir / task / version).is_dir():
                if (task, version) not in self._missing_logged:
                    self._missing_logged.add((task, version))
                    log.warning(
                        "%s %s is current in the database but not on this machine's disk", task, version
                    )
                return False
        with self._swap_lock:
            try:
                models = self.build(target["sentiment"], target["intents"])
            except ArtifactError as exc:
                log.error("cannot load %s promoted by another process: %s", target, exc)
                return False
            self.set(models, "promoted elsewhere")
        return True


def table_current_versions(session: Session) -> dict[str, str]:
    """System-level: the current version of each task according to the table."""
    rows = session.execute(
        select(ModelVersion.task, ModelVersion.version)
        .where(ModelVersion.is_current.is_(True))
        .order_by(ModelVersion.promoted_at.desc().nulls_last(), ModelVersion.id.desc())
    ).all()
    out: dict[str, str] = {}
    for task, version in rows:
        out.setdefault(task, version)
    return out


def _card_metrics(card: dict[str, Any]) -> dict[str, Any] | None:
    metrics = card.get("metrics")
    return metrics if isinstance(metrics, dict) else None


def _ensure_row(
    session: Session, task: str, version: str, models_dir: Path, workspace_id: int | None
) -> ModelVersion:
    row = session.scalar(
        select(ModelVersion).where(ModelVersion.task == task, ModelVersion.version == version)
    )
    if row is not None:
        return row
    card = read_card(task, version, models_dir)
    return create_model_version(
        session,
        task,
        version,
        str(models_dir / task / version),
        str(card.get("artifact_sha256", "")),
        _card_metrics(card),
        workspace_id=workspace_id,
    )


def _mark_current(session: Session, row: ModelVersion) -> None:
    """Only writes before the row is touched: called first in a transaction, it takes the write
    lock before reading anything (SQLite; see :func:`service.deps.start_writing`)."""
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.task == row.task, ModelVersion.id != row.id)
        .values(is_current=False)
    )
    row.is_current = True
    row.promoted_at = utcnow()
    session.flush()


def _write_phase(session: Session) -> None:
    """End a read transaction so that the next statement, a write, starts a fresh one."""
    if session.in_transaction():
        session.commit()


def record_registry(session: Session, models_dir: Path) -> None:
    """Start-up: record the registry's versions (shipped scope unless already known) and mark its
    current versions current in the table (the registry is this machine's source of truth)."""
    registry = read_registry(models_dir)
    for task in TASKS:
        entry = registry.get(task) or {}
        for version in [*(entry.get("history") or []), entry.get("current")]:
            if version and (models_dir / task / str(version)).is_dir():
                _ensure_row(session, task, str(version), models_dir, None)
        current = entry.get("current")
        if current and (models_dir / task / str(current)).is_dir():
            row = _ensure_row(session, task, str(current), models_dir, None)
            if not row.is_current or table_current_versions(session).get(task) != row.version:
                _mark_current(session, row)


def record_trained(
    session: Session,
    workspace_id: int,
    task: str,
    version: str,
    models_dir: Path,
    metrics: dict[str, Any] | None,
) -> ModelVersion:
    """Record a version a workspace's training job saved (not current)."""
    card = read_card(task, version, models_dir)
    return create_model_version(
        session,
        task,
        version,
        str(models_dir / task / version),
        str(card.get("artifact_sha256", "")),
        metrics,
        workspace_id=workspace_id,
    )


def find_visible_version(
    session: Session, version: str, workspace_id: int, task: str | None = None
) -> ModelVersion:
    """The version row a workspace may see (shipped or its own), or a not-found problem."""
    tasks = [task] if task else list(TASKS)
    rows = [
        r
        for t in tasks
        if (r := get_model_version(session, t, version, workspace_id=workspace_id)) is not None
    ]
    if not rows:
        raise NotFound(f"model version {version!r} does not exist" + (f" for task {task!r}" if task else ""))
    if len(rows) > 1:
        raise Conflict(
            f"model version {version!r} exists for several tasks; add ?task=sentiment or ?task=intents"
        )
    return rows[0]


@dataclass(frozen=True)
class PromotionResult:
    task: str
    version: str
    previous_version: str | None
    serving: str


def promote(session: Session, holder: ModelHolder, row: ModelVersion) -> PromotionResult:
    """Make ``row`` the current version: registry.json, the table, then this process's models."""
    try:
        verify_artifact(row.task, row.version, holder.models_dir)
    except ArtifactError as exc:
        raise Conflict(f"model {row.task} {row.version} cannot be promoted: {exc}") from exc
    previous = current_version(row.task, holder.models_dir)
    if previous != row.version:
        set_current(row.task, row.version, holder.models_dir)
    _write_phase(session)
    _mark_current(session, row)
    session.commit()
    models = holder.swap_to(row.task, row.version, "promoted")
    return PromotionResult(row.task, row.version, previous, models.version)


def roll_back(session: Session, holder: ModelHolder, row: ModelVersion) -> PromotionResult:
    """Undo ``row``'s promotion: the registry's previous version of its task becomes current."""
    current = current_version(row.task, holder.models_dir)
    if current != row.version:
        raise Conflict(
            f"{row.task} {row.version} is not the current version ({current}); rollback undoes the current version"
        )
    try:
        previous = rollback(row.task, holder.models_dir)
    except ArtifactError as exc:
        raise Conflict(str(exc)) from exc
    _write_phase(session)
    session.execute(update(ModelVersion).where(ModelVersion.task == row.task).values(is_current=False))
    target = _ensure_row(session, row.task, previous, holder.models_dir, None)
    target.is_current = True
    target.promoted_at = utcnow()
    session.commit()
    models = holder.swap_to(row.task, previous, "rolled back")
    return PromotionResult(row.task, previous, row.version, models.version)
