from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sklearn.dummy import DummyClassifier

from models import artifacts
from models.artifacts import ArtifactError


def _save(folder: Path, version: str, task: str = "sentiment") -> artifacts.Artifact:
    model = DummyClassifier(strategy="most_frequent").fit([[0], [1]], ["neutral", "positive"])
    return artifacts.save_artifact(
        model,
        task=task,
        version=version,
        card={"metrics": {"x": 1}},
        models_dir=folder,
        render_readme=lambda c: f"# {c['version']}",
    )


def test_save_writes_pipeline_hash_card_and_readme(tmp_path: Path) -> None:
    art = _save(tmp_path, "v1")
    files = sorted(p.name for p in art.path.iterdir())
    assert files == ["README.md", "card.json", "pipeline.joblib", "pipeline.joblib.sha256"]
    card = json.loads((art.path / "card.json").read_text())
    assert card["artifact_sha256"] == artifacts.sha256_file(art.path / "pipeline.joblib")
    assert card["library_versions"]["scikit-learn"]


def test_versions_are_immutable(tmp_path: Path) -> None:
    _save(tmp_path, "v1")
    with pytest.raises(ArtifactError, match="immutable"):
        _save(tmp_path, "v1")


def test_versions_made_in_the_same_second_differ_and_sort_by_time(tmp_path: Path) -> None:
    """Two training jobs finishing in the same second in one process must not collide."""
    instant = datetime(2026, 11, 25, 1, 12, 8, tzinfo=UTC)
    names = {artifacts.new_version(instant) for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith("20261125-011208-") for n in names)
    assert artifacts.new_version(instant) < artifacts.new_version(instant + timedelta(seconds=1))
    for name in list(names)[:2]:
        _save(tmp_path, name)


def test_load_refuses_a_tampered_file(tmp_path: Path) -> None:
    art = _save(tmp_path, "v1")
    with (art.path / "pipeline.joblib").open("ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ArtifactError, match="does not match its card"):
        artifacts.load_pipeline("sentiment", "v1", tmp_path)


def test_load_refuses_another_scikit_learn_version(tmp_path: Path) -> None:
    art = _save(tmp_path, "v1")
    card = json.loads((art.path / "card.json").read_text())
    card["library_versions"]["scikit-learn"] = "0.0.1"
    (art.path / "card.json").write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match=r"built with scikit-learn 0\.0\.1"):
        artifacts.load_pipeline("sentiment", "v1", tmp_path)


def test_load_refuses_paths_outside_the_models_dir(tmp_path: Path) -> None:
    _save(tmp_path / "elsewhere", "v1")
    with pytest.raises(ArtifactError, match="invalid model version"):
        artifacts.load_pipeline("sentiment", "../../elsewhere/sentiment/v1", tmp_path / "models")


def test_registry_promote_and_rollback(tmp_path: Path) -> None:
    _save(tmp_path, "v1")
    _save(tmp_path, "v2")
    assert artifacts.current_version("sentiment", tmp_path) is None
    artifacts.set_current("sentiment", "v1", tmp_path)
    artifacts.set_current("sentiment", "v2", tmp_path)
    assert artifacts.current_version("sentiment", tmp_path) == "v2"
    assert artifacts.rollback("sentiment", tmp_path) == "v1"
    assert artifacts.current_version("sentiment", tmp_path) == "v1"
    with pytest.raises(ArtifactError, match="no earlier version"):
        artifacts.rollback("sentiment", tmp_path)
    assert artifacts.list_versions("sentiment", tmp_path) == ["v1", "v2"]


def test_set_current_refuses_an_unknown_version(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="unknown sentiment version"):
        artifacts.set_current("sentiment", "nope", tmp_path)


def test_committed_models_are_small() -> None:
    total = sum(p.stat().st_size for p in artifacts.MODELS_DIR.glob("*/*/pipeline.joblib"))
    assert total <= 30 * 1024 * 1024


