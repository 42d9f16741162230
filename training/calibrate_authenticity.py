"""Calibrate the authenticity score on simulated accounts and measure it on a fresh seed.

Steps (``python -m training.calibrate_authenticity``; reproducible for the same corpora):

1. Machine-written comment model: a logistic regression on hashed character n-grams and style
   features (:mod:`models.authenticity.machine_text`), fitted on the *tune* half of the LLM
   comments (positives) and of the real human comments (negatives); its threshold keeps the
   cross-validated false-positive rate on human comments at about 1%. Measured on the *eval* half.
2. Signal features for accounts of the tuning seeds (tune-half comment pools).
3. A logistic model with non-negative weights (L2-penalised) on those features; risk thresholds
   chosen on the tuning accounts: "high" keeps organic false positives at or below
   ``HIGH_FPR`` (and organic viral at or below ``HIGH_FPR_VIRAL``), "medium" at or below
   ``MEDIUM_FPR``.
4. Evaluation on a seed never used for tuning, with the eval-half comment pools: ROC-AUC,
   precision and recall at the high-risk threshold, false-positive rate on organic viral
   accounts, per-scenario detection rates, and slices by tier, noise and data completeness.

Writes ``models/authenticity/calibration.json`` (read by the package), ``card.json`` and the
generated ``CARD.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from models.authenticity.calibration import ALL_FEATURES, CALIBRATION_PATH, Calibration, calibration_from_dict
from models.authenticity.config import AuthenticityConfig
from models.authenticity.machine_text import DENSE_FEATURES, MachineTextModel, dense_features, hashed_buckets
from models.authenticity.score import CORE_SIGNALS, extract_signals, feature_vector
from models.text import normalize
from training.simulate import DEFAULT_CORPORA_DIR, CommentPools, load_comment_pools, simulate_accounts

OUT_DIR = CALIBRATION_PATH.parent
TUNING_SEEDS: tuple[int, ...] = (101, 102, 103)
EVAL_SEED = 2026
N_PER_TUNING_SEED = 500
N_EVAL = 1000
N_BUCKETS = 4096
NGRAM_MAX = 3
MACHINE_FPR = 0.01
HIGH_FPR = 0.04
HIGH_FPR_VIRAL = 0.03
MEDIUM_FPR = 0.10
MEDIUM_MAX = 90.0
L2 = 1.0
EVALUATION_NOTE = (
    "Development tuned every threshold and the simulator on the tuning seeds only (fits on seed 101 "
    "checked on seed 102). The evaluation seed was scored twice: the first run gave ROC-AUC 0.9553; "
    "two changes followed that were not driven by its figures (MinHash LSH with 32 bands of 2 rows "
    "instead of 16 of 4, after the benchmark showed the old layout missed near-duplicate pairs; "
    "default-nickname weight 0.45 instead of 0.35, so that a default-nickname generic-praise comment "
    "counts as a likely bot, which the monotonicity test requires), then this second and final run."
)


# ----------------------------------------------------------------------------------------------
# 1. machine-written comment model


def _machine_matrix(texts: Sequence[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    rows, cols, vals = [], [], []
    dense = np.zeros((len(texts), len(DENSE_FEATURES)))
    for i, text in enumerate(texts):
        norm = normalize(text)
        buckets = hashed_buckets(norm, n_buckets=N_BUCKETS, ngram_max=NGRAM_MAX)
        if buckets.size:
            rows.extend([i] * buckets.size)
            cols.extend(buckets.tolist())
            vals.extend([1.0 / math.sqrt(buckets.size)] * buckets.size)
        dense[i] = dense_features(norm)
    hashed = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), N_BUCKETS))
    return hashed, dense


def _human_sample(pools: CommentPools, n: int, seed: int) -> list[str]:
    """``n`` real comments: every long (>= 30 characters) one, the hardest negatives because LLM
    comments are long too, then a random sample of the rest."""
    rng = np.random.default_rng(seed)
    texts = [t for source in sorted(pools.human) for t in pools.human[source]]
    long = [t for t in texts if len(t) >= 30]
    short = [t for t in texts if len(t) < 30]
    rng.shuffle(long)
    long = long[: n // 2]
    idx = rng.choice(len(short), size=min(n - len(long), len(short)), replace=False)
    return long + [short[int(i)] for i in idx]


def train_machine_text(
    tune: CommentPools, evaluation: CommentPools
) -> tuple[MachineTextModel, dict[str, Any]]:
    pos = list(tune.llm)
    neg = _human_sample(tune, 6000, seed=7)
    texts = pos + neg
    y = np.array([1] * len(pos) + [0] * len(neg))
    hashed, dense = _machine_matrix(texts)
    mean, scale = dense.mean(axis=0), dense.std(axis=0)
    scale[scale == 0] = 1.0
    x = sparse.hstack([hashed, sparse.csr_matrix((dense - mean) / scale)]).tocsr()
    clf = LogisticRegression(C=2.0, class_weight="balanced", max_iter=5000, random_state=0)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    oof = cross_val_predict(clf, x, y, cv=cv, method="predict_proba")[:, 1]
    threshold = float(np.quantile(oof[y == 0], 1.0 - MACHINE_FPR))
    clf.fit(x, y)
    coef = clf.coef_.ravel()
    model = MachineTextModel(
        n_buckets=N_BUCKETS,
        ngram_max=NGRAM_MAX,
        intercept=float(clf.intercept_[0]),
        hashed=coef[:N_BUCKETS].astype(np.float64),
        dense_coef=coef[N_BUCKETS:].astype(np.float64),
        dense_mean=mean,
        dense_scale=scale,
        threshold=round(max(threshold, 0.5), 4),
    )
    # Re-read through JSON so the evaluated model is exactly what the package will load.
    model = MachineTextModel.from_dict(json.loads(json.dumps(model.to_dict())))
    eval_pos = list(evaluation.llm)
    eval_neg = _human_sample(evaluation, 6000, seed=8)
    p_pos = model.predict_proba(eval_pos)
    p_neg = model.predict_proba(eval_neg)
    y_eval = np.array([1] * len(p_pos) + [0] * len(p_neg))
    metrics = {
        "train": {
            "positives": len(pos),
            "negatives": len(neg),
            "cv_roc_auc": round(float(roc_auc_score(y, oof)), 4),
        },
        "eval": {
            "positives": len(eval_pos),
            "negatives": len(eval_neg),
            "roc_auc": round(float(roc_auc_score(y_eval, np.concatenate([p_pos, p_neg]))), 4),
            "recall_at_threshold": round(float((p_pos >= model.threshold).mean()), 4),
            "false_positive_rate_at_threshold": round(float((p_neg >= model.threshold).mean()), 4),
        },
        "threshold": model.threshold,
    }
    return model, metrics


# ----------------------------------------------------------------------------------------------
# 2. features of simulated accounts (in worker processes)


def _features_chunk(
    args: tuple[int, int, list[int], str, str | None, dict[str, Any] | None],
) -> list[dict[str, Any]]:
    seed, n_accounts, indices, split, corpora_dir, machine = args
    pools = load_comment_pools(Path(corpora_dir) if corpora_dir else None, split)  # type: ignore[arg-type]
    model = MachineTextModel.from_dict(machine) if machine else None
    sims = simulate_accounts(seed, n_accounts, pools=pools, only=indices)
    out = []
    for index, sim in zip(indices, sims, strict=True):
        signals, _ = extract_signals(sim.account, machine_text=model)
        out.append(
            {
                "index": index,
                "kol_id": sim.account.kol_id,
                "label": sim.label,
                "scenario": sim.scenario,
                "tier": sim.tier,
                "noise": sim.params.get("noise"),
                "intensity": sim.params.get("intensity"),
                "history": sim.params.get("history", "full"),
                "features": feature_vector(signals),
                "status": {name: sig.status for name, sig in signals.items()},
            }
        )
    return out


def simulate_features(
    seed: int,
    n_accounts: int,
    split: str,
    corpora_dir: Path | None,
    machine: MachineTextModel | None,
    workers: int,
) -> list[dict[str, Any]]:
    chunks = [list(range(i, n_accounts, workers * 4)) for i in range(workers * 4)]
    machine_dict = machine.to_dict() if machine is not None else None
    args = [
        (seed, n_accounts, c, split, str(corpora_dir) if corpora_dir else None, machine_dict)
        for c in chunks
        if c
    ]
    if workers <= 1:
        results = [_features_chunk(a) for a in args]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_features_chunk, args))
    return sorted((r for chunk in results for r in chunk), key=lambda r: int(r["index"]))


# ----------------------------------------------------------------------------------------------
# 3. weights and thresholds


def _matrix(records: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[r["features"][f] for f in ALL_FEATURES] for r in records], dtype=np.float64)
    y = np.array([1.0 if r["label"] == "manipulated" else 0.0 for r in records])
    return x, y


def fit_weights(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[float, np.ndarray]:
    """Logistic regression with weights >= 0 (intercept free): minimises
    ``sum(log(1 + exp(-s * (b + x.w)))) + l2/2 * |w|^2`` with ``s = +-1``, by L-BFGS-B."""
    sign = 2.0 * y - 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, w = theta[0], theta[1:]
        z = b + x @ w
        m = -sign * z
        value = float(np.logaddexp(0.0, m).sum() + 0.5 * l2 * (w @ w))
        g = -sign / (1.0 + np.exp(-m))  # d/dz of log(1 + exp(-s z))
        return value, np.concatenate(([g.sum()], x.T @ g + l2 * w))

    theta0 = np.zeros(x.shape[1] + 1)
    bounds = [(None, None)] + [(0.0, None)] * x.shape[1]
    res = optimize.minimize(
        loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000}
    )
    if not res.success:
        raise RuntimeError(f"weight fit did not converge: {res.message}")
    return float(res.x[0]), np.asarray(res.x[1:])


def _scores(x: np.ndarray, intercept: float, w: np.ndarray) -> np.ndarray:
    """The package's score: 100 * exp(-sum(w * x)) (the intercept only sets P(manipulated))."""
    del intercept
    return np.round(100.0 * np.exp(-(x @ w)), 1)


