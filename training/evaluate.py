"""Evaluation of the comment models: per-label metrics, calibration, slices, baselines, cards.

Baselines are measured on the same rows in the same run: SnowNLP sentiment (above 0.6 positive,
below 0.4 negative, else neutral) and, for intents, plain keyword lists (documented in
:data:`KEYWORD_BASELINE`; an evaluation yardstick only, never used to label or train).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

from models.comments import NEGATIONS as NEGATIONS_FOR_SLICES
from models.labels import INTENTS, SENTIMENTS
from models.text import is_emoji, is_emoticon, normalize, tokenize

KEYWORD_BASELINE: dict[str, tuple[str, ...]] = {
    "purchase_intent": (
        "求链接",
        "哪里买",
        "在哪买",
        "链接",
        "已下单",
        "种草了",
        "蹲",
        "回购",
        "想买",
        "冲了",
    ),
    "skepticism": ("真的假的", "滤镜", "智商税", "p图", "不信", "是不是托", "假的"),
    "paid_suspicion": ("恰饭", "广告", "软广", "接广", "收了多少钱", "商单", "推广", "带货"),
    "question": ("?", "吗", "多少钱", "色号", "怎么", "哪里", "什么"),
    "spam": ("私我", "加v", "看我主页", "互关", "互粉", "回关", "接单", "vx", "主页"),
}


def keyword_baseline(texts: Sequence[str]) -> np.ndarray:
    rows = []
    for t in texts:
        n = normalize(t)
        rows.append([int(any(k in n for k in KEYWORD_BASELINE[name])) for name in INTENTS])
    return np.asarray(rows, dtype=int).reshape(len(texts), len(INTENTS))


def snownlp_sentiment(texts: Sequence[str], progress: Callable[[int], None] | None = None) -> list[str]:
    from snownlp import SnowNLP

    out = []
    for i, t in enumerate(texts):
        text = t.strip() or "。"
        try:
            score = SnowNLP(text).sentiments
        except Exception:  # SnowNLP fails on some inputs; count as neutral, the usual fallback
            score = 0.5
        out.append("positive" if score > 0.6 else ("negative" if score < 0.4 else "neutral"))
        if progress is not None and i % 200 == 199:
            progress(200)
    return out


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: sum over equal-width confidence bins of |accuracy - mean confidence| x bin share."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def _bootstrap_f1_ci(
    y_true: np.ndarray, y_pred: np.ndarray, seed: int = 0, n: int = 500
) -> list[float] | None:
    if y_true.sum() == 0:
        return None
    rng = np.random.default_rng(seed)
    vals = []
    m = len(y_true)
    for _ in range(n):
        i = rng.integers(0, m, m)
        t, p = y_true[i], y_pred[i]
        tp = float(np.sum((t == 1) & (p == 1)))
        denom = float(np.sum(t == 1) + np.sum(p == 1))
        vals.append(2 * tp / denom if denom else 0.0)
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return [round(float(lo), 3), round(float(hi), 3)]


def _bootstrap_macro_f1_ci(
    y_true: np.ndarray, y_pred: np.ndarray, seed: int = 0, n: int = 300
) -> list[float]:
    """95% bootstrap interval of the three-class macro-F1 (rows resampled with replacement)."""
    rng = np.random.default_rng(seed)
    m = len(y_true)
    vals = []
    for _ in range(n):
        i = rng.integers(0, m, m)
        _, _, f, _ = precision_recall_fscore_support(
            y_true[i], y_pred[i], labels=list(SENTIMENTS), zero_division=0
        )
        vals.append(float(np.mean(f)))
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return [round(float(lo), 3), round(float(hi), 3)]


def sentiment_metrics(
    y_true: Iterable[Any], y_pred: Iterable[Any], proba: np.ndarray | None = None, *, ci: bool = False
) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro-F1, accuracy, confusion matrix, ECE."""
    y_true = list(y_true)
    y_pred = list(y_pred)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(SENTIMENTS), zero_division=0)
    out: dict[str, Any] = {
        "n": len(y_true),
        "accuracy": round(float(np.mean(np.asarray(y_true) == np.asarray(y_pred))), 4) if y_true else None,
        "macro_f1": round(float(np.mean(f)), 4),
        "per_class": {
            c: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, c in enumerate(SENTIMENTS)
        },
        "confusion_matrix": {
            "labels": list(SENTIMENTS),
            "rows_true_cols_pred": confusion_matrix(y_true, y_pred, labels=list(SENTIMENTS)).tolist(),
        },
    }
    if ci and len(y_true):
        out["macro_f1_ci95"] = _bootstrap_macro_f1_ci(np.asarray(y_true), np.asarray(y_pred))
    if proba is not None and len(y_true):
        conf = proba.max(axis=1)
        out["ece"] = round(expected_calibration_error(conf, np.asarray(y_true) == np.asarray(y_pred)), 4)
    return out


