"""The label taxonomy shared by training, the API, storage and the pages.

These names are a stable interface (see ARCHITECTURE.md): other tools read them, so they never change
spelling. ``low_effort`` is derived by rule (:func:`models.low_effort.is_low_effort`), never learned.
"""

from __future__ import annotations

from enum import StrEnum


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Intent(StrEnum):
    PURCHASE_INTENT = "purchase_intent"
    SKEPTICISM = "skepticism"
    PAID_SUSPICION = "paid_suspicion"
    QUESTION = "question"
    SPAM = "spam"


SENTIMENTS: tuple[str, ...] = tuple(s.value for s in Sentiment)
INTENTS: tuple[str, ...] = tuple(i.value for i in Intent)
DERIVED_FLAGS: tuple[str, ...] = ("low_effort",)

TASKS: tuple[str, ...] = ("sentiment", "intents")
