"""Which unlabelled comments to label next: the current models' uncertainty and disagreement.

Used by the corpus sampler (``training/sample_commercial.py``) and by the labelling page's
"most useful next" queue, so analysts and the team spend reading time where the models are unsure.

* Uncertainty: the mean of (one minus the sentiment margin) and the closeness of the most
  borderline intent to its threshold. The labelling page ranks by the stricter "least sure
  decision" certainty of :mod:`service.web.labelling`; the corpus rounds of GUIDELINES.md were
  drawn with this mean form, which also favours comments unsure on both tasks at once.
* Disagreement: the sentiment model against an independent reader of the same text (SnowNLP's
  polarity where it is confident), and the intent flags against the sentiment (a purchase intent
  flagged on a comment read as negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.comments import CommentModels, CommentPrediction
from models.labels import SENTIMENTS


@dataclass(frozen=True)
class Usefulness:
    """Per-comment scores in [0, 1] (higher: more useful to label) and why."""

    uncertainty: np.ndarray
    disagreement: np.ndarray

    @property
    def score(self) -> np.ndarray:
        return 0.7 * self.uncertainty + 0.3 * self.disagreement


def _uncertainty(pred: CommentPrediction, thresholds: dict[str, float]) -> float:
    probs = sorted(pred.sentiment_proba.values(), reverse=True)
    sentiment_u = 1.0 - (probs[0] - probs[1])
    intent_u = 0.0
    for name, p in pred.intents.items():
        t = thresholds.get(name, 0.5)
        # 1 at the threshold, falling to 0 at 0 or 1.
        dist = (t - p) / max(t, 1e-6) if p < t else (p - t) / max(1.0 - t, 1e-6)
        intent_u = max(intent_u, 1.0 - min(1.0, dist))
    return 0.5 * sentiment_u + 0.5 * intent_u


def usefulness(
    models: CommentModels,
    texts: Sequence[str],
    *,
    second_opinion: Sequence[float | None] | None = None,
) -> Usefulness:
    """Scores for ``texts``; ``second_opinion`` is an optional P(positive) from another reader."""
    preds = models.predict(list(texts))
    thresholds = models.thresholds
    unc = np.asarray([_uncertainty(p, thresholds) for p in preds], dtype=float)
    dis = np.zeros(len(preds))
    for i, p in enumerate(preds):
        if p.flags.get("purchase_intent") and p.sentiment == "negative":
            dis[i] = max(dis[i], 0.5)
        if second_opinion is None or second_opinion[i] is None:
            continue
        other = float(second_opinion[i])  # type: ignore[arg-type]
        polar = "positive" if other >= 0.8 else "negative" if other <= 0.2 else None
        if polar and p.sentiment != polar:
            # Strongly confident other reader against our label: full disagreement.
            dis[i] = 1.0 if p.sentiment != "neutral" else max(dis[i], 0.6)
    return Usefulness(uncertainty=np.clip(unc, 0.0, 1.0), disagreement=dis)


RARE_INTENTS = ("skepticism", "paid_suspicion", "spam")


def rare_class_score(models: CommentModels, texts: Sequence[str]) -> np.ndarray:
    """How likely each comment is to belong to a class the corpus has few of, in [0, 1].

    The largest of P(negative) and, for the rare intents, the probability relative to the
    intent's threshold (capped at 1). Sampling by it (mixed with uncertainty) draws the rows the
    models have too few of; the labels still come from reading.
    """
    preds = models.predict(list(texts))
    thresholds = models.thresholds
    out = np.zeros(len(preds))
    for i, p in enumerate(preds):
        score = float(p.sentiment_proba.get("negative", 0.0))
        for name in RARE_INTENTS:
            if name in p.intents:
                score = max(score, min(1.0, float(p.intents[name]) / max(thresholds.get(name, 0.5), 1e-6)))
        out[i] = score
    return out


def most_useful(scores: Usefulness, k: int) -> list[int]:
    """Indices of the ``k`` most useful comments, most useful first (stable on ties)."""
    order = np.argsort(-scores.score, kind="stable")
    return [int(i) for i in order[:k]]


__all__ = ["SENTIMENTS", "Usefulness", "most_useful", "rare_class_score", "usefulness"]