def intent_metrics(Y_true: np.ndarray, Y_pred: np.ndarray, proba: np.ndarray | None = None) -> dict[str, Any]:
    """Per intent precision/recall/F1/support (+95% bootstrap CI of F1), ECE and ROC-AUC when probabilities are given."""
    out: dict[str, Any] = {"n": int(Y_true.shape[0]), "per_intent": {}}
    f1s = []
    for j, name in enumerate(INTENTS):
        t = Y_true[:, j].astype(int)
        pr = Y_pred[:, j].astype(int)
        p, r, f, _ = precision_recall_fscore_support(t, pr, average="binary", zero_division=0)
        entry: dict[str, Any] = {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(t.sum()),
            "predicted": int(pr.sum()),
            "f1_ci95": _bootstrap_f1_ci(t, pr, seed=j),
        }
        if proba is not None:
            pj = proba[:, j]
            entry["ece"] = round(
                expected_calibration_error(np.where(pj >= 0.5, pj, 1 - pj), (pj >= 0.5) == (t == 1)), 4
            )
            entry["roc_auc"] = round(float(roc_auc_score(t, pj)), 4) if 0 < t.sum() < len(t) else None
        out["per_intent"][name] = entry
        if t.sum() > 0:
            f1s.append(f)
    out["macro_f1"] = round(float(np.mean(f1s)), 4) if f1s else None
    return out


_REPLY = re.compile(r"^\s*回复\s*@|^\s*@[^\s]+\s*[:：]")


