"""Fit, select, evaluate and save the sentiment and intent pipelines.

Recipe (see training/configs/default.json):

* Splits: the project corpus is split by note and near-duplicate group (train / val / test).
  Extra labelled rows (``--data`` or a training job upload) only ever join the training side, so a
  retrained model is compared with the current one on the same test rows.
* Sentiment: project train rows (real rows weighted above written ones) plus public data, each
  public domain given a weight budget relative to the project's total weight, so that XHS text is
  not judged like a hotel review. C and the public scale are chosen on the real validation rows.
* Intents: project train rows; per-intent calibration and thresholds on the validation rows.
* Evaluation on the held-back test rows (real and written separately), on held-back public reviews
  and on a review category never trained on, next to SnowNLP and keyword baselines.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from models.artifacts import MODELS_DIR, Artifact, library_versions, new_version, save_artifact
from models.comments import IntentClassifier, build_features, mark_fitted_features
from models.labels import INTENTS, SENTIMENTS
from models.text import lexicon_fingerprint
from training.datasets import (
    COMMERCIAL_FOLDERS,
    PROJECT_CORPUS_DIR,
    REAL_SOURCES,
    CorpusError,
    PublicSentiment,
    assign_splits,
    corpus_hashes,
    default_shared_dir,
    load_project_corpus,
    load_public_sentiment,
    read_frozen_splits,
    skeleton,
)
from training.evaluate import (
    binary_accuracy,
    evaluate_intent_set,
    evaluate_sentiment_set,
    render_card,
    sentiment_metrics,
    snownlp_binary_accuracy,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path(__file__).resolve().parent / "configs" / "default.json"

Progress = Callable[[str, float], None]


def _noop(stage: str, fraction: float) -> None:
    return None


def load_config(path: Path = DEFAULT_CONFIG) -> dict[str, Any]:
    cfg: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return cfg


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "models/comments.py",
                "models/text.py",
                "training",
                "corpora",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return (
            out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
            if out.returncode == 0
            else "unknown"
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dataclass
class TrainingData:
    corpus: pd.DataFrame  # labelled project corpus with text, source, corpus, split
    public: PublicSentiment | None
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)  # extra labelled rows, training side only
    cache: dict[str, Any] = field(default_factory=dict)  # fitted features and matrices, reused across fits
    shared_dir: Path = field(default_factory=default_shared_dir)
    corpus_dir: Path = PROJECT_CORPUS_DIR

    def rows(self, split: str) -> pd.DataFrame:
        return self.corpus[self.corpus["split"] == split]


def prepare_data(
    *,
    shared_dir: Path | None = None,
    corpus_dir: Path = PROJECT_CORPUS_DIR,
    extra: pd.DataFrame | None = None,
    with_public: bool = True,
    seed: int | None = None,
) -> TrainingData:
    shared = shared_dir or default_shared_dir()
    corpus = load_project_corpus(shared, corpus_dir)
    corpus["split"] = assign_splits(
        corpus, frozen=read_frozen_splits(corpus_dir), **({"seed": seed} if seed is not None else {})
    )
    public = load_public_sentiment(shared) if with_public else None
    extra_rows = extra if extra is not None else pd.DataFrame()
    if not extra_rows.empty:
        # Extra rows never carry a held-back text into training: the comparison stays honest.
        held = set(corpus.loc[corpus["split"] != "train", "text"].map(skeleton))
        extra_rows = extra_rows[~extra_rows["text"].map(skeleton).isin(held)].reset_index(drop=True)
    return TrainingData(
        corpus=corpus, public=public, extra=extra_rows, shared_dir=shared, corpus_dir=corpus_dir
    )


def _lexicon_paths(cfg: dict[str, Any], shared: Path) -> tuple[list[str], list[str]]:
    pos = [str(shared / p) for p in cfg["lexicons"]["positive"] if (shared / p).exists()]
    neg = [str(shared / p) for p in cfg["lexicons"]["negative"] if (shared / p).exists()]
    return pos, neg


def _project_weights(df: pd.DataFrame, weights: dict[str, float]) -> np.ndarray:
    source = df["source"] if "source" in df.columns else pd.Series("written", index=df.index)
    return source.map(lambda s: float(weights.get(s, 1.0))).to_numpy(dtype=float)


def _training_frame(data: TrainingData, task: str, exclude_corpus: str | None = None) -> pd.DataFrame:
    train = data.rows("train")
    if exclude_corpus is not None:
        train = data.corpus[data.corpus["corpus"] != exclude_corpus]
        train = train[train["split"] != "test"]
    frames = [train]
    if not data.extra.empty:
        extra = data.extra.copy()
        extra["source"] = "extra"
        if task == "sentiment":
            extra = extra[extra["sentiment"].isin(SENTIMENTS)]
        else:
            extra = extra.dropna(subset=list(INTENTS))
        frames.append(extra)
    return pd.concat(frames, ignore_index=True)


def _feature_kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    f = cfg["features"]
    return {
        "max_word_features": f["max_word_features"],
        "max_char_features": f["max_char_features"],
        "min_df": f["min_df"],
    }


def fit_features(data: TrainingData, cfg: dict[str, Any], exclude_corpus: str | None = None) -> FeatureUnion:
    """The feature union both tasks share, fitted once on every training-side text.

    Vocabularies and IDF come from the project's training rows, extra rows and the public sentiment
    rows (never from validation or test rows). Sharing one fitted union lets serving compute the
    features of a comment once for sentiment and intents (see ``CommentModels.predict``).
    """
    key = f"features:{exclude_corpus}"
    if key in data.cache:
        return cast(FeatureUnion, data.cache[key])
    texts = _training_frame(data, "sentiment", exclude_corpus)["text"].tolist()
    texts += _training_frame(data, "intents", exclude_corpus)["text"].tolist()
    if data.public is not None:
        texts += data.public.train["text"].tolist()
    pos, neg = _lexicon_paths(cfg, data.shared_dir)
    features = build_features(pos, neg, **_feature_kwargs(cfg))
    features.fit(list(dict.fromkeys(texts)))
    mark_fitted_features(features)
    data.cache[key] = features
    return features


def _sentiment_matrix(
    data: TrainingData, cfg: dict[str, Any], exclude_corpus: str | None
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, base weights and public-domain of every sentiment training row (cached)."""
    key = f"sentiment_matrix:{exclude_corpus}"
    if key in data.cache:
        return cast(tuple[Any, np.ndarray, np.ndarray, np.ndarray], data.cache[key])
    scfg = cfg["sentiment"]
    train = _training_frame(data, "sentiment", exclude_corpus)
    weights_map = {**scfg["project_weight"], "extra": scfg["project_weight"].get("real", 1.0)}
    texts = train["text"].tolist()
    labels = train["sentiment"].tolist()
    weights = list(_project_weights(train, weights_map))
    domains = [""] * len(texts)
    if data.public is not None:
        texts += data.public.train["text"].tolist()
        labels += data.public.train["sentiment"].tolist()
        weights += [0.0] * len(data.public.train)
        domains += data.public.train["domain"].tolist()
    X = fit_features(data, cfg, exclude_corpus).transform(texts)
    out = (X, np.asarray(labels), np.asarray(weights, dtype=float), np.asarray(domains))
    data.cache[key] = out
    return out


