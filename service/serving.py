"""The serving comment models of one process, promotion and rollback, and cross-process sync.

Two levels of "current":

* The deployment's versions, which every workspace serves by default. ``models/registry.json``
  (written by :func:`models.artifacts.set_current`, i.e. ``redlens models promote`` run by the
  operator) is their source of truth on this machine; the shipped rows (``workspace_id`` NULL) of
  the ``model_version`` table carry them between processes. At start-up the process loads the
  registry's current versions and marks them current there; every process checks the table at
  most every ``model_check_seconds`` (the job runner's thread does it, never a request) and loads
  a version another process made current, if it is on its disk.
* A workspace's own versions. A workspace admin promotes a version its training job produced
  (``POST /v1/models/{version}/promote``): that sets ``is_current`` on the workspace's own row
  only, and only that workspace serves it; every other workspace keeps the deployment's models.
  Rolling back returns the workspace to the version it served before (its previous own version,
  else the deployment's). An API key can never change what another workspace is served.

A model pair is swapped as one reference: the new :class:`~models.comments.CommentModels` is
built completely (pipelines of unchanged versions are reused) and only then assigned, so a request
sees either the old pair or the new pair, never a mix. Workspace pairs are looked up per request
(one small query) and kept in a small LRU cache, so every process follows a promotion at once.

Where versions live: the shipped ones (and the operator's) in ``models_dir`` (``models/``, tracked
by git); those a workspace's training jobs produce in ``<data_dir>/models/workspace-<id>/``
(:func:`workspace_models_dir`). A workspace's versions are looked up in its own folder, then in
``models_dir`` (where versions trained before this layout are). Promotions and rollbacks of one
workspace are serialised (the first statement of their transaction locks the workspace row) and
retried when SQLite reports the database locked; a conflict with the state they find is a 409.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from models.artifacts import (
    ArtifactError,
    clean_incomplete,
    current_version,
    find_version,
    read_card,
    read_registry,
    verify_artifact,
)
from models.comments import CommentModels, ModelCache
from models.labels import TASKS
from service.config import Settings
from service.errors import Conflict, NotFound, ServiceUnavailable
from service.metrics import ApiMetrics
from service.store.repositories import (
    create_model_version,
    current_model_versions,
    find_model_version,
    get_model_version,
    lock_workspace,
    make_shipped,
    mark_current,
    promote_model_version,
    roll_back_model_version,
    unset_current,
)
from service.store.retry import StillLocked, retry_when_locked
from service.store.tables import ModelVersion

log = logging.getLogger("redlens.models")

T = TypeVar("T")

WORKSPACE_PAIRS_CACHED = 4
"""Model pairs other than the deployment's kept loaded per process (each costs ~100 MB)."""
WORKSPACE_FOLDER_PREFIX = "workspace-"
BUSY_RETRY_AFTER_SECONDS = 2


def workspaces_models_root(settings: Settings) -> Path:
    """The folder holding one models folder per workspace that trained its own versions."""
    return settings.data_dir / "models"


def workspace_models_dir(root: Path, workspace_id: int) -> Path:
    """The models folder of one workspace's trained versions: ``<root>/workspace-<id>``."""
    return root / f"{WORKSPACE_FOLDER_PREFIX}{workspace_id}"


def workspace_folders(root: Path) -> dict[int, Path]:
    """The workspace models folders under ``root``, by workspace id."""
    if not root.is_dir():
        return {}
    out: dict[int, Path] = {}
    for path in root.iterdir():
        suffix = path.name.removeprefix(WORKSPACE_FOLDER_PREFIX)
        if path.is_dir() and path.name.startswith(WORKSPACE_FOLDER_PREFIX) and suffix.isdigit():
            out[int(suffix)] = path
    return dict(sorted(out.items()))


def clean_model_folders(settings: Settings) -> list[Path]:
    """Remove temporary and incomplete version folders from the shipped and every workspace's
    models folder (see :func:`models.artifacts.clean_incomplete`); returns what was removed."""
    removed: list[Path] = []
    for folder in [settings.models_dir, *workspace_folders(workspaces_models_root(settings)).values()]:
        try:
            removed.extend(clean_incomplete(folder))
        except OSError as exc:
            log.warning("could not clean %s: %s", folder, exc)
    return removed