def slice_masks(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Named boolean masks: short (<= 8 chars), emoji_heavy, negation, reply."""
    short, emoji_heavy, negation, reply = [], [], [], []
    for t in texts:
        n = normalize(t)
        toks = tokenize(n)
        emo = sum(1 for x in toks if is_emoticon(x) or is_emoji(x))
        short.append(len(n) <= 8)
        emoji_heavy.append(emo >= 2 or (toks and emo / len(toks) >= 0.3))
        negation.append(any(x in NEGATIONS_FOR_SLICES for x in toks))
        reply.append(bool(_REPLY.search(n)))
    return {
        "short_le8": np.asarray(short, dtype=bool),
        "emoji_heavy": np.asarray(emoji_heavy, dtype=bool),
        "negation": np.asarray(negation, dtype=bool),
        "reply": np.asarray(reply, dtype=bool),
    }


def _slices_sentiment(texts: Sequence[str], truth: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, mask in slice_masks(texts).items():
        if mask.sum():
            out[name] = {
                "n": int(mask.sum()),
                "sentiment_macro_f1": sentiment_metrics(truth[mask], pred[mask])["macro_f1"],
                "sentiment_accuracy": round(float(np.mean(truth[mask] == pred[mask])), 4),
            }
    return out


def evaluate_sentiment_set(
    df: pd.DataFrame,
    pred: Sequence[str],
    proba: np.ndarray,
    *,
    with_baseline: bool = True,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """RedLens sentiment on a labelled frame, SnowNLP next to it, slices and per-corpus figures."""
    texts = df["text"].tolist()
    truth = df["sentiment"].to_numpy()
    pred_arr = np.asarray(pred)
    result: dict[str, Any] = {"n": len(df), "sentiment": sentiment_metrics(truth, pred_arr, proba, ci=True)}
    if with_baseline:
        snow = snownlp_sentiment(texts, progress)
        result["baseline_snownlp"] = {"sentiment": sentiment_metrics(truth, snow, ci=True)}
    result["slices"] = _slices_sentiment(texts, truth, pred_arr)
    if "corpus" in df.columns and df["corpus"].nunique() > 1:
        result["per_corpus"] = {
            c: {
                "n": int((df["corpus"] == c).sum()),
                "macro_f1": sentiment_metrics(truth[m], pred_arr[m])["macro_f1"],
                "accuracy": round(float(np.mean(truth[m] == pred_arr[m])), 4),
            }
            for c in sorted(df["corpus"].unique())
            for m in [(df["corpus"] == c).to_numpy()]
        }
    return result


def evaluate_intent_set(
    df: pd.DataFrame, pred: np.ndarray, proba: np.ndarray, *, with_baseline: bool = True
) -> dict[str, Any]:
    """RedLens intents on a labelled frame, the keyword-list baseline next to it, and slices."""
    texts = df["text"].tolist()
    Y = df[list(INTENTS)].to_numpy(dtype=int)
    result: dict[str, Any] = {"n": len(df), "intents": intent_metrics(Y, pred, proba)}
    if with_baseline:
        result["baseline_keywords"] = {"intents": intent_metrics(Y, keyword_baseline(texts))}
    slices: dict[str, Any] = {}
    for name, mask in slice_masks(texts).items():
        if mask.sum():
            im = intent_metrics(Y[mask], pred[mask])
            slices[name] = {
                "n": int(mask.sum()),
                "intent_f1": {k: v["f1"] for k, v in im["per_intent"].items() if v["support"] > 0},
            }
    result["slices"] = slices
    return result


def binary_accuracy(y_true: Iterable[Any], proba: np.ndarray, classes: Sequence[str]) -> float:
    """Positive vs negative accuracy for two-class review sets: the larger of P(pos), P(neg) wins."""
    pos = proba[:, list(classes).index("positive")]
    neg = proba[:, list(classes).index("negative")]
    pred = np.where(pos >= neg, "positive", "negative")
    return round(float(np.mean(pred == np.asarray(y_true))), 4)


def snownlp_binary_accuracy(y_true: Sequence[str], texts: Sequence[str]) -> float:
    from snownlp import SnowNLP

    pred = []
    for t in texts:
        try:
            pred.append("positive" if SnowNLP(t.strip() or "。").sentiments >= 0.5 else "negative")
        except Exception:
            pred.append("negative")
    return round(float(np.mean(np.asarray(pred) == np.asarray(y_true))), 4)


# -- model card rendering ---------------------------------------------------------------------


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def render_card(card: dict[str, Any]) -> str:
    """README.md for a model version, generated from its card.json."""
    lines = [
        f"# RedLens {card['task']} model {card['version']}",
        "",
        f"Created {card.get('created')} from git commit `{card.get('git_commit')}`. "
        f"Labels: {', '.join(card.get('labels', []))}. Artifact sha256 `{card.get('artifact_sha256', '')[:16]}...`, "
        f"{card.get('artifact_bytes', 0) / 1e6:.1f} MB.",
        "",
        card.get("description", ""),
        "",
        "## Training data",
        "",
    ]
    for k, v in (card.get("training_data") or {}).items():
        lines.append(f"- {k}: {v}")
    lines += ["", "## Results (held-back test sets, RedLens next to baselines measured in the same run)", ""]
    for set_name, res in (card.get("metrics") or {}).items():
        lines += [f"### {set_name} (n = {res.get('n')})", ""]
        if "sentiment" in res and card["task"] == "sentiment":
            s = res["sentiment"]
            b = (res.get("baseline_snownlp") or {}).get("sentiment") or {}
            lines += ["| metric | RedLens | SnowNLP |", "|---|---|---|"]
            lines.append(f"| macro-F1 | {_fmt(s.get('macro_f1'))} | {_fmt(b.get('macro_f1'))} |")
            lines.append(f"| accuracy | {_fmt(s.get('accuracy'))} | {_fmt(b.get('accuracy'))} |")
            for c in SENTIMENTS:
                pc = s["per_class"][c]
                bc = (b.get("per_class") or {}).get(c, {})
                lines.append(
                    f"| {c} P / R / F1 (support {pc['support']}) | {_fmt(pc['precision'])} / {_fmt(pc['recall'])} / "
                    f"{_fmt(pc['f1'])} | {_fmt(bc.get('precision'))} / {_fmt(bc.get('recall'))} / {_fmt(bc.get('f1'))} |"
                )
            lines.append(f"| calibration error (ECE) | {_fmt(s.get('ece'))} | - |")
            cm = s["confusion_matrix"]
            lines += ["", "Confusion matrix (rows true, columns predicted):", ""]
            lines.append("| | " + " | ".join(cm["labels"]) + " |")
            lines.append("|---" * (len(cm["labels"]) + 1) + "|")
            for lab, row in zip(cm["labels"], cm["rows_true_cols_pred"], strict=True):
                lines.append(f"| {lab} | " + " | ".join(str(x) for x in row) + " |")
        if "binary_accuracy" in res:
            lines.append(
                f"| binary accuracy | {_fmt(res['binary_accuracy'])} | {_fmt(res.get('baseline_snownlp_binary_accuracy'))} |"
            )
        if "intents" in res and card["task"] == "intents":
            im = res["intents"]["per_intent"]
            kb = ((res.get("baseline_keywords") or {}).get("intents") or {}).get("per_intent", {})
            lines += [
                "| intent | support | precision | recall | F1 (95% CI) | ROC-AUC | ECE | keyword-list F1 |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for name in INTENTS:
                e = im[name]
                ci = e.get("f1_ci95")
                ci_s = f" ({ci[0]:.2f}-{ci[1]:.2f})" if ci else ""
                lines.append(
                    f"| {name} | {e['support']} | {_fmt(e['precision'])} | {_fmt(e['recall'])} | {_fmt(e['f1'])}{ci_s} | "
                    f"{_fmt(e.get('roc_auc'))} | {_fmt(e.get('ece'))} | {_fmt(kb.get(name, {}).get('f1'))} |"
                )
        if res.get("slices"):
            lines += [
                "",
                "Slices:",
                "",
                "| slice | n | sentiment macro-F1 | intent F1 |",
                "|---|---|---|---|",
            ]
            for sname, sv in res["slices"].items():
                intents_s = ", ".join(f"{k} {v:.2f}" for k, v in (sv.get("intent_f1") or {}).items())
                lines.append(
                    f"| {sname} | {sv['n']} | {_fmt(sv.get('sentiment_macro_f1'))} | {intents_s or '-'} |"
                )
        lines.append("")
    if card.get("thresholds"):
        lines += ["## Thresholds (tuned on the validation split)", ""]
        lines += [f"- {k}: {v}" for k, v in card["thresholds"].items()]
        lines.append("")
    cross = card.get("cross_corpus") or {}
    folders = cross.get("leave_one_folder_out", cross) if "public_leave_one_domain_out" in cross else cross
    if folders:
        lines += [
            "## Leave one commercial folder out (trained without the folder, tested on its held-back rows)",
            "",
        ]
        lines += ["| held-out folder | n | metric | RedLens |", "|---|---|---|---|"]
        for folder, v in folders.items():
            for metric, value in v.items():
                if metric != "n":
                    lines.append(f"| {folder} | {v.get('n')} | {metric} | {_fmt(value)} |")
        lines.append("")
    domains = cross.get("public_leave_one_domain_out") or {}
    if domains:
        lines += [
            "## Public review domains never trained on (leave one category out, binary accuracy)",
            "",
            "| held-out domain | n | RedLens | TF-IDF LR on the same public data |",
            "|---|---|---|---|",
        ]
        for name, v in domains.items():
            if name != "summary":
                lines.append(
                    f"| {name} | {v['n']} | {_fmt(v['redlens_binary_accuracy'])} | "
                    f"{_fmt(v['baseline_tfidf_lr_binary_accuracy'])} |"
                )
        summ = domains.get("summary") or {}
        lines += [
            "",
            f"Mean {_fmt(summ.get('redlens_mean'))} (baseline {_fmt(summ.get('baseline_mean'))}), "
            f"lowest {_fmt(summ.get('redlens_min'))}, domains below the baseline: {summ.get('domains_below_baseline')}.",
            "",
        ]
    lines += ["## Parameters", "", "```json"]
    import json

    lines.append(json.dumps(card.get("params", {}), ensure_ascii=False, indent=2))
    lines += ["```", "", "## Library versions", ""]
    lines += [f"- {k} {v}" for k, v in (card.get("library_versions") or {}).items()]
    lines.append("")
    return "\n".join(lines)


# The targets issue #10 sets on the held-back commercial split (F1 unless said otherwise).
COMMERCIAL_TARGETS: dict[str, float | None] = {
    "sentiment macro-F1": 0.80,
    "purchase_intent": 0.85,
    "question": 0.85,
    "skepticism": 0.50,
    "spam": 0.70,
    "paid_suspicion": None,
}


def _ci(values: Any) -> str:
    return f" [{values[0]:.2f}-{values[1]:.2f}]" if values else ""


def commercial_figures(sentiment: dict[str, Any] | None, intents: dict[str, Any] | None) -> dict[str, str]:
    """'metric -> figure with 95% interval' on the commercial test split, from evaluate_* results."""
    out: dict[str, str] = {}
    res = (sentiment or {}).get("xhs_commercial_test")
    if res:
        s = res["sentiment"]
        out["sentiment macro-F1"] = f"{s['macro_f1']:.3f}{_ci(s.get('macro_f1_ci95'))}"
    res = (intents or {}).get("xhs_commercial_test")
    if res:
        for name, e in res["intents"]["per_intent"].items():
            out[name] = f"{e['f1']:.3f}{_ci(e.get('f1_ci95'))} (n+ {e['support']})"
    return out


def commercial_table(
    current: tuple[str, dict[str, Any] | None, dict[str, Any] | None],
    other: tuple[str, dict[str, Any] | None, dict[str, Any] | None] | None = None,
) -> str:
    """Markdown table: the commercial targets, the current models' figures and another pair's.

    Each tuple is (label, sentiment metrics, intents metrics) as returned by
    :func:`training.train.evaluate_sentiment` / :func:`training.train.evaluate_intents`.
    """
    cols = [current] + ([other] if other else [])
    figs = [commercial_figures(s, i) for _, s, i in cols]
    head = "| metric (held-back commercial split) | target | " + " | ".join(c[0] for c in cols) + " |"
    lines = [head, "|---|---|" + "---|" * len(cols)]
    for metric, target in COMMERCIAL_TARGETS.items():
        t = "reported" if target is None else f">= {target:.2f}"
        lines.append(f"| {metric} | {t} | " + " | ".join(f.get(metric, "-") for f in figs) + " |")
    return "\n".join(lines)