def choose_thresholds(scores: np.ndarray, records: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """Largest 'high' cut-off (score below it = high risk) whose organic false-positive rates stay
    within HIGH_FPR overall and HIGH_FPR_VIRAL on organic viral accounts; 'medium' likewise."""
    organic = np.array([r["label"] == "organic" for r in records])
    viral = np.array([r["scenario"] == "organic_viral" for r in records])
    candidates = np.arange(5.0, 95.01, 0.5)

    def ok(cut: float, fpr: float, viral_fpr: float) -> bool:
        flagged = scores < cut
        return bool(flagged[organic].mean() <= fpr and flagged[viral].mean() <= viral_fpr)

    high = max((c for c in candidates if ok(c, HIGH_FPR, HIGH_FPR_VIRAL)), default=5.0)
    medium = max((c for c in candidates if c <= MEDIUM_MAX and ok(c, MEDIUM_FPR, 1.0)), default=high)
    return float(high), float(max(medium, high))


# ----------------------------------------------------------------------------------------------
# 4. evaluation


def evaluate(records: Sequence[dict[str, Any]], cal: Calibration) -> dict[str, Any]:
    scored = [r for r in records if any(r["status"][s] == "ok" for s in CORE_SIGNALS)]
    w = np.array([cal.weights.get(f, 0.0) for f in ALL_FEATURES])
    x, y = _matrix(scored)
    scores = _scores(x, cal.intercept, w)
    p = 1.0 / (1.0 + np.exp(-(cal.intercept + x @ w)))
    high = scores < cal.high_risk_below
    medium_up = scores < cal.medium_risk_below
    organic = y == 0

    def rate(mask: np.ndarray, flags: np.ndarray) -> float | None:
        return None if not mask.any() else round(float(flags[mask].mean()), 4)

    def auc(mask: np.ndarray) -> float | None:
        if mask.sum() < 10 or len(set(y[mask].tolist())) < 2:
            return None
        return round(float(roc_auc_score(y[mask], p[mask])), 4)

    tp = int((high & (y == 1)).sum())
    per_scenario: list[dict[str, Any]] = []
    for scenario in sorted({r["scenario"] for r in scored}):
        m = np.array([r["scenario"] == scenario for r in scored])
        per_scenario.append(
            {
                "scenario": scenario,
                "label": scored[int(np.flatnonzero(m)[0])]["label"],
                "n": int(m.sum()),
                "high_risk_rate": rate(m, high),
                "medium_or_high_rate": rate(m, medium_up),
                "mean_score": round(float(scores[m].mean()), 1),
            }
        )

    def slice_table(key: str) -> list[dict[str, Any]]:
        rows = []
        for value in sorted({str(r[key]) for r in scored}):
            m = np.array([str(r[key]) == value for r in scored])
            rows.append(
                {
                    key: value,
                    "n": int(m.sum()),
                    "roc_auc": auc(m),
                    "recall_high": rate(m & (y == 1), high),
                    "organic_fpr_high": rate(m & organic, high),
                }
            )
        return rows

    manip = y == 1
    intensity = np.array([float(r["intensity"] or 0.0) for r in scored])
    by_intensity = []
    for lo, hi in ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.01)):
        m = manip & (intensity >= lo) & (intensity < hi)
        by_intensity.append(
            {
                "intensity": f"{lo:.2f}-{min(hi, 1.0):.2f}",
                "n": int(m.sum()),
                "recall_high": rate(m, high),
                "recall_medium_or_high": rate(m, medium_up),
            }
        )
    viral = np.array([r["scenario"] == "organic_viral" for r in scored])
    return {
        "accounts": len(records),
        "scored": len(scored),
        "unscored_insufficient_data": len(records) - len(scored),
        "manipulated": int(manip.sum()),
        "organic": int(organic.sum()),
        "roc_auc": auc(np.ones_like(y, dtype=bool)),
        "high_risk_threshold": cal.high_risk_below,
        "precision_high": round(tp / max(int(high.sum()), 1), 4),
        "recall_high": rate(manip, high),
        "recall_medium_or_high": rate(manip, medium_up),
        "organic_fpr_high": rate(organic, high),
        "organic_fpr_medium_or_high": rate(organic, medium_up),
        "organic_viral_fpr_high": rate(viral, high),
        "per_scenario": per_scenario,
        "by_tier": slice_table("tier"),
        "by_noise": slice_table("noise"),
        "by_history": slice_table("history"),
        "by_intensity": by_intensity,
    }


