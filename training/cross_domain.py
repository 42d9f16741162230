"""Cross-domain check of the sentiment model on public review domains it never trained on.

Leave-one-category-out over online_shopping_10_cats (each of its ten product categories in turn is
removed from the public training data and becomes the test set) and bdci2018_car_opinion (whole
posts whose aspects are all positive or all negative; the car forum's neutral posts leave training
for that run). Each run fits the RedLens sentiment head (the project corpus plus the remaining public
data, domain-weighted as in :func:`training.train.fit_sentiment`) and, in the same run on the same
rows, the baseline the issue names: a plain word (jieba) + character TF-IDF logistic regression trained on
the same public data only. Binary accuracy: positive vs negative by the larger of the two
probabilities (neutral is ignored, as the public sets have no neutral class).

The feature union is fitted once on text that holds no online_shopping or bdci review, so no test
category's vocabulary or IDF leaks into either model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from models.comments import build_features, char_preprocess, mark_fitted_features
from models.labels import SENTIMENTS
from models.text import tokenize

CAR_CATEGORY = "bdci2018_car_opinion"


@dataclass(frozen=True)
class DomainResult:
    category: str
    n: int
    redlens_accuracy: float
    baseline_accuracy: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "redlens_binary_accuracy": round(self.redlens_accuracy, 4),
            "baseline_tfidf_lr_binary_accuracy": round(self.baseline_accuracy, 4),
        }


def _binary_accuracy(truth: pd.Series, proba: np.ndarray, classes: list[str]) -> float:
    pos, neg = classes.index("positive"), classes.index("negative")
    pred = np.where(proba[:, pos] >= proba[:, neg], "positive", "negative")
    return float(np.mean(pred == truth.to_numpy()))


def car_polar_posts(shared_dir: Path) -> pd.DataFrame:
    """bdci posts whose aspect sentiments are all +1 (positive) or all -1 (negative)."""
    car = pd.read_csv(shared_dir / "bdci2018_car_opinion" / "train.csv", dtype=str)
    signs: dict[str, set[str]] = {}
    texts: dict[str, str] = {}
    for cid, content, value in zip(car["content_id"], car["content"], car["sentiment_value"], strict=True):
        signs.setdefault(cid, set()).add(value)
        texts.setdefault(cid, content)
    rows = [
        (texts[cid], "positive" if values == {"1"} else "negative")
        for cid, values in signs.items()
        if values in ({"1"}, {"-1"})
    ]
    return pd.DataFrame(rows, columns=["text", "sentiment"])


def _baseline(train: pd.DataFrame, seed: int) -> Any:
    union = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=tokenize, sublinear_tf=True, min_df=2)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(1, 3),
                    preprocessor=char_preprocess,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
        ]
    )
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=seed)
    return make_pipeline(union, clf).fit(train["text"].tolist(), train["sentiment"].tolist())


def leave_one_domain_out(
    project: pd.DataFrame,
    public: pd.DataFrame,
    shop: pd.DataFrame,
    car_posts: pd.DataFrame,
    cfg: dict[str, Any],
    lexicons: tuple[list[str], list[str]],
    *,
    params: dict[str, float],
    max_test: int = 2000,
    max_rows_per_domain: int = 15000,
    progress: Any = None,
) -> dict[str, Any]:
    """Run every held-out domain; ``project`` holds the project's sentiment training rows
    (text, sentiment, weight), ``public`` the non-shopping public rows (text, sentiment, domain),
    ``shop`` online_shopping_10_cats (text, sentiment, cat)."""
    seed = int(cfg["seed"])
    # Each public domain is capped (domain weights are budgets, so fewer rows keep the same weight);
    # this keeps eleven fits within minutes on two cores.
    public = pd.concat(
        [g.sample(min(len(g), max_rows_per_domain), random_state=seed) for _, g in public.groupby("domain")]
    ).reset_index(drop=True)
    shop = pd.concat(
        [g.sample(min(len(g), max_rows_per_domain // 4), random_state=seed) for _, g in shop.groupby("cat")]
    ).reset_index(drop=True)
    fit_texts = list(dict.fromkeys(project["text"].tolist() + public["text"].tolist()))
    features = build_features(*lexicons, **cfg["features_kwargs"])
    features.fit(fit_texts)
    mark_fitted_features(features)
    X_project = features.transform(project["text"].tolist())
    X_public = features.transform(public["text"].tolist())
    X_shop = features.transform(shop["text"].tolist())
    rng = np.random.default_rng(seed)
    total = float(project["weight"].sum())
    budget = cfg["sentiment"]["public_budget"]
    scale = float(params["public_scale"])
    categories = [*sorted(shop["cat"].unique()), CAR_CATEGORY]
    out: dict[str, Any] = {}
    for k, category in enumerate(categories):
        if progress:
            progress(f"cross-domain: {category}", k / len(categories))
        if category == CAR_CATEGORY:
            keep_shop = np.ones(len(shop), dtype=bool)
            keep_public = (public["domain"] != "car_forum").to_numpy()
            test = car_posts
            X_test = features.transform(test["text"].tolist())
        else:
            keep_shop = (shop["cat"] != category).to_numpy()
            keep_public = np.ones(len(public), dtype=bool)
            idx = np.flatnonzero(~keep_shop)
            if len(idx) > max_test:
                idx = np.sort(rng.choice(idx, max_test, replace=False))
            test = shop.iloc[idx]
            X_test = X_shop[idx]
        tr_public = pd.concat(
            [
                public[keep_public].assign(domain=public["domain"][keep_public]),
                shop[keep_shop].assign(domain="shopping"),
            ]
        )
        X_tr_public = sparse.vstack([X_public[keep_public], X_shop[keep_shop]]).tocsr()
        w_public = np.zeros(len(tr_public))
        for domain, share in budget.items():
            mask = (tr_public["domain"] == domain).to_numpy()
            if mask.any():
                w_public[mask] = share * scale * total / int(mask.sum())
        X = sparse.vstack([X_project, X_tr_public]).tocsr()
        y = np.concatenate([project["sentiment"].to_numpy(), tr_public["sentiment"].to_numpy()])
        w = np.concatenate([project["weight"].to_numpy(dtype=float), w_public])
        keep = w > 0
        clf = LogisticRegression(
            C=float(params["C"]), max_iter=2000, class_weight="balanced", random_state=seed
        ).fit(X[keep], y[keep], sample_weight=w[keep])
        ours = _binary_accuracy(test["sentiment"], clf.predict_proba(X_test), [str(c) for c in clf.classes_])
        base = _baseline(tr_public[tr_public["sentiment"].isin(["positive", "negative"])], seed)
        theirs = _binary_accuracy(
            test["sentiment"], base.predict_proba(test["text"].tolist()), [str(c) for c in base.classes_]
        )
        out[category] = DomainResult(category, len(test), ours, theirs).to_dict()
    accs = [v["redlens_binary_accuracy"] for v in out.values()]
    base_accs = [v["baseline_tfidf_lr_binary_accuracy"] for v in out.values()]
    out["summary"] = {
        "domains": len(accs),
        "redlens_mean": round(float(np.mean(accs)), 4),
        "redlens_min": round(float(np.min(accs)), 4),
        "baseline_mean": round(float(np.mean(base_accs)), 4),
        "domains_below_baseline": int(sum(a < b for a, b in zip(accs, base_accs, strict=True))),
        "labels": list(SENTIMENTS),
    }
    return out
