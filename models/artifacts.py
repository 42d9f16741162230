"""Versioned model artifacts: save, verify, load, and the registry of current versions.

Layout under a models directory::

    <task>/<version>/pipeline.joblib          the fitted scikit-learn Pipeline
    <task>/<version>/pipeline.joblib.sha256   its sha256 (also in card.json)
    <task>/<version>/card.json                 task, version, created, git commit, corpus hashes,
                                               labels, params, library versions, metrics
    <task>/<version>/README.md                 the card as tables (generated from card.json)
    registry.json                              {"<task>": {"current": v, "history": [v, ...]}}

A version folder is complete when it holds a non-empty pipeline, its sha256 file and its card.
Saves write into a temporary folder named ``.<version>.<random>`` and rename it into place; a save
killed half-way leaves such a folder (with, say, a 0-byte pipeline), which listings ignore and
:func:`clean_incomplete` removes. Versions may live in several models folders (the shipped one and
one per workspace that trained its own): :func:`find_version` says which folder holds one.

joblib files are pickles and run code when loaded, so :func:`load_pipeline` only opens files under
the models directory whose sha256 matches the card, built with the running scikit-learn version.
Nothing a user uploads is ever loaded through here.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

MODELS_DIR = Path(__file__).resolve().parent
REGISTRY_FILE = "registry.json"
PIPELINE_FILE = "pipeline.joblib"
SHA256_FILE = f"{PIPELINE_FILE}.sha256"
CARD_FILE = "card.json"
TASK_FOLDERS: tuple[str, ...] = ("sentiment", "intents")
"""The task folders of a models folder (the shipped one also holds Python packages: never touch those)."""
TEMPORARY_MAX_AGE_SECONDS = 15 * 60
"""A temporary folder or file younger than this may belong to a save in progress (another process)."""


class ArtifactError(RuntimeError):
    """An artifact is missing, altered, or was built with other library versions."""


def library_versions() -> dict[str, str]:
    import jieba
    import numpy
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "jieba": str(getattr(jieba, "__version__", "unknown")),
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def new_version(now: datetime | None = None) -> str:
    """A sortable, unique version name: UTC time to the second plus 24 random bits.

    The random part keeps two trainings that finish in the same second (two jobs in one process)
    from colliding; ``save_artifact`` still refuses to overwrite an existing version.
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Artifact:
    task: str
    version: str
    path: Path
    card: dict[str, Any]


