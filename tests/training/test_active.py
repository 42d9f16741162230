"""Which comments to label next: uncertainty and disagreement scores of training.active."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.comments import CommentPrediction
from training.active import most_useful, rare_class_score, usefulness


def _pred(sentiment: dict[str, float], pi: float, spam: float = 0.0) -> CommentPrediction:
    intents = {"purchase_intent": pi, "skepticism": 0.0, "paid_suspicion": 0.0, "question": 0.0, "spam": spam}
    return CommentPrediction(
        sentiment=max(sentiment, key=lambda k: sentiment[k]),
        sentiment_proba=sentiment,
        intents=intents,
        flags={k: v >= 0.5 for k, v in intents.items()},
        low_effort=False,
        model_version="stub",
    )


@dataclass
class Stub:
    preds: dict[str, CommentPrediction]
    thresholds: dict[str, float]

    def predict(self, texts: list[str]) -> list[CommentPrediction]:
        return [self.preds[t] for t in texts]


def _stub() -> Any:
    sure = {"positive": 0.96, "neutral": 0.03, "negative": 0.01}
    torn = {"positive": 0.45, "neutral": 0.44, "negative": 0.11}
    return Stub(
        preds={
            "sure": _pred(sure, pi=0.01),
            "torn_sentiment": _pred(torn, pi=0.01),
            "torn_both": _pred(torn, pi=0.5),
            "pi_but_negative": _pred({"positive": 0.05, "neutral": 0.15, "negative": 0.8}, pi=0.9),
        },
        thresholds={n: 0.5 for n in ("purchase_intent", "skepticism", "paid_suspicion", "question", "spam")},
    )


def test_uncertain_comments_rank_first_and_confident_ones_last() -> None:
    texts = ["sure", "torn_sentiment", "torn_both", "pi_but_negative"]
    scores = usefulness(_stub(), texts)
    order = [texts[i] for i in most_useful(scores, 4)]
    assert order[0] == "torn_both"
    assert order[-1] == "sure"
    assert scores.uncertainty[texts.index("torn_both")] > scores.uncertainty[texts.index("torn_sentiment")]


def test_disagreement_with_a_confident_second_reader_and_within_the_model() -> None:
    texts = ["sure", "pi_but_negative"]
    scores = usefulness(_stub(), texts, second_opinion=[0.02, None])
    # SnowNLP-like reader is sure it is negative, the model says positive: full disagreement.
    assert scores.disagreement[0] == 1.0
    # Purchase intent flagged on a comment read as negative: the model contradicts itself.
    assert scores.disagreement[1] == 0.5
    assert usefulness(_stub(), ["sure"], second_opinion=[0.97]).disagreement[0] == 0.0


def test_rare_class_score_favours_likely_negatives_and_rare_intents() -> None:
    stub = _stub()
    stub.preds["spammy"] = _pred({"positive": 0.3, "neutral": 0.6, "negative": 0.1}, pi=0.0, spam=0.4)
    texts = ["sure", "torn_sentiment", "pi_but_negative", "spammy"]
    rare = rare_class_score(stub, texts)
    assert rare[texts.index("pi_but_negative")] == 0.8  # P(negative)
    assert rare[texts.index("spammy")] == 0.8  # spam 0.4 against its 0.5 threshold
    assert rare[texts.index("sure")] == 0.01
    assert ((rare >= 0) & (rare <= 1)).all()
