"""Build the base file after a full training run, and retrain the classifier heads on it.

See :mod:`training.base_matrix` for what the base file is and why. :func:`build_base` runs at the
end of ``redlens train`` (both tasks share one fitted feature union); :func:`retrain_heads` is what
a workspace's training job runs when the current models have a base file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from models.artifacts import Artifact, library_versions, new_version, save_artifact
from models.comments import IntentClassifier
from models.labels import INTENTS, SENTIMENTS
from training.base_matrix import BaseMatrix, Split, stack
from training.datasets import COMMERCIAL_FOLDERS
from training.evaluate import intent_metrics, render_card, sentiment_metrics

PUBLIC_ROWS_PER_DOMAIN = 3000


def _labels_Y(frame: pd.DataFrame) -> np.ndarray:
    if all(c in frame.columns for c in INTENTS):
        Y = frame[list(INTENTS)].apply(pd.to_numeric, errors="coerce")
        return Y.fillna(-1).to_numpy(dtype=np.int8)
    return np.full((len(frame), len(INTENTS)), -1, dtype=np.int8)


def _split(features: Any, frame: pd.DataFrame, s_w: np.ndarray, i_w: np.ndarray, group: Any) -> Split:
    sentiment = (
        frame["sentiment"].where(frame["sentiment"].isin(SENTIMENTS), "") if "sentiment" in frame else None
    )
    return Split(
        X=features.transform(frame["text"].tolist()).tocsr(),
        sentiment=np.asarray(sentiment if sentiment is not None else [""] * len(frame), dtype="<U8"),
        sentiment_weight=np.asarray(s_w, dtype=float),
        Y=_labels_Y(frame),
        intent_weight=np.asarray(i_w, dtype=float),
        group=np.asarray(group, dtype="<U64"),
    )


def build_base(
    data: Any, cfg: dict[str, Any], features: Any, params: dict[str, float], *, seed: int = 0
) -> BaseMatrix:
    """The training, validation and test rows of ``data`` in ``features``' space.

    ``data`` is a :class:`training.train.TrainingData`; ``params`` holds the selected
    ``sentiment_C``, ``public_scale`` and ``intents_C``.
    """
    from training.train import _project_weights, _training_frame

    s_map = cfg["sentiment"]["project_weight"]
    i_map = cfg["intents"]["project_weight"]
    train = _training_frame(data, "sentiment")
    s_w = _project_weights(train, s_map)
    parts = [_split(features, train, s_w, _project_weights(train, i_map), train["corpus"])]
    if data.public is not None and params.get("public_scale", 0) > 0:
        total = float(s_w.sum())
        rng = np.random.default_rng(seed)
        for domain, share in cfg["sentiment"]["public_budget"].items():
            rows = data.public.train[data.public.train["domain"] == domain]
            if rows.empty:
                continue
            take = rows.iloc[
                np.sort(rng.choice(len(rows), min(len(rows), PUBLIC_ROWS_PER_DOMAIN), replace=False))
            ]
            w = np.full(len(take), share * params["public_scale"] * total / len(take))
            parts.append(
                _split(features, take, w, np.zeros(len(take)), np.full(len(take), f"public:{domain}"))
            )
    merged = parts[0]
    for part in parts[1:]:
        merged = stack(merged, part)
    val = data.rows("val")
    test = data.rows("test")
    return BaseMatrix(
        features_id=str(features.fitted_id_),
        params={
            **{k: float(v) for k, v in params.items()},
            "min_precision": float(cfg["intents"]["min_precision"]),
            "extra_weight_sentiment": float(s_map.get("real", 1.0)),
            "extra_weight_intents": float(i_map.get("real", 1.0)),
            "seed": float(cfg["seed"]),
        },
        train=merged,
        val=_split(features, val, np.ones(len(val)), np.ones(len(val)), val["corpus"]),
        test=_split(
            features,
            test,
            np.ones(len(test)),
            np.ones(len(test)),
            test["corpus"] + "|" + test["sample"].astype(str),
        ),
    )


def test_masks(group: np.ndarray) -> dict[str, np.ndarray]:
    """The named held-back sets (as :func:`training.train.test_sets`) from the stored group codes."""
    corpus = np.asarray([g.split("|", 1)[0] for g in group])
    sample = np.asarray([g.split("|", 1)[1] if "|" in g else "" for g in group])
    commercial = np.isin(corpus, COMMERCIAL_FOLDERS)
    sets = {
        "xhs_commercial_test": commercial,
        "xhs_commercial_test_random": commercial & np.char.find(sample.astype(str), "random") >= 0,
        "xhs_real_test": ~commercial & (corpus != "written"),
        "xhs_written_test": corpus == "written",
    }
    return {k: v for k, v in sets.items() if v.any()}


def score_heads(sentiment_clf: Any, intents_clf: Any, base: BaseMatrix) -> dict[str, dict[str, Any]]:
    """Metrics of a pair of heads on the base's held-back rows, per named set and task."""
    out: dict[str, dict[str, Any]] = {"sentiment": {}, "intents": {}}
    for name, mask in test_masks(base.test.group).items():
        X = base.test.X[mask]
        if sentiment_clf is not None:
            has = base.test.sentiment[mask] != ""
            pred = sentiment_clf.predict(X[has])
            out["sentiment"][name] = {
                "n": int(has.sum()),
                "sentiment": sentiment_metrics(base.test.sentiment[mask][has], pred, ci=True),
            }
        if intents_clf is not None:
            Y = base.test.Y[mask]
            has = (Y >= 0).all(axis=1)
            out["intents"][name] = {
                "n": int(has.sum()),
                "intents": intent_metrics(
                    Y[has], intents_clf.predict(X[has]), intents_clf.predict_proba(X[has])
                ),
            }
    return out