# ----------------------------------------------------------------------------------------------
# card


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def render_card(card: dict[str, Any]) -> str:
    m = card["metrics"]["eval"]
    t = card["metrics"]["tuning"]
    lines = [
        "# Audience authenticity score: calibration card",
        "",
        f"Version `{card['version']}`, created {card['created']}. Generated by "
        "`python -m training.calibrate_authenticity` from `card.json`; do not edit by hand.",
        "",
        "## What was measured",
        "",
        f"Simulated KOL accounts (`training/simulate.py`): tuning seeds {card['seeds']['tuning']} "
        f"({card['n_accounts']['tuning']} accounts, `{card['pools']['tuning']}` comment pools) and a fresh "
        f"evaluation seed {card['seeds']['eval']} ({card['n_accounts']['eval']} accounts, `{card['pools']['eval']}` "
        "pools, never used for tuning). Comment texts are split by a hash of the text, so no comment "
        "of the evaluation pools was seen while tuning the weights or the machine-written model.",
        "",
        "These figures measure the score against the simulator's assumptions; real manipulation "
        "may look different, and real organic accounts may be noisier. Treat them as a regression "
        "baseline and a sanity check, not as field accuracy.",
        "",
        card["evaluation_note"],
        "",
        "## Headline (fresh evaluation seed)",
        "",
        "| metric | value | target |",
        "|---|---|---|",
        f"| ROC-AUC (P(manipulated)) | {m['roc_auc']} | >= 0.95 |",
        f"| precision at high risk (score < {m['high_risk_threshold']}) | {_pct(m['precision_high'])} | |",
        f"| recall at high risk | {_pct(m['recall_high'])} | |",
        f"| recall at medium or high risk | {_pct(m['recall_medium_or_high'])} | |",
        f"| organic accounts graded high risk | {_pct(m['organic_fpr_high'])} | |",
        f"| organic viral accounts graded high risk | {_pct(m['organic_viral_fpr_high'])} | <= 5% |",
        f"| organic accounts graded medium or high | {_pct(m['organic_fpr_medium_or_high'])} | |",
        f"| accounts without an overall score (insufficient data) | {m['unscored_insufficient_data']} of {m['accounts']} | |",
        "",
        f"Tuning seeds for comparison: ROC-AUC {t['roc_auc']}, recall at high {_pct(t['recall_high'])}, "
        f"organic high-risk rate {_pct(t['organic_fpr_high'])}.",
        "",
        "## Per scenario (fresh evaluation seed)",
        "",
        "| scenario | label | n | graded high | graded medium or high | mean score |",
        "|---|---|---|---|---|---|",
    ]
    for row in m["per_scenario"]:
        lines.append(
            f"| {row['scenario']} | {row['label']} | {row['n']} | {_pct(row['high_risk_rate'])} | "
            f"{_pct(row['medium_or_high_rate'])} | {row['mean_score']} |"
        )
    for key, title in (("by_tier", "tier"), ("by_noise", "noise"), ("by_history", "history")):
        lines += [
            "",
            f"## By {title}",
            "",
            f"| {title} | n | ROC-AUC | recall at high | organic high-risk rate |",
            "|---|---|---|---|---|",
        ]
        for row in m[key]:
            lines.append(
                f"| {row[title]} | {row['n']} | {row['roc_auc'] or '-'} | {_pct(row['recall_high'])} | {_pct(row['organic_fpr_high'])} |"
            )
    lines += [
        "",
        "## By manipulation intensity",
        "",
        "| intensity | n | recall at high | recall at medium or high |",
        "|---|---|---|---|",
    ]
    for row in m["by_intensity"]:
        lines.append(
            f"| {row['intensity']} | {row['n']} | {_pct(row['recall_high'])} | {_pct(row['recall_medium_or_high'])} |"
        )
    mt = card["metrics"]["machine_text"]
    lines += [
        "",
        "## Machine-written comment model",
        "",
        f"Logistic regression on hashed character 1-{NGRAM_MAX}-grams ({N_BUCKETS} buckets) and {len(DENSE_FEATURES)} "
        f"style features; trained on {mt['train']['positives']} LLM-written and {mt['train']['negatives']} real "
        f"comments (cross-validated ROC-AUC {mt['train']['cv_roc_auc']}); threshold {mt['threshold']}.",
        f"On the held-out half: ROC-AUC {mt['eval']['roc_auc']}, recall {_pct(mt['eval']['recall_at_threshold'])}, "
        f"false-positive rate on real comments {_pct(mt['eval']['false_positive_rate_at_threshold'])} "
        f"({mt['eval']['positives']} LLM / {mt['eval']['negatives']} real comments). The LLM comments come from one "
        "persona tool; other generators will look different.",
        "",
        "## Weights",
        "",
        "score = 100 x exp(-sum(w * strength)); `P(manipulated) = sigmoid(intercept + sum(w * strength))` "
        "on the simulator's mix of organic and manipulated accounts.",
        "",
        "| feature | weight |",
        "|---|---|",
        f"| intercept | {card['weights']['intercept']:.3f} |",
    ]
    for name, value in card["weights"]["features"].items():
        lines.append(f"| {name} | {value:.3f} |")
    lines += [
        "",
        f"Risk grades: high below {card['risk_thresholds']['high_below']}, medium below "
        f"{card['risk_thresholds']['medium_below']} (chosen on the tuning seeds: at most {HIGH_FPR:.0%} of organic "
        f"accounts and {HIGH_FPR_VIRAL:.0%} of organic viral ones graded high, at most {MEDIUM_FPR:.0%} medium or high).",
        "",
        f"Configuration fingerprint `{card['config_sha256'][:16]}`; libraries {card['libraries']}.",
        "",
    ]
    return "\n".join(lines)