def fit_sentiment(
    data: TrainingData,
    cfg: dict[str, Any],
    *,
    C: float,
    public_scale: float,
    exclude_corpus: str | None = None,
) -> Pipeline:
    """Sentiment pipeline: shared features + multinomial logistic regression with domain weights.

    Each public domain gets ``budget x public_scale`` of the project rows' total weight, spread
    evenly over its rows, so tens of thousands of reviews cannot drown a few thousand XHS comments.
    """
    X, y, base, domains = _sentiment_matrix(data, cfg, exclude_corpus)
    weights = base.copy()
    total = float(base[domains == ""].sum())
    for domain, share in cfg["sentiment"]["public_budget"].items():
        mask = domains == domain
        if mask.any() and public_scale > 0:
            weights[mask] = share * public_scale * total / int(mask.sum())
    keep = weights > 0
    clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=cfg["seed"])
    clf.fit(X[keep], y[keep], sample_weight=weights[keep])
    return Pipeline([("features", fit_features(data, cfg, exclude_corpus)), ("clf", clf)])


def fit_intents(
    data: TrainingData, cfg: dict[str, Any], *, C: float, exclude_corpus: str | None = None
) -> Pipeline:
    """Intent pipeline: shared features + one calibrated, thresholded model per intent."""
    icfg = cfg["intents"]
    train = _training_frame(data, "intents", exclude_corpus)
    val = data.rows("val")
    if exclude_corpus is not None:
        val = val[val["corpus"] != exclude_corpus]
    weights_map = {**icfg["project_weight"], "extra": icfg["project_weight"].get("real", 1.0)}
    features = fit_features(data, cfg, exclude_corpus)
    clf = IntentClassifier(INTENTS, C=C, min_precision=icfg["min_precision"], random_state=cfg["seed"])
    clf.fit(
        features.transform(train["text"].tolist()),
        train[list(INTENTS)].to_numpy(dtype=int),
        sample_weight=_project_weights(train, weights_map),
        X_val=features.transform(val["text"].tolist()),
        Y_val=val[list(INTENTS)].to_numpy(dtype=int),
    )
    return Pipeline([("features", features), ("clf", clf)])


