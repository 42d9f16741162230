"""Retraining without the public corpora: the base file a full training saves, and the heads refit.

The models are fitted on a small part of the project's own written corpus (no ../shared needed);
the retrain runs with the public-corpora folder pointing at an empty directory, as on a fresh
clone without ../shared/corpora.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.artifacts import read_card, set_current
from models.comments import load_comment_models
from training.base_matrix import BaseMatrixError, load_base
from training.datasets import CorpusError
from training.train import load_config, prepare_data, retrain, train_models

ROOT = Path(__file__).resolve().parents[2]
WRITTEN = ROOT / "corpora" / "xhs_comments" / "written.csv"
MARKER = "快来薅羊毛群号九九八"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    corpus_dir = tmp_path_factory.mktemp("corpus")
    with WRITTEN.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    keys = sorted({r["note_key"] for r in rows})[::4]
    with (corpus_dir / "written.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(r for r in rows if r["note_key"] in set(keys))
    models_dir = tmp_path_factory.mktemp("models")
    data = prepare_data(corpus_dir=corpus_dir, with_public=False)
    arts = train_models(data, load_config(), models_dir=models_dir, grid=False, baselines=False)
    for task, art in arts.items():
        set_current(task, art.version, models_dir)
    return models_dir, corpus_dir


def _extra(n: int = 30) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [f"{MARKER}{i}号" for i in range(n)],
            "sentiment": ["neutral"] * n,
            **{
                name: [1 if name == "spam" else 0] * n
                for name in ("purchase_intent", "skepticism", "paid_suspicion", "question", "spam")
            },
        }
    )


def test_full_training_writes_one_base_file_named_by_both_cards(trained: tuple[Path, Path]) -> None:
    models_dir, _ = trained
    cards = {
        t: read_card(t, json.loads((models_dir / "registry.json").read_text())[t]["current"], models_dir)
        for t in ("sentiment", "intents")
    }
    assert cards["sentiment"]["base"] == cards["intents"]["base"]
    assert cards["sentiment"]["features_id"] == cards["intents"]["features_id"]
    base = load_base(cards["sentiment"]["base"], models_dir)
    assert base.features_id == cards["sentiment"]["features_id"]
    assert base.train.X.shape[0] == cards["sentiment"]["base"]["rows"]["train"] > 0
    assert base.test.X.shape[0] > 0 and base.val.X.shape[0] > 0


def test_retrain_refits_heads_without_the_corpora(trained: tuple[Path, Path], tmp_path: Path) -> None:
    models_dir, corpus_dir = trained
    before = load_comment_models(models_dir)
    result = retrain(
        _extra(), models_dir=models_dir, corpus_dir=corpus_dir, shared_dir=tmp_path / "no-corpora"
    )
    for task in ("sentiment", "intents"):
        entry = result.tasks[task]
        assert entry["mode"] == "heads"
        assert entry["extra_rows"] == 30
        assert entry["current_version"] != entry["version"]
        # New and current heads are scored on the same held-back rows.
        assert entry["metrics"].keys() == entry["current_metrics"].keys()
    new = load_comment_models(
        models_dir,
        sentiment_version=result.tasks["sentiment"]["version"],
        intents_version=result.tasks["intents"]["version"],
    )
    assert new.shares_features
    probe = [f"{MARKER}77号"]
    assert new.predict(probe)[0].intents["spam"] > before.predict(probe)[0].intents["spam"] + 0.2
    assert new.predict(probe)[0].flags["spam"]


def test_altered_base_file_is_refused_and_the_job_says_what_is_missing(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    models_dir, corpus_dir = trained
    import shutil

    copy = tmp_path / "models"
    shutil.copytree(models_dir, copy)
    registry = json.loads((copy / "registry.json").read_text())
    entry = read_card("sentiment", registry["sentiment"]["current"], copy)["base"]
    path = copy / entry["path"]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(BaseMatrixError, match="sha256"):
        load_base(entry, copy)
    with pytest.raises(CorpusError, match="retraining needs either the base training file"):
        retrain(_extra(), models_dir=copy, corpus_dir=corpus_dir, shared_dir=tmp_path / "no-corpora")


def test_base_file_holds_numbers_only(trained: tuple[Path, Path]) -> None:
    models_dir, _ = trained
    path = next((models_dir / "bases").glob("*.npz"))
    with np.load(path, allow_pickle=False) as z:  # raises if any array needed pickle
        assert all(z[name].dtype != object for name in z.files)
