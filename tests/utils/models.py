"""Tiny fitted comment models for tests (never the committed ones), and the labelled fixture.

The models are fitted on ``tests/fixtures/api/labelled_comments.csv`` (98 short comments written
for these tests) and saved with :mod:`models.artifacts` into a models folder with a registry.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from models.artifacts import library_versions, save_artifact, set_current
from models.comments import IntentClassifier, build_features, mark_fitted_features
from models.labels import INTENTS, SENTIMENTS
from tests.utils import FIXTURES

LABELLED = FIXTURES / "api" / "labelled_comments.csv"
SENTIMENT_V1 = "20260101-000000-aaaaaa"
SENTIMENT_V2 = "20260102-000000-bbbbbb"
SENTIMENT_V3 = "20260103-000000-dddddd"
INTENTS_V1 = "20260101-000000-cccccc"


def read_labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        names = {n.strip() for n in (row["intents"] or "").split(",") if n.strip()}
        row["intent_set"] = names
    return rows


def _card(kind: str, n: int) -> dict[str, Any]:
    return {
        "description": f"tiny {kind} model fitted on {n} test comments (tests only)",
        "metrics": {"xhs_written_test": {"n": n, "note": "tiny test model, no held-out evaluation"}},
        "library_versions": library_versions(),
    }


def fit_tiny_models(folder: Path) -> Path:
    """Three sentiment versions (v1 current) and one intents version, saved into ``folder``."""
    rows = read_labelled()
    texts = [r["text"] for r in rows]
    features = build_features(min_df=1, max_word_features=5000, max_char_features=5000)
    X = features.fit_transform(texts)
    mark_fitted_features(features)
    y = np.asarray([r["sentiment"] for r in rows])
    assert set(y) == set(SENTIMENTS)
    Y = np.asarray([[1 if name in r["intent_set"] else 0 for name in INTENTS] for r in rows])
    fitted: list[tuple[str, str, Any]] = [
        (
            "sentiment",
            version,
            LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=0),
        )
        for version, C in ((SENTIMENT_V1, 1.0), (SENTIMENT_V2, 8.0), (SENTIMENT_V3, 0.5))
    ]
    fitted.append(("intents", INTENTS_V1, IntentClassifier(INTENTS, C=4.0)))
    for task, version, clf in fitted:
        clf.fit(X, y if task == "sentiment" else Y)
        pipeline = Pipeline([("features", features), ("clf", clf)])
        save_artifact(pipeline, task=task, version=version, card=_card(task, len(rows)), models_dir=folder)
    set_current("sentiment", SENTIMENT_V1, folder)
    set_current("intents", INTENTS_V1, folder)
    return folder


def write_training_corpus(folder: Path) -> Path:
    """The labelled fixture in the project corpus layout (written rows only), for training jobs."""
    from training.datasets import CORPUS_COLUMNS

    with (folder / "written.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CORPUS_COLUMNS))
        writer.writeheader()
        for i, row in enumerate(read_labelled()):
            writer.writerow(
                {
                    "id": f"written:T-{i:03d}",
                    "provenance": "written",
                    "sample": "written",
                    "note_key": f"T-{i // 3:03d}",
                    "note_title": "test note",
                    "vertical": "beauty",
                    "text": row["text"],
                    "sentiment": row["sentiment"],
                    **{name: int(name in row["intent_set"]) for name in INTENTS},
                    "labeller": "tests",
                }
            )
    return folder