def _extra_split(features: Any, extra: pd.DataFrame, base: BaseMatrix) -> Split:
    n = len(extra)
    has_sent = (
        extra["sentiment"].isin(SENTIMENTS).to_numpy() if "sentiment" in extra else np.zeros(n, dtype=bool)
    )
    Y = _labels_Y(extra)
    has_int = (Y >= 0).all(axis=1)
    return _split(
        features,
        extra,
        np.where(has_sent, base.params["extra_weight_sentiment"], 0.0),
        np.where(has_int, base.params["extra_weight_intents"], 0.0),
        np.full(n, "extra"),
    )


def fit_heads(base: BaseMatrix, extra: Split | None, tasks: tuple[str, ...]) -> dict[str, Any]:
    """Refit the requested heads on base (+ extra) rows with the base run's selected parameters."""
    train = stack(base.train, extra) if extra is not None and extra.X.shape[0] else base.train
    seed = int(base.params.get("seed", 0))
    heads: dict[str, Any] = {}
    if "sentiment" in tasks:
        keep = (train.sentiment_weight > 0) & (train.sentiment != "")
        clf = LogisticRegression(
            C=base.params["sentiment_C"], max_iter=2000, class_weight="balanced", random_state=seed
        )
        clf.fit(train.X[keep], train.sentiment[keep], sample_weight=train.sentiment_weight[keep])
        heads["sentiment"] = clf
    if "intents" in tasks:
        keep = (train.intent_weight > 0) & (train.Y >= 0).all(axis=1)
        val_keep = (base.val.Y >= 0).all(axis=1)
        ic = IntentClassifier(
            INTENTS, C=base.params["intents_C"], min_precision=base.params["min_precision"], random_state=seed
        )
        ic.fit(
            train.X[keep],
            train.Y[keep],
            sample_weight=train.intent_weight[keep],
            X_val=base.val.X[val_keep],
            Y_val=base.val.Y[val_keep],
        )
        heads["intents"] = ic
    return heads


def retrain_heads(
    extra: pd.DataFrame,
    base: BaseMatrix,
    base_entry: dict[str, Any],
    current: Mapping[str, tuple[str, Pipeline]],
    *,
    tasks: tuple[str, ...],
    models_dir: Path,
) -> dict[str, dict[str, Any]]:
    """New versions (saved, not current) from base + ``extra``, scored next to the current heads.

    ``current`` maps each task to its (version, pipeline); their feature union is the one the
    base was built in, and the new pipelines reuse it unchanged.
    """
    features = next(iter(current.values()))[1].named_steps["features"]
    extra_split = _extra_split(features, extra, base) if len(extra) else None
    heads = fit_heads(base, extra_split, tasks)
    new_scores = score_heads(heads.get("sentiment"), heads.get("intents"), base)
    cur_scores = score_heads(
        current["sentiment"][1].named_steps["clf"]
        if "sentiment" in current and "sentiment" in tasks
        else None,
        current["intents"][1].named_steps["clf"] if "intents" in current and "intents" in tasks else None,
        base,
    )
    out: dict[str, dict[str, Any]] = {}
    for task in tasks:
        pipe = Pipeline([("features", features), ("clf", heads[task])])
        version = new_version()
        card = {
            "task": task,
            "version": version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "labels": list(SENTIMENTS) if task == "sentiment" else list(INTENTS),
            "description": (
                f"Heads refitted on the shipped base rows plus {len(extra)} workspace-labelled comments; "
                "feature union unchanged (features_id below)."
            ),
            "mode": "heads",
            "features_id": base.features_id,
            "base": base_entry,
            "params": {"base_params": base.params, "extra_rows": len(extra)},
            "metrics": new_scores[task],
            "library_versions": library_versions(),
        }
        if task == "intents":
            card["thresholds"] = dict(zip(INTENTS, heads[task].thresholds_, strict=True))
        art: Artifact = save_artifact(
            pipe, task=task, version=version, card=card, models_dir=models_dir, render_readme=render_card
        )
        entry: dict[str, Any] = {
            "version": art.version,
            "metrics": new_scores[task],
            "extra_rows": len(extra),
        }
        if task in current:
            entry["current_version"] = current[task][0]
            entry["current_metrics"] = cur_scores[task]
        entry["mode"] = "heads"
        out[task] = entry
    return out
