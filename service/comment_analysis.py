"""Analyse stored comments with the serving models and save the results.

Used by ingestion through the API (inside the ingest job), by vetting and campaign reports (any
comment not analysed by the current model is analysed on the fly and saved) and by the demo.
A comment with empty text (XHS picture-only replies) is left unanalysed: the models would only
return their prior for it, which is not an opinion of the commenter.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels, CommentPrediction
from service.store.repositories import CommentAnalysis, comments_for_notes, save_comment_analyses
from service.store.tables import Comment

MAX_TEXT_CHARS = 2000
BATCH = 2000


def needs_analysis(comment: Comment, models: CommentModels) -> bool:
    return comment.model_version != models.version and bool((comment.text or "").strip())


def intents_json(prediction: CommentPrediction) -> dict[str, Any]:
    """The stored form of a prediction's intents: ``{"purchase_intent": {"p": 0.91, "flag": true}}``."""
    return {
        name: {"p": prediction.intents[name], "flag": prediction.flags[name]} for name in prediction.intents
    }


def predict_pending(comments: Sequence[Comment], models: CommentModels) -> list[CommentAnalysis]:
    """Predictions for the comments not yet analysed by ``models`` (no database access)."""
    pending = [c for c in comments if needs_analysis(c, models)]
    out: list[CommentAnalysis] = []
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        predictions = models.predict([(c.text or "")[:MAX_TEXT_CHARS] for c in chunk])
        out.extend(
            CommentAnalysis(
                comment_id=c.id,
                sentiment=p.sentiment,
                p_positive=p.sentiment_proba["positive"],
                p_neutral=p.sentiment_proba["neutral"],
                p_negative=p.sentiment_proba["negative"],
                intents=intents_json(p),
                low_effort=p.low_effort,
                model_version=p.model_version,
            )
            for c, p in zip(chunk, predictions, strict=True)
        )
    return out


def save_analyses(
    factory: sessionmaker[Session],
    workspace_id: int,
    analyses: Sequence[CommentAnalysis],
    *,
    attempts: int = 5,
) -> int:
    """Write analyses in short transactions of their own, retrying when SQLite reports the database
    busy (a transaction that read before another writer committed cannot write: it starts again)."""
    saved = 0
    for start in range(0, len(analyses), BATCH):
        chunk = analyses[start : start + BATCH]
        for attempt in range(attempts):
            try:
                with factory() as session, session.begin():
                    saved += save_comment_analyses(session, workspace_id, chunk)
                break
            except OperationalError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
    return saved


def analyze_stored(
    factory: sessionmaker[Session],
    workspace_id: int,
    comments: Sequence[Comment],
    models: CommentModels,
) -> int:
    """Analyse the comments not yet analysed by ``models`` and save; returns how many were saved.

    Predictions run outside any transaction; the writes use their own sessions, so a caller's
    session must end its transaction (``commit()``) before it can read the new analyses.
    """
    return save_analyses(factory, workspace_id, predict_pending(comments, models))


def analyze_notes(
    factory: sessionmaker[Session],
    workspace_id: int,
    note_ids: Sequence[int],
    models: CommentModels,
) -> int:
    """Analyse every comment of these notes (row ids) not yet analysed by ``models``."""
    total = 0
    for start in range(0, len(note_ids), 500):
        with factory() as session:
            pending = comments_for_notes(
                session, workspace_id, list(note_ids[start : start + 500]), not_model_version=models.version
            )
        total += analyze_stored(factory, workspace_id, pending, models)
    return total


def intent_flags(comment: Comment) -> dict[str, bool]:
    """The stored intent flags of a comment (empty when not analysed)."""
    stored = comment.intents or {}
    return {name: bool(value.get("flag")) for name, value in stored.items() if isinstance(value, dict)}


def intent_probabilities(comment: Comment) -> dict[str, float]:
    stored = comment.intents or {}
    return {
        name: float(value["p"])
        for name, value in stored.items()
        if isinstance(value, dict) and isinstance(value.get("p"), int | float)
    }


def text_problem(value: Any) -> str | None:
    """Why a submitted text cannot be analysed, or ``None``."""
    if value is None:
        return "missing text"
    if not isinstance(value, str):
        return f"text must be a string, got {type(value).__name__}"
    if not value.strip():
        return "empty text"
    if len(value) > MAX_TEXT_CHARS:
        return f"text is {len(value)} characters; the limit is {MAX_TEXT_CHARS}"
    return None


def analyze_items(items: Sequence[Mapping[str, Any]], models: CommentModels) -> dict[str, Any]:
    """Per-item analysis of submitted comments (``{"id", "text", "note_title"}``): one batch
    prediction over the valid texts, an error entry for each invalid one, input order kept."""
    valid = [(i, item) for i, item in enumerate(items) if text_problem(item.get("text")) is None]
    predictions = models.predict([str(item["text"]) for _, item in valid]) if valid else []
    by_index = {i: p for (i, _), p in zip(valid, predictions, strict=True)}
    results: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        base = {"index": i, "id": item.get("id"), "note_title": item.get("note_title")}
        prediction = by_index.get(i)
        if prediction is None:
            results.append({**base, "status": "error", "error": text_problem(item.get("text"))})
        else:
            results.append({**base, "status": "ok", **prediction.to_dict()})
    return {
        "model_version": models.version,
        "analyzed": len(valid),
        "errors": len(items) - len(valid),
        "results": results,
    }