@contextmanager
def _staged(final: Path) -> Iterator[Path]:
    """A temporary folder next to ``final`` to fill, renamed to ``final`` when the block ends
    without error (removed otherwise), so a crash never leaves a half-written version."""
    if final.exists():
        raise ArtifactError(f"{final} already exists; versions are immutable")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        yield tmp
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_artifact(
    pipeline: Any,
    *,
    task: str,
    version: str,
    card: dict[str, Any],
    models_dir: Path = MODELS_DIR,
    render_readme: Callable[[dict[str, Any]], str] | None = None,
) -> Artifact:
    """Write pipeline, sha256, card.json and README.md into ``<models_dir>/<task>/<version>/``.

    Files go to a temporary folder first and are renamed into place, so a crash never leaves a
    half-written version that the registry could point at.
    """
    _check_names(task, version)
    final = models_dir / task / version
    with _staged(final) as tmp:
        joblib.dump(pipeline, tmp / PIPELINE_FILE, compress=3)
        digest = sha256_file(tmp / PIPELINE_FILE)
        (tmp / SHA256_FILE).write_text(f"{digest}  {PIPELINE_FILE}\n", encoding="utf-8")
        full = {
            **card,
            "task": task,
            "version": version,
            "artifact_sha256": digest,
            "artifact_bytes": (tmp / PIPELINE_FILE).stat().st_size,
            "library_versions": card.get("library_versions") or library_versions(),
        }
        (tmp / CARD_FILE).write_text(
            json.dumps(full, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        if render_readme is not None:
            (tmp / "README.md").write_text(render_readme(full), encoding="utf-8")
    return Artifact(task=task, version=version, path=final, card=full)


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


def _check_names(task: str, version: str) -> None:
    for what, value in (("task", task), ("version", version)):
        if not _NAME.match(value) or ".." in value:
            raise ArtifactError(f"invalid model {what} {value!r}: letters, digits, '.', '_' and '-' only")


def read_card(task: str, version: str, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    _check_names(task, version)
    path = models_dir / task / version / CARD_FILE
    if not path.exists():
        raise ArtifactError(f"no model card at {path}: unknown {task} version {version!r}")
    card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return card


def verify_artifact(task: str, version: str, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    """Check hash and library versions; returns the card or raises :class:`ArtifactError`."""
    _check_names(task, version)
    base = (models_dir / task / version).resolve()
    if models_dir.resolve() not in base.parents:
        raise ArtifactError(f"refusing to load {base}: artifacts load only from {models_dir.resolve()}")
    card = read_card(task, version, models_dir)
    pipe = base / PIPELINE_FILE
    if not pipe.exists():
        raise ArtifactError(f"{pipe} is missing")
    actual = sha256_file(pipe)
    if actual != card.get("artifact_sha256"):
        raise ArtifactError(
            f"{pipe} sha256 {actual[:12]}... does not match its card ({str(card.get('artifact_sha256'))[:12]}...): "
            "the file was altered or replaced; retrain with `make train`"
        )
    import sklearn

    built = card.get("library_versions", {}).get("scikit-learn")
    if built != sklearn.__version__:
        raise ArtifactError(
            f"{task} {version} was built with scikit-learn {built}, this environment has {sklearn.__version__}; "
            "install the pinned version (make install) or retrain (make train)"
        )
    return card


def load_pipeline(task: str, version: str, models_dir: Path = MODELS_DIR) -> tuple[Any, dict[str, Any]]:
    card = verify_artifact(task, version, models_dir)
    pipeline = joblib.load(models_dir / task / version / PIPELINE_FILE)
    return pipeline, card


def read_registry(models_dir: Path = MODELS_DIR) -> dict[str, dict[str, Any]]:
    path = models_dir / REGISTRY_FILE
    if not path.exists():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def current_version(task: str, models_dir: Path = MODELS_DIR) -> str | None:
    entry = read_registry(models_dir).get(task) or {}
    value = entry.get("current")
    return str(value) if value else None


def is_complete(version_dir: Path) -> bool:
    """A saved version folder: not temporary, with a non-empty pipeline, its sha256 file and its card."""
    pipeline = version_dir / PIPELINE_FILE
    return (
        not version_dir.name.startswith(".")
        and version_dir.is_dir()
        and pipeline.is_file()
        and pipeline.stat().st_size > 0
        and (version_dir / SHA256_FILE).is_file()
        and (version_dir / CARD_FILE).is_file()
    )


def list_versions(task: str, models_dir: Path = MODELS_DIR) -> list[str]:
    """The complete versions of ``task`` in ``models_dir`` (temporary and half-written folders are not versions)."""
    base = models_dir / task
    if not base.exists():
        return []
    return sorted(p.name for p in base.iterdir() if is_complete(p))


def find_version(task: str, version: str, models_dirs: Iterable[Path]) -> Path:
    """The first of ``models_dirs`` that holds a complete ``task`` ``version``."""
    _check_names(task, version)
    searched = list(models_dirs)
    for folder in searched:
        if is_complete(folder / task / version):
            return folder
    raise ArtifactError(
        f"no complete {task} version {version!r} in {', '.join(str(f) for f in searched) or 'no folder'}"
    )


def copy_version(task: str, version: str, source_dir: Path, target_dir: Path, *, link: bool = False) -> Path:
    """Copy a verified version from one models folder into another (``link``: hard links where the
    file system allows, copies elsewhere); like a save, through a temporary folder renamed into place."""
    verify_artifact(task, version, source_dir)
    final = target_dir / task / version
    with _staged(final) as tmp:
        for item in (source_dir / task / version).iterdir():
            if item.is_file():
                link_or_copy(item, tmp / item.name, link=link)
    return final


def link_or_copy(source: Path, target: Path, *, link: bool = True) -> None:
    """A hard link of ``source`` at ``target`` (another file system: a copy), or a copy."""
    if link:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)


def _old_enough(path: Path, now: float, min_age: float) -> bool:
    try:
        return now - path.stat().st_mtime >= min_age
    except OSError:
        return False


def clean_incomplete(
    models_dir: Path,
    *,
    tasks: Collection[str] = TASK_FOLDERS,
    min_age: float = TEMPORARY_MAX_AGE_SECONDS,
) -> list[Path]:
    """Remove what interrupted saves left in ``models_dir``; returns what was removed.

    Temporary folders and files (names starting with '.') go once they are ``min_age`` seconds old
    (a younger one may be a save in progress in another process); version folders that lack their
    pipeline, card or sha256 file go at once (versions appear by a rename, complete), unless the
    registry names them.
    """
    now = time.time()
    named = {
        (task, str(v))
        for task, entry in _registry_or_empty(models_dir).items()
        for v in [entry.get("current"), *(entry.get("history") or [])]
        if v
    }
    removed: list[Path] = []
    for file in _temporary_files(models_dir):
        if _old_enough(file, now, min_age):
            file.unlink(missing_ok=True)
            removed.append(file)
    for task in tasks:
        folder = models_dir / task
        children = [c for c in folder.iterdir() if c.is_dir()] if folder.is_dir() else []
        for child in children:
            if child.name.startswith("."):
                if not _old_enough(child, now, min_age):
                    continue
            elif is_complete(child) or (task, child.name) in named:
                continue
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


def _temporary_files(models_dir: Path) -> list[Path]:
    """Temporary files of atomic writes: the registry's (``.registry.json.*.tmp``) and the base files'."""
    return [
        p
        for folder in (models_dir, models_dir / "bases")
        if folder.is_dir()
        for p in folder.glob(".*.tmp")
        if p.is_file()
    ]


def _registry_or_empty(models_dir: Path) -> dict[str, dict[str, Any]]:
    """The registry, or ``{}`` when it is missing or unreadable."""
    try:
        return read_registry(models_dir)
    except (OSError, ValueError):
        return {}


def set_current(task: str, version: str, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    """Make ``version`` current (after verifying it); the previous one is kept in history for rollback."""
    verify_artifact(task, version, models_dir)
    registry = read_registry(models_dir)
    entry = registry.setdefault(task, {"current": None, "history": []})
    if entry.get("current") and entry["current"] != version:
        entry.setdefault("history", []).append(entry["current"])
    entry["current"] = version
    entry["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    _atomic_write_text(models_dir / REGISTRY_FILE, json.dumps(registry, indent=2) + "\n")
    return entry


def rollback(task: str, models_dir: Path = MODELS_DIR) -> str:
    """Make the previous current version current again; returns it."""
    registry = read_registry(models_dir)
    entry = registry.get(task) or {}
    history = list(entry.get("history") or [])
    if not history:
        raise ArtifactError(f"{task}: no earlier version to roll back to")
    previous = history.pop()
    verify_artifact(task, previous, models_dir)
    entry["history"] = history
    entry["current"] = previous
    entry["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    registry[task] = entry
    _atomic_write_text(models_dir / REGISTRY_FILE, json.dumps(registry, indent=2) + "\n")
    return previous