class ModelHolder:
    """The process's serving models. Reading :attr:`models` is one attribute read (atomic).

    ``workspaces_dir`` holds the workspaces' own models folders (:func:`workspace_models_dir`);
    without it, every version is looked up in ``models_dir`` only."""

    def __init__(
        self, models_dir: Path, metrics: ApiMetrics | None = None, *, workspaces_dir: Path | None = None
    ) -> None:
        self.models_dir = models_dir
        self.workspaces_dir = workspaces_dir
        self.metrics = metrics
        self.models: CommentModels | None = None
        self.load_error: str | None = None
        self._swap_lock = threading.RLock()
        self.cache = ModelCache(models_dir, capacity=WORKSPACE_PAIRS_CACHED)
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

    @classmethod
    def for_settings(cls, settings: Settings, metrics: ApiMetrics | None = None) -> ModelHolder:
        """The holder of the configured shipped folder and workspaces' folders."""
        return cls(settings.models_dir, metrics, workspaces_dir=workspaces_models_root(settings))

    def workspace_folder(self, workspace_id: int) -> Path:
        """Where the workspace's training jobs save its versions."""
        if self.workspaces_dir is None:
            raise ArtifactError("this process has no folder for workspace-trained models (workspaces_dir)")
        return workspace_models_dir(self.workspaces_dir, workspace_id)

    def folders(self, workspace_id: int | None = None) -> list[Path]:
        """The models folders a version served to ``workspace_id`` is looked up in, in order."""
        if workspace_id is None or self.workspaces_dir is None:
            return [self.models_dir]
        return [self.workspace_folder(workspace_id), self.models_dir]

    def locate(self, task: str, version: str, workspace_id: int | None = None) -> Path:
        """The models folder holding ``task`` ``version`` for ``workspace_id`` (ArtifactError if none)."""
        return find_version(task, version, self.folders(workspace_id))

    def build(self, sentiment_version: str, intents_version: str) -> CommentModels:
        """A complete model pair, reusing any pipeline of the same version this process has loaded."""
        return self.cache.get(
            sentiment_version, intents_version, reuse=[m for m in (self.models,) if m], keep=False
        )

    def pair(
        self, sentiment_version: str, intents_version: str, workspace_id: int | None = None
    ) -> CommentModels:
        """The loaded pair of these versions (the deployment's, or one kept in the cache), looked up
        in the folders of ``workspace_id``."""
        default = self.require()
        key = (sentiment_version, intents_version)
        if key == (default.sentiment_version, default.intents_version):
            return default
        try:
            return self.cache.get(*key, reuse=[default], folders=self.folders(workspace_id))
        except ArtifactError as exc:
            raise ServiceUnavailable(
                f"the workspace's models (sentiment {key[0]}, intents {key[1]}) cannot be loaded: "
                f"{exc}; roll the workspace back to the deployment's models (POST "
                "/v1/models/{version}/rollback)"
            ) from exc

    def for_workspace_if_loaded(self, session: Session, workspace_id: int) -> CommentModels | None:
        """:meth:`for_workspace`, or ``None`` while no models are loaded (pages and jobs that can
        still show or store something without them)."""
        return self.for_workspace(session, workspace_id) if self.models is not None else None

    def for_workspace(self, session: Session, workspace_id: int) -> CommentModels:
        """What ``workspace_id`` is served: its own promoted versions, else the deployment's."""
        default = self.require()
        own = workspace_current_versions(session, workspace_id)
        if not own:
            return default
        return self.pair(
            own.get("sentiment", default.sentiment_version),
            own.get("intents", default.intents_version),
            workspace_id,
        )

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
    """System-level: the deployment's current version of each task according to the table."""
    return current_model_versions(session)


def workspace_current_versions(session: Session, workspace_id: int) -> dict[str, str]:
    """The versions ``workspace_id`` promoted for itself (a task it did not promote is absent)."""
    return current_model_versions(session, workspace_id)


def serving_versions(session: Session, holder: ModelHolder, workspace_id: int) -> dict[str, str]:
    """The version of each task ``workspace_id`` is served (its own, else the deployment's)."""
    default = holder.require()
    return {
        "sentiment": default.sentiment_version,
        "intents": default.intents_version,
        **workspace_current_versions(session, workspace_id),
    }


def _card_metrics(card: dict[str, Any]) -> dict[str, Any] | None:
    metrics = card.get("metrics")
    return metrics if isinstance(metrics, dict) else None


def _ensure_row(session: Session, task: str, version: str, models_dir: Path) -> ModelVersion:
    """The version's row, recorded as shipped when the table does not know it yet."""
    row = find_model_version(session, task, version)
    if row is not None:
        return row
    card = read_card(task, version, models_dir)
    return _record(session, task, version, models_dir, card, _card_metrics(card), None)