def _config_fingerprint(config: AuthenticityConfig) -> str:
    return hashlib.sha256(json.dumps(asdict(config), sort_keys=True, default=str).encode()).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA_DIR)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--tuning-accounts", type=int, default=N_PER_TUNING_SEED, help="per tuning seed")
    parser.add_argument("--eval-accounts", type=int, default=N_EVAL)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpora = args.corpora if args.corpora and args.corpora.is_dir() else None
    tune_pools = load_comment_pools(corpora, "tune")
    eval_pools = load_comment_pools(corpora, "eval")
    machine, machine_metrics = train_machine_text(tune_pools, eval_pools)
    print(f"machine-text model: {machine_metrics}", flush=True)

    tuning: list[dict[str, Any]] = []
    for seed in TUNING_SEEDS:
        tuning += simulate_features(seed, args.tuning_accounts, "tune", corpora, machine, args.workers)
        print(
            f"tuning seed {seed}: {len(tuning)} accounts ({time.perf_counter() - started:.0f} s)", flush=True
        )
    x, y = _matrix(tuning)
    intercept, w = fit_weights(x, y)
    high, medium = choose_thresholds(_scores(x, intercept, w), tuning)
    weights = {f: round(float(v), 4) for f, v in zip(ALL_FEATURES, w, strict=True)}
    digest = hashlib.sha256(
        json.dumps([round(intercept, 4), weights, high, medium, machine.to_dict()], sort_keys=True).encode()
    ).hexdigest()
    version = f"auth-{digest[:10]}"
    created = datetime.now(UTC).date().isoformat()
    cal = Calibration(
        version=version,
        intercept=round(intercept, 4),
        weights=weights,
        high_risk_below=high,
        medium_risk_below=medium,
        machine_text=machine,
        meta={"created": created, "tuning_seeds": list(TUNING_SEEDS), "tuning_accounts": len(tuning)},
    )
    cal = calibration_from_dict(json.loads(json.dumps(cal.to_dict())))

    evaluation = simulate_features(EVAL_SEED, args.eval_accounts, "eval", corpora, machine, args.workers)
    print(
        f"eval seed {EVAL_SEED}: {len(evaluation)} accounts ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    import sklearn

    card: dict[str, Any] = {
        "version": version,
        "created": created,
        "seeds": {"tuning": list(TUNING_SEEDS), "eval": EVAL_SEED},
        "n_accounts": {"tuning": len(tuning), "eval": len(evaluation)},
        "pools": {
            "tuning": tune_pools.source,
            "eval": eval_pools.source,
            "tuning_sizes": {k: len(v) for k, v in tune_pools.human.items()} | {"llm": len(tune_pools.llm)},
            "eval_sizes": {k: len(v) for k, v in eval_pools.human.items()} | {"llm": len(eval_pools.llm)},
        },
        "metrics": {
            "tuning": evaluate(tuning, cal),
            "eval": evaluate(evaluation, cal),
            "machine_text": machine_metrics,
        },
        "weights": {"intercept": cal.intercept, "features": dict(cal.weights)},
        "risk_thresholds": {"high_below": high, "medium_below": medium},
        "evaluation_note": EVALUATION_NOTE,
        "config_sha256": _config_fingerprint(AuthenticityConfig()),
        "libraries": {"numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "runtime_seconds": round(time.perf_counter() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibration.json").write_text(
        json.dumps(cal.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (args.out / "card.json").write_text(
        json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "CARD.md").write_text(render_card(card), encoding="utf-8")
    ev = card["metrics"]["eval"]
    print(
        f"eval: ROC-AUC {ev['roc_auc']}, precision@high {ev['precision_high']}, recall@high {ev['recall_high']}, "
        f"organic viral high-risk {ev['organic_viral_fpr_high']}, organic high-risk {ev['organic_fpr_high']}"
    )
    for row in ev["per_scenario"]:
        print(
            f"  {row['scenario']:<26} n={row['n']:<4} high={row['high_risk_rate']} medium+={row['medium_or_high_rate']} mean={row['mean_score']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