def _age(path: Path, seconds: float) -> None:
    """Make ``path`` look ``seconds`` old (its modification time)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _killed_save(folder: Path, version: str, task: str = "sentiment") -> Path:
    """What a save killed while writing the pipeline leaves: its temporary folder with a 0-byte pipeline."""
    tmp = folder / task / f".{version}.k1ll3d"
    tmp.mkdir(parents=True)
    (tmp / "pipeline.joblib").write_bytes(b"")
    return tmp


def test_listings_ignore_temporary_and_incomplete_version_folders(tmp_path: Path) -> None:
    _save(tmp_path, "v1")
    _killed_save(tmp_path, "v2")
    half = tmp_path / "sentiment" / "v3"
    half.mkdir()
    (half / "card.json").write_text("{}")
    (half / "pipeline.joblib").write_bytes(b"")
    assert artifacts.list_versions("sentiment", tmp_path) == ["v1"]
    assert artifacts.is_complete(tmp_path / "sentiment" / "v1")
    assert not artifacts.is_complete(half)


def test_clean_incomplete_removes_what_killed_saves_left(tmp_path: Path) -> None:
    _save(tmp_path, "v1")
    _save(tmp_path, "v2", task="intents")
    artifacts.set_current("sentiment", "v1", tmp_path)
    old = _killed_save(tmp_path, "v4")
    _age(old, 3600)
    young = _killed_save(tmp_path, "v5", task="intents")  # may be a save in progress elsewhere
    no_card = tmp_path / "sentiment" / "v6"
    no_card.mkdir()
    (no_card / "pipeline.joblib").write_bytes(b"x")
    (tmp_path / "sentiment" / "v1" / "pipeline.joblib.sha256").unlink()  # named by the registry: kept
    registry_tmp = tmp_path / ".registry.json.abc.tmp"
    registry_tmp.write_text("{")
    _age(registry_tmp, 3600)
    package = tmp_path / "authenticity"  # the shipped folder also holds Python packages
    package.mkdir()
    (package / ".hidden").mkdir()
    _age(package / ".hidden", 3600)

    removed = artifacts.clean_incomplete(tmp_path)

    assert sorted(removed) == sorted([old, no_card, registry_tmp])
    assert young.exists() and (package / ".hidden").exists()
    assert (tmp_path / "sentiment" / "v1").exists() and artifacts.list_versions("intents", tmp_path) == ["v2"]
    assert artifacts.clean_incomplete(tmp_path) == []


def test_find_version_takes_the_first_folder_holding_a_complete_version(tmp_path: Path) -> None:
    shipped, own = tmp_path / "shipped", tmp_path / "own"
    _save(shipped, "v1")
    _save(own, "v2")
    _killed_save(own, "v1")
    assert artifacts.find_version("sentiment", "v2", [own, shipped]) == own
    assert artifacts.find_version("sentiment", "v1", [own, shipped]) == shipped
    with pytest.raises(ArtifactError, match="no complete sentiment version 'v3'"):
        artifacts.find_version("sentiment", "v3", [own, shipped])
    with pytest.raises(ArtifactError, match="invalid model version"):
        artifacts.find_version("sentiment", "../own/sentiment/v2", [shipped])


@pytest.mark.parametrize("link", [False, True])
def test_copy_version_copies_a_verified_version_into_another_folder(tmp_path: Path, link: bool) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    art = _save(source, "v1")
    copied = artifacts.copy_version("sentiment", "v1", source, target, link=link)
    assert copied == target / "sentiment" / "v1"
    assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in art.path.iterdir())
    assert artifacts.verify_artifact("sentiment", "v1", target)["version"] == "v1"
    assert list((target / "sentiment").glob(".*")) == []
    with pytest.raises(ArtifactError, match="immutable"):
        artifacts.copy_version("sentiment", "v1", source, target)
    with (source / "sentiment" / "v1" / "pipeline.joblib").open("ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ArtifactError, match="does not match its card"):
        artifacts.copy_version("sentiment", "v1", source, tmp_path / "third")
