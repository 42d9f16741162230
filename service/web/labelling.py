"""The labelling queue: the stored comments the serving model is least sure about.

Certainty of one analysed comment, every part in [0, 1] where 0 means the model could go either
way:

* sentiment margin ``m = p(most likely class) - p(second most likely class)``;
* intent distance ``d_i = |p_i - t_i| / max(t_i, 1 - t_i)`` for each intent ``i`` with decision
  threshold ``t_i`` (0 on the threshold, 1 at the probability farthest from it).

``certainty = min(m, min_i d_i)``: a comment is as uncertain as its least sure decision, and the
queue lists the lowest certainty first ("smallest margin" uncertainty sampling). Labelling those
comments moves the decision boundaries most per label, which is why they come first. Exact
duplicate texts (bot comments repeat) are shown once, and comments already labelled are left out.

:func:`rank` and :func:`certainty` are pure; :func:`build_queue` reads the store and analyses, with
the serving model, comments it has not analysed yet (saved, as vetting does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from models.labels import INTENTS, SENTIMENTS
from service.campaigns import load_analysed_comments
from service.comment_analysis import intent_flags, intent_probabilities
from service.errors import Conflict, NotFound
from service.store.repositories import (
    LabelledExampleIn,
    add_labelled_examples,
    count_labelled_examples,
    get_comment,
    list_labelled_examples,
    list_notes,
)

QUEUE_SIZE = 25
#: Newest notes whose comments are considered (bounds the work of one page view).
SCAN_NOTES = 500
#: Keyboard shortcuts of the intents on the labelling page (sentiment uses 1/2/3).
INTENT_KEYS: dict[str, str] = {
    "purchase_intent": "p",
    "skepticism": "s",
    "paid_suspicion": "a",
    "question": "q",
    "spam": "x",
}


@dataclass(frozen=True)
class Certainty:
    """How sure the model is about a comment and which decision is the least sure."""

    value: float
    sentiment_margin: float
    weakest: str  # "sentiment" or an intent name
    reason: str
    threshold: float | None = None  # the weakest intent's decision threshold


def sentiment_margin(probabilities: Mapping[str, float]) -> float:
    """``p(top) - p(second)`` over the sentiment classes (1.0 when fewer than two are known)."""
    ordered = sorted((float(p) for p in probabilities.values()), reverse=True)
    return ordered[0] - ordered[1] if len(ordered) >= 2 else 1.0


def intent_distance(probability: float, threshold: float) -> float:
    """``|p - t| / max(t, 1 - t)``: 0 on the threshold, 1 as far from it as a probability can be."""
    reach = max(threshold, 1.0 - threshold)
    return min(abs(probability - threshold) / reach, 1.0) if reach > 0 else 1.0


def certainty(
    sentiment: Mapping[str, float], intents: Mapping[str, float], thresholds: Mapping[str, float]
) -> Certainty:
    """The certainty of one comment (see the module docstring for the formula)."""
    margin = sentiment_margin(sentiment)
    value, weakest, threshold = margin, "sentiment", None
    ranked = sorted(sentiment.items(), key=lambda kv: -kv[1])
    reason = (
        f"sentiment margin {margin:.2f} ({ranked[0][0]} {ranked[0][1]:.2f} vs {ranked[1][0]} {ranked[1][1]:.2f})"
        if len(ranked) >= 2
        else "sentiment"
    )
    for name, probability in intents.items():
        if name not in thresholds:
            continue
        distance = intent_distance(float(probability), float(thresholds[name]))
        if distance < value:
            value, weakest, threshold = distance, name, float(thresholds[name])
            reason = f"{name.replace('_', ' ')} {float(probability):.2f} near its threshold {float(thresholds[name]):.2f}"
    return Certainty(
        value=round(value, 4),
        sentiment_margin=round(margin, 4),
        weakest=weakest,
        reason=reason,
        threshold=threshold,
    )


@dataclass
class QueueItem:
    """One comment to label, with what the model said about it."""

    comment_id: int
    text: str
    note_title: str | None
    sentiment: str | None
    sentiment_proba: dict[str, float]
    intents: dict[str, dict[str, float | bool]]
    certainty: Certainty


@dataclass
class Queue:
    items: list[QueueItem]
    candidates: int
    labelled_total: int
    model_version: str
    thresholds: dict[str, float] = field(default_factory=dict)


def rank(items: Iterable[QueueItem], limit: int = QUEUE_SIZE) -> list[QueueItem]:
    """Least certain first (ties: lower comment id first), one item per distinct text."""
    seen: set[str] = set()
    out = []
    for item in sorted(items, key=lambda i: (i.certainty.value, i.comment_id)):
        key = " ".join(item.text.split())
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
        if len(out) >= limit:
            break
    return out


def build_queue(
    session: Session,
    writer: sessionmaker[Session],
    workspace_id: int,
    models: CommentModels,
    *,
    limit: int = QUEUE_SIZE,
) -> Queue:
    """The queue of a workspace: comments of its :data:`SCAN_NOTES` newest notes, analysed by the
    serving model (those it has not analysed are analysed now and saved), least certain first."""
    notes = list_notes(session, workspace_id, limit=SCAN_NOTES)
    titles = {n.id: n.title for n in notes}
    note_ids = [n.id for n in notes]
    labelled = {e.comment_id for e in list_labelled_examples(session, workspace_id) if e.comment_id}
    comments, _ = load_analysed_comments(session, writer, workspace_id, note_ids, models)
    thresholds = models.thresholds
    candidates = []
    for c in comments:
        text = (c.text or "").strip()
        if not text or c.id in labelled or c.model_version != models.version or c.p_positive is None:
            continue
        proba = {"positive": c.p_positive, "neutral": c.p_neutral or 0.0, "negative": c.p_negative or 0.0}
        probabilities = intent_probabilities(c)
        flags = intent_flags(c)
        candidates.append(
            QueueItem(
                comment_id=c.id,
                text=text,
                note_title=titles.get(c.note_id),
                sentiment=c.sentiment,
                sentiment_proba={k: float(v) for k, v in proba.items()},
                intents={
                    name: {
                        "p": probabilities.get(name, 0.0),
                        "flag": flags.get(name, False),
                        "threshold": thresholds.get(name, 0.5),
                    }
                    for name in INTENTS
                },
                certainty=certainty(proba, probabilities, thresholds),
            )
        )
    return Queue(
        items=rank(candidates, limit),
        candidates=len(candidates),
        labelled_total=count_labelled_examples(session, workspace_id),
        model_version=models.version,
        thresholds=thresholds,
    )


def store_label(
    session: Session, workspace_id: int, comment_id: int, sentiment: str, intents: Mapping[str, bool]
) -> int:
    """Store one hand label of a comment of this workspace; returns the workspace's label count.

    Every intent is stored (unmentioned ones as False), so the example serves both training tasks.
    A comment of another workspace is not found; a comment labelled before is a conflict.
    """
    if sentiment not in SENTIMENTS:
        raise ValueError(f"sentiment {sentiment!r} is not one of {SENTIMENTS}")
    unknown = sorted(set(intents) - set(INTENTS))
    if unknown:
        raise ValueError(f"unknown intents {unknown}; known: {list(INTENTS)}")
    comment = get_comment(session, workspace_id, comment_id)
    if comment is None or not (comment.text or "").strip():
        raise NotFound(f"comment {comment_id} does not exist in this workspace (or has no text)")
    if any(e.comment_id == comment_id for e in list_labelled_examples(session, workspace_id)):
        raise Conflict(f"comment {comment_id} is already labelled")
    add_labelled_examples(
        session,
        workspace_id,
        [
            LabelledExampleIn(
                text=comment.text,
                sentiment=sentiment,
                intents={name: bool(intents.get(name, False)) for name in INTENTS},
                source="labelling",
                comment_id=comment_id,
            )
        ],
    )
    return count_labelled_examples(session, workspace_id)