def _record(
    session: Session,
    task: str,
    version: str,
    models_dir: Path,
    card: dict[str, Any],
    metrics: dict[str, Any] | None,
    workspace_id: int | None,
) -> ModelVersion:
    return create_model_version(
        session,
        task,
        version,
        str(models_dir / task / version),
        str(card.get("artifact_sha256", "")),
        metrics,
        workspace_id=workspace_id,
    )


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
                _ensure_row(session, task, str(version), models_dir)
        current = entry.get("current")
        if current and (models_dir / task / str(current)).is_dir():
            row = _ensure_row(session, task, str(current), models_dir)
            if row.workspace_id is not None:
                # The operator made a workspace-trained version the deployment's: it is shipped now.
                log.info(
                    "%s %s (trained by workspace %s) is the deployment's now", task, current, row.workspace_id
                )
                make_shipped(session, row, str(models_dir / task / str(current)))
            if not row.is_current or table_current_versions(session).get(task) != row.version:
                mark_current(session, row)


def record_trained(
    session: Session,
    workspace_id: int,
    task: str,
    version: str,
    models_dir: Path,
    metrics: dict[str, Any] | None,
) -> ModelVersion:
    """Record a version a workspace's training job saved into ``models_dir`` (not current)."""
    card = read_card(task, version, models_dir)
    return _record(session, task, version, models_dir, card, metrics, workspace_id)


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


def _serialised(session: Session, workspace_id: int, what: str, change: Callable[[], T]) -> T:
    """Run ``change`` in a transaction whose first statement locks the workspace, and commit.

    Promotions of one workspace then take turns (SQLite: the write lock is waited for, not lost
    half-way; PostgreSQL: the workspace row is locked), and ``change`` reads the state it decides
    on under the lock. A lost race for the lock is retried with backoff; a database that stays
    locked answers 503 with Retry-After, never 500.
    """

    def attempt() -> T:
        _write_phase(session)
        lock_workspace(session, workspace_id)
        session.expire_all()  # rows read before the lock (sessions keep attributes after commit) are stale
        out = change()
        session.commit()
        return out

    try:
        return retry_when_locked(attempt, what=what, on_retry=session.rollback)
    except StillLocked as exc:
        session.rollback()
        raise ServiceUnavailable(
            f"{what}: the database stayed busy; try again in a few seconds",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        ) from exc


def promote(session: Session, holder: ModelHolder, row: ModelVersion, workspace_id: int) -> PromotionResult:
    """Make ``row`` the version ``workspace_id`` is served (for that workspace only).

    A workspace's own version becomes its current one. The deployment's current version, promoted
    by a workspace, ends the workspace's own choice. Any other shipped version is refused: switching
    the deployment's models is the operator's ``redlens models promote``.
    """
    task, version, own = row.task, row.version, row.workspace_id is not None
    if own:
        try:
            verify_artifact(task, version, holder.locate(task, version, workspace_id))
        except ArtifactError as exc:
            raise Conflict(f"model {task} {version} cannot be promoted: {exc}") from exc

    def change() -> str:
        previous = serving_versions(session, holder, workspace_id)[task]
        if own:
            promote_model_version(session, task, version, workspace_id=workspace_id)
            return previous
        deployment = table_current_versions(session).get(task) or holder.require().version_of(task)
        if version != deployment:
            raise Conflict(
                f"{task} {version} is a shipped version that is not the deployment's current one "
                f"({deployment}): the deployment's models are switched for every workspace by an operator "
                f"with `redlens models promote {task} {version}`; a workspace promotes "
                "versions its own training jobs produced"
            )
        unset_current(session, task, workspace_id=workspace_id)
        return previous

    previous = _serialised(session, workspace_id, f"promoting {task} {version}", change)
    models = holder.for_workspace(session, workspace_id)
    log.info("workspace %s now serves %s (%s %s promoted)", workspace_id, models.version, task, version)
    return PromotionResult(task, version, previous, models.version)


def roll_back(session: Session, holder: ModelHolder, row: ModelVersion, workspace_id: int) -> PromotionResult:
    """Undo the workspace's promotion of ``row``: the version it was served before returns (its
    previously promoted own version, else the deployment's)."""
    task, version = row.task, row.version

    def change() -> None:
        current = serving_versions(session, holder, workspace_id)[task]
        if current != version:
            raise Conflict(
                f"{task} {version} is not this workspace's current version ({current}); rollback "
                "undoes the current version"
            )
        if row.workspace_id is None or not row.is_current:
            raise Conflict(
                f"this workspace serves the deployment's {task} version {version}, which only an "
                f"operator rolls back (`redlens models rollback {task}`); a workspace rolls back versions "
                "it promoted"
            )
        roll_back_model_version(session, row)

    _serialised(session, workspace_id, f"rolling back {task} {version}", change)
    models = holder.for_workspace(session, workspace_id)
    restored = models.version_of(task)
    log.info("workspace %s rolled %s back from %s to %s", workspace_id, task, version, restored)
    return PromotionResult(task, restored, version, models.version)