def _predict_sentiment(pipe: Pipeline, texts: list[str]) -> tuple[list[str], np.ndarray]:
    proba = pipe.predict_proba(texts)
    classes = [str(c) for c in pipe.classes_]
    order = [classes.index(c) for c in SENTIMENTS]
    proba = proba[:, order]
    return [SENTIMENTS[i] for i in proba.argmax(axis=1)], proba


def select_sentiment(
    data: TrainingData, cfg: dict[str, Any], progress: Progress = _noop
) -> tuple[Pipeline, dict[str, Any]]:
    """Grid over C and the public-data scale; pick the best macro-F1 on the real validation rows."""
    grid = cfg["sentiment"]["grid"]
    val = data.rows("val")
    val_real = val[val["source"] == "real"]
    scales = grid["public_scale"] if data.public is not None else [0.0]
    combos = [(c, s) for c in grid["C"] for s in scales]
    best: tuple[float, Pipeline | None, dict[str, Any]] = (-1.0, None, {})
    tried = []
    for i, (C, scale) in enumerate(combos):
        progress(f"sentiment: fitting C={C} public_scale={scale}", i / (len(combos) + 1))
        pipe = fit_sentiment(data, cfg, C=C, public_scale=scale)
        pred, _ = _predict_sentiment(pipe, val_real["text"].tolist())
        score = sentiment_metrics(val_real["sentiment"], pred)["macro_f1"]
        pred_all, _ = _predict_sentiment(pipe, val["text"].tolist())
        score_all = sentiment_metrics(val["sentiment"], pred_all)["macro_f1"]
        tried.append(
            {"C": C, "public_scale": scale, "val_real_macro_f1": score, "val_all_macro_f1": score_all}
        )
        if score > best[0]:
            best = (score, pipe, {"C": C, "public_scale": scale})
    assert best[1] is not None
    return best[1], {"selected": best[2], "grid": tried}


def select_intents(
    data: TrainingData, cfg: dict[str, Any], progress: Progress = _noop
) -> tuple[Pipeline, dict[str, Any]]:
    """Grid over C; pick the best mean F1 over intents on the validation rows (thresholds tuned there)."""
    val = data.rows("val")
    best: tuple[float, Pipeline | None, dict[str, Any]] = (-1.0, None, {})
    tried = []
    grid = cfg["intents"]["grid"]["C"]
    for i, C in enumerate(grid):
        progress(f"intents: fitting C={C}", i / (len(grid) + 1))
        pipe = fit_intents(data, cfg, C=C)
        pred = pipe.predict(val["text"].tolist())
        Y = val[list(INTENTS)].to_numpy(dtype=int)
        f1s = []
        for j in range(len(INTENTS)):
            tp = float(np.sum((pred[:, j] == 1) & (Y[:, j] == 1)))
            denom = float(pred[:, j].sum() + Y[:, j].sum())
            f1s.append(2 * tp / denom if denom else 0.0)
        score = float(np.mean(f1s))
        tried.append({"C": C, "val_mean_f1": round(score, 4)})
        if score > best[0]:
            best = (score, pipe, {"C": C})
    assert best[1] is not None
    return best[1], {"selected": best[2], "grid": tried}


def test_sets(data: TrainingData) -> dict[str, pd.DataFrame]:
    """The held-back project rows, by kind of comment (empty sets left out).

    * ``xhs_commercial_test``: real comments under product, sponsored and brand-account notes
      (:data:`COMMERCIAL_FOLDERS`), split by note; ``xhs_commercial_test_random``: those of them
      drawn at random within notes (the active-learning rows are harder than the natural mix);
    * ``xhs_real_test``: the other real folders (citywalk, plant care, AI debate, local identity, Douyin);
    * ``xhs_written_test``: comments the team wrote for the hard cases.
    """
    test = data.rows("test")
    commercial = test["corpus"].isin(COMMERCIAL_FOLDERS)
    sets = {
        "xhs_commercial_test": test[commercial],
        "xhs_commercial_test_random": test[commercial & test["sample"].str.contains("random")],
        "xhs_real_test": test[(test["source"] == "real") & ~commercial],
        "xhs_written_test": test[test["source"] == "written"],
    }
    return {name: part for name, part in sets.items() if not part.empty}


