"""The labelling queue's uncertainty ranking (pure functions)."""

from __future__ import annotations

import pytest

from service.web.labelling import Certainty, QueueItem, certainty, intent_distance, rank, sentiment_margin

THRESHOLDS = {"purchase_intent": 0.4, "spam": 0.5}


def _item(comment_id: int, value: float, text: str | None = None) -> QueueItem:
    return QueueItem(
        comment_id=comment_id,
        text=text or f"评论 {comment_id}",
        note_title=None,
        sentiment="neutral",
        sentiment_proba={"positive": 0.3, "neutral": 0.4, "negative": 0.3},
        intents={},
        certainty=Certainty(value=value, sentiment_margin=value, weakest="sentiment", reason=""),
    )


def test_sentiment_margin_is_top_minus_second() -> None:
    assert sentiment_margin({"positive": 0.5, "neutral": 0.3, "negative": 0.2}) == pytest.approx(0.2)
    assert sentiment_margin({"positive": 0.34, "neutral": 0.33, "negative": 0.33}) == pytest.approx(0.01)
    assert sentiment_margin({"positive": 1.0}) == 1.0


@pytest.mark.parametrize(
    ("p", "t", "expected"),
    [(0.5, 0.5, 0.0), (1.0, 0.5, 1.0), (0.0, 0.5, 1.0), (0.0, 0.2, 0.25), (1.0, 0.2, 1.0), (0.3, 0.2, 0.125)],
)
def test_intent_distance_is_normalised_by_the_farthest_probability(
    p: float, t: float, expected: float
) -> None:
    assert intent_distance(p, t) == pytest.approx(expected)


def test_certainty_is_the_least_sure_decision() -> None:
    sure_sentiment = {"positive": 0.9, "neutral": 0.05, "negative": 0.05}
    near = certainty(sure_sentiment, {"purchase_intent": 0.42, "spam": 0.01}, THRESHOLDS)
    assert near.weakest == "purchase_intent"
    assert near.value == pytest.approx(0.02 / 0.6, abs=1e-4)
    assert "purchase intent 0.42 near its threshold 0.40" in near.reason
    unsure = certainty({"positive": 0.41, "neutral": 0.4, "negative": 0.19}, {"spam": 0.0}, THRESHOLDS)
    assert unsure.weakest == "sentiment" and unsure.value == pytest.approx(0.01)
    ignored = certainty(sure_sentiment, {"unknown_intent": 0.5}, THRESHOLDS)
    assert ignored.weakest == "sentiment"


def test_rank_puts_least_certain_first_and_shows_each_text_once() -> None:
    items = [
        _item(1, 0.9),
        _item(2, 0.1, "同一句话"),
        _item(3, 0.05, "同一句话"),
        _item(4, 0.5),
        _item(5, 0.1),
    ]
    ranked = rank(items, limit=10)
    assert [i.comment_id for i in ranked] == [3, 5, 4, 1]
    assert [i.comment_id for i in rank(items, limit=2)] == [3, 5]
