from __future__ import annotations

import json
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