def evaluate_sentiment(
    pipe: Pipeline, data: TrainingData, *, baselines: bool = True, public_sample: int = 3000
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, part in test_sets(data).items():
        pred, proba = _predict_sentiment(pipe, part["text"].tolist())
        out[name] = evaluate_sentiment_set(part, pred, proba, with_baseline=baselines)
    if data.public is not None:
        for name, frame in (
            ("public_in_domain_test (online_shopping_10_cats, held back)", data.public.in_domain_test),
            (
                "public_cross_domain_test (online_shopping 洗发水, never trained on)",
                data.public.cross_domain_test,
            ),
        ):
            sample = (
                frame.sample(min(public_sample, len(frame)), random_state=data_seed(data))
                if len(frame)
                else frame
            )
            if sample.empty:
                continue
            _, proba = _predict_sentiment(pipe, sample["text"].tolist())
            entry: dict[str, Any] = {
                "n": len(sample),
                "binary_accuracy": binary_accuracy(sample["sentiment"], proba, SENTIMENTS),
            }
            if baselines:
                entry["baseline_snownlp_binary_accuracy"] = snownlp_binary_accuracy(
                    sample["sentiment"].tolist(), sample["text"].tolist()
                )
            out[name] = entry
    return out


def data_seed(data: TrainingData) -> int:
    return 20261124


def evaluate_intents(pipe: Pipeline, data: TrainingData, *, baselines: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, part in test_sets(data).items():
        texts = part["text"].tolist()
        out[name] = evaluate_intent_set(
            part, pipe.predict(texts), pipe.predict_proba(texts), with_baseline=baselines
        )
    return out


def cross_corpus(
    data: TrainingData, cfg: dict[str, Any], task: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Leave one commercial folder out: train without it, test on that folder's held-back rows."""
    out: dict[str, Any] = {}
    folders = sorted(c for c in data.corpus["corpus"].unique() if c in COMMERCIAL_FOLDERS)
    for folder in folders:
        held = data.corpus[(data.corpus["corpus"] == folder) & (data.corpus["split"] == "test")]
        if len(held) < 30:
            continue
        if task == "sentiment":
            pipe = fit_sentiment(
                data, cfg, C=params["C"], public_scale=params["public_scale"], exclude_corpus=folder
            )
            pred, _ = _predict_sentiment(pipe, held["text"].tolist())
            m = sentiment_metrics(held["sentiment"], pred)
            out[folder] = {"n": len(held), "macro_f1": m["macro_f1"], "accuracy": m["accuracy"]}
        else:
            pipe = fit_intents(data, cfg, C=params["C"], exclude_corpus=folder)
            pred = pipe.predict(held["text"].tolist())
            Y = held[list(INTENTS)].to_numpy(dtype=int)
            entry: dict[str, Any] = {"n": len(held)}
            for j, name in enumerate(INTENTS):
                if Y[:, j].sum() >= 5:
                    tp = float(np.sum((pred[:, j] == 1) & (Y[:, j] == 1)))
                    entry[f"{name}_f1"] = round(2 * tp / float(pred[:, j].sum() + Y[:, j].sum()), 4)
            out[folder] = entry
    return out


def cross_domain(
    data: TrainingData,
    cfg: dict[str, Any],
    params: dict[str, Any],
    progress: Progress = _noop,
    *,
    max_rows_per_domain: int = 15000,
) -> dict[str, Any]:
    """Leave-one-category-out over online_shopping_10_cats and bdci (:mod:`training.cross_domain`)."""
    from training.cross_domain import car_polar_posts, leave_one_domain_out

    if data.public is None:
        return {}
    shop = pd.read_csv(data.shared_dir / "online_shopping_10_cats" / "online_shopping_10_cats.csv", dtype=str)
    shop = shop.dropna(subset=["review"])
    shop = pd.DataFrame(
        {
            "text": shop["review"],
            "sentiment": np.where(shop["label"] == "1", "positive", "negative"),
            "cat": shop["cat"],
        }
    )
    shop = shop[shop["text"].str.strip() != ""].drop_duplicates("text").reset_index(drop=True)
    train = _training_frame(data, "sentiment")
    weights_map = {
        **cfg["sentiment"]["project_weight"],
        "extra": cfg["sentiment"]["project_weight"].get("real", 1.0),
    }
    project = pd.DataFrame(
        {
            "text": train["text"],
            "sentiment": train["sentiment"],
            "weight": _project_weights(train, weights_map),
        }
    )
    public = data.public.train[data.public.train["domain"] != "shopping"]
    return leave_one_domain_out(
        project,
        public,
        shop,
        car_polar_posts(data.shared_dir),
        {**cfg, "features_kwargs": _feature_kwargs(cfg)},
        _lexicon_paths(cfg, data.shared_dir),
        params=params,
        max_rows_per_domain=max_rows_per_domain,
        progress=progress,
    )


def _training_data_summary(data: TrainingData, task: str) -> dict[str, Any]:
    c = data.corpus
    summary: dict[str, Any] = {
        "project_corpus_rows": len(c),
        "project_rows_by_split": c["split"].value_counts().to_dict(),
        "real_rows_by_split": c[c["source"] == "real"]["split"].value_counts().to_dict(),
        "extra_rows": len(data.extra),
    }
    if task == "sentiment" and data.public is not None:
        summary["public_rows_by_domain"] = data.public.train["domain"].value_counts().to_dict()
    return summary


DESCRIPTIONS = {
    "sentiment": (
        "Three-class sentiment of XHS comments towards the note, product or creator (LABELS.md). "
        "Multinomial logistic regression over TF-IDF word n-grams (jieba with the XHS user dictionary), "
        "character 1-3-grams and lexicon features; trained on the project's labelled corpus (including real "
        "comments under product, sponsored and brand-account notes) plus domain-weighted public sentiment data."
    ),
    "intents": (
        "Multi-label intents of XHS comments (purchase_intent, skepticism, paid_suspicion, question, spam). "
        "One logistic regression per intent over the shared features, Platt-calibrated on the validation "
        "split, with a per-intent threshold maximising validation F1."
    ),
}


def fit_task(
    task: str, data: TrainingData, cfg: dict[str, Any], *, grid: bool = True, progress: Progress = _noop
) -> tuple[Pipeline, dict[str, Any]]:
    """Select and fit one task's pipeline; returns it with the selection record."""
    if task == "sentiment":
        if grid:
            return select_sentiment(data, cfg, progress)
        params: dict[str, Any] = {
            "C": cfg["sentiment"]["C"],
            "public_scale": 1.0 if data.public is not None else 0.0,
        }
        return fit_sentiment(data, cfg, **params), {"selected": params, "grid": []}
    if task == "intents":
        if grid:
            return select_intents(data, cfg, progress)
        params = {"C": cfg["intents"]["C"]}
        return fit_intents(data, cfg, **params), {"selected": params, "grid": []}
    raise ValueError(f"unknown task {task!r}; expected 'sentiment' or 'intents'")


def save_task(
    task: str,
    pipe: Pipeline,
    selection: dict[str, Any],
    data: TrainingData,
    cfg: dict[str, Any],
    *,
    models_dir: Path = MODELS_DIR,
    with_cross_corpus: bool = False,
    baselines: bool = True,
    base_entry: dict[str, Any] | None = None,
    progress: Progress = _noop,
) -> Artifact:
    """Evaluate a fitted pipeline, run the cross checks if asked, and save it with its card."""
    progress(f"{task}: evaluating", 0.85)
    extra_card: dict[str, Any]
    if task == "sentiment":
        metrics = evaluate_sentiment(pipe, data, baselines=baselines)
        extra_card = {"classes": list(SENTIMENTS)}
    else:
        metrics = evaluate_intents(pipe, data, baselines=baselines)
        clf: IntentClassifier = pipe.named_steps["clf"]
        extra_card = {"thresholds": dict(zip(INTENTS, clf.thresholds_, strict=True))}
    cross: dict[str, Any] = {}
    if with_cross_corpus:
        progress(f"{task}: leave-one-folder-out check", 0.88)
        cross = cross_corpus(data, cfg, task, selection["selected"])
        if task == "sentiment":
            progress(f"{task}: cross-domain check", 0.92)
            cross = {
                "leave_one_folder_out": cross,
                "public_leave_one_domain_out": cross_domain(data, cfg, selection["selected"]),
            }
    version = new_version()
    card = {
        "task": task,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "labels": list(SENTIMENTS) if task == "sentiment" else list(INTENTS),
        "description": DESCRIPTIONS[task],
        "mode": "full",
        "params": {"selection": selection, "config": cfg},
        "features_id": getattr(pipe.named_steps["features"], "fitted_id_", None),
        "corpus_hashes": corpus_hashes(data.shared_dir, data.corpus_dir),
        "userdict_sha256": lexicon_fingerprint(),
        "training_data": _training_data_summary(data, task),
        "metrics": metrics,
        "cross_corpus": cross,
        "library_versions": library_versions(),
        **({"base": base_entry} if base_entry else {}),
        **extra_card,
    }
    progress(f"{task}: saving", 0.97)
    return save_artifact(
        pipe, task=task, version=version, card=card, models_dir=models_dir, render_readme=render_card
    )


def train_task(
    task: str,
    data: TrainingData,
    cfg: dict[str, Any],
    *,
    models_dir: Path = MODELS_DIR,
    grid: bool = True,
    with_cross_corpus: bool = False,
    baselines: bool = True,
    progress: Progress = _noop,
) -> Artifact:
    """Select, fit, evaluate and save one task's model; returns the saved (not yet current) artifact."""
    return train_models(
        data,
        cfg,
        tasks=(task,),
        models_dir=models_dir,
        grid=grid,
        with_cross_corpus=with_cross_corpus,
        baselines=baselines,
        progress=progress,
    )[task]


def train_models(
    data: TrainingData,
    cfg: dict[str, Any],
    *,
    tasks: tuple[str, ...] = ("sentiment", "intents"),
    models_dir: Path = MODELS_DIR,
    grid: bool = True,
    with_cross_corpus: bool = False,
    baselines: bool = True,
    with_base: bool = True,
    progress: Progress = _noop,
) -> dict[str, Artifact]:
    """Full training of the requested tasks: the entry ``redlens train`` and ``make train`` use.

    When both tasks are trained (they share one fitted feature union), the base file of
    :mod:`training.base_matrix` is written and named in both cards, so later retrains can refit
    the heads without the corpora.
    """
    from training.base_matrix import save_base
    from training.heads import build_base

    fitted: dict[str, tuple[Pipeline, dict[str, Any]]] = {}
    for n, task in enumerate(tasks):

        def sub(stage: str, fraction: float, n: int = n) -> None:
            progress(stage, (n + fraction * 0.8) / len(tasks))

        fitted[task] = fit_task(task, data, cfg, grid=grid, progress=sub)
    base_entry = None
    if with_base and set(tasks) == {"sentiment", "intents"}:
        progress("saving the base training rows in feature space", 0.8)
        s_sel = fitted["sentiment"][1]["selected"]
        params = {
            "sentiment_C": float(s_sel["C"]),
            "public_scale": float(s_sel["public_scale"]),
            "intents_C": float(fitted["intents"][1]["selected"]["C"]),
        }
        base = build_base(data, cfg, fitted["sentiment"][0].named_steps["features"], params, seed=cfg["seed"])
        base_entry = save_base(base, models_dir)
    out: dict[str, Artifact] = {}
    for n, task in enumerate(tasks):

        def sub2(stage: str, fraction: float, n: int = n) -> None:
            progress(stage, 0.8 + 0.2 * (n + fraction) / len(tasks))

        pipe, selection = fitted[task]
        out[task] = save_task(
            task,
            pipe,
            selection,
            data,
            cfg,
            models_dir=models_dir,
            with_cross_corpus=with_cross_corpus,
            baselines=baselines,
            base_entry=base_entry,
            progress=sub2,
        )
    return out


@dataclass
class RetrainResult:
    """New versions (saved, not current) and their metrics next to the current models' on the same rows."""

    tasks: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"tasks": self.tasks}


def retrain(
    extra: pd.DataFrame | None,
    *,
    tasks: tuple[str, ...] = ("sentiment", "intents"),
    models_dir: Path = MODELS_DIR,
    shared_dir: Path | None = None,
    corpus_dir: Path = PROJECT_CORPUS_DIR,
    with_public: bool = True,
    grid: bool = False,
    progress: Progress = _noop,
    current_versions: Mapping[str, str] | None = None,
    mode: str = "auto",
) -> RetrainResult:
    """Train new versions with ``extra`` labelled rows added to the training side, and compare.

    This is what a training job runs. ``mode``: ``heads`` refits only the classifier heads on the
    base file shipped with the current models (seconds, no corpora needed); ``full`` refits
    everything from the corpora (minutes); ``auto`` (default) takes ``heads`` when the current
    models have a base file. The new versions are saved but not promoted; the result holds,
    per task, the new version and its test metrics next to the current version's metrics computed
    in the same call on the same test rows. ``current_versions`` names the versions to compare with
    (what the training workspace is served); by default the registry's current ones.
    """
    from models.artifacts import ArtifactError, current_version, load_pipeline

    currents = {
        task: (current_versions or {}).get(task) or current_version(task, models_dir) for task in tasks
    }
    if mode != "full":
        fast = _retrain_from_base(extra, tasks, currents, models_dir, progress)
        if fast is not None:
            return fast
        if mode == "heads":
            raise CorpusError(
                "the current models carry no base training file (models/bases/); "
                "retrain with the public corpora instead"
            )
    shared = shared_dir or default_shared_dir()
    missing = [
        str(shared / folder)
        for folder in ("online_shopping_10_cats", *REAL_SOURCES)
        if not (shared / folder).is_dir()
    ]
    if missing:
        raise CorpusError(
            "retraining needs either the base training file that ships with the default models "
            "(models/bases/<features id>.npz, named in the current model's card) or the public corpora; "
            f"missing: {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''} "
            "(set REDLENS_SHARED_CORPORA_DIR to the folder that holds them)"
        )
    cfg = load_config()
    progress("loading corpora", 0.02)
    data = prepare_data(
        shared_dir=shared,
        corpus_dir=corpus_dir,
        extra=extra,
        with_public=with_public and "sentiment" in tasks,
    )
    out: dict[str, dict[str, Any]] = {}
    for n, task in enumerate(tasks):

        def sub(stage: str, fraction: float, n: int = n) -> None:
            progress(stage, (n + fraction) / len(tasks))

        art = train_task(task, data, cfg, models_dir=models_dir, grid=grid, baselines=False, progress=sub)
        entry: dict[str, Any] = {
            "version": art.version,
            "metrics": art.card["metrics"],
            "extra_rows": len(data.extra),
            "mode": "full",
        }
        cur = currents.get(task)
        if cur is not None:
            try:
                pipe, _ = load_pipeline(task, cur, models_dir)
                entry["current_version"] = cur
                entry["current_metrics"] = (
                    evaluate_sentiment(pipe, data, baselines=False)
                    if task == "sentiment"
                    else evaluate_intents(pipe, data, baselines=False)
                )
            except ArtifactError as exc:
                entry["current_version"] = cur
                entry["current_error"] = str(exc)
        out[task] = entry
    progress("done", 1.0)
    return RetrainResult(tasks=out)


def _retrain_from_base(
    extra: pd.DataFrame | None,
    tasks: tuple[str, ...],
    currents: Mapping[str, str | None],
    models_dir: Path,
    progress: Progress,
) -> RetrainResult | None:
    """Refit the heads on the current models' base file, or None when they have none."""
    from models.artifacts import ArtifactError, load_pipeline, read_card
    from training.base_matrix import BaseMatrixError, load_base
    from training.heads import retrain_heads

    current: dict[str, tuple[str, Pipeline]] = {}
    entries = []
    for task in ("sentiment", "intents"):
        version = currents.get(task)
        if version is None:
            return None
        try:
            card = read_card(task, version, models_dir)
        except ArtifactError:
            return None
        if not card.get("base"):
            return None
        entries.append((card["base"], card.get("features_id")))
        current[task] = (version, load_pipeline(task, version, models_dir)[0])
    if entries[0] != entries[1]:
        return None  # the two tasks were not trained on one feature union
    progress("loading the base training rows", 0.05)
    try:
        base = load_base(entries[0][0], models_dir)
    except BaseMatrixError:
        return None
    if base.features_id != entries[0][1]:
        return None
    progress("refitting the heads on base + new rows", 0.3)
    extra_rows = extra if extra is not None else pd.DataFrame(columns=["text"])
    out = retrain_heads(extra_rows, base, entries[0][0], current, tasks=tasks, models_dir=models_dir)
    progress("done", 1.0)
    return RetrainResult(tasks=out)
