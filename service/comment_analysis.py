"""Comment analysis with the serving models, for every caller: submitted comments (``POST
/v1/comments/analyze``), comment files (``redlens analyze``) and stored comments (ingest jobs,
vetting, campaign reports, the labelling page, the demo).

One text policy: :func:`text_problem` says why a text is not analysed (missing, not a string,
empty, or over :data:`~models.comments.MAX_TEXT_CHARS`). A submitted text or a file row with a
problem gets an error entry of its own; a stored comment with one is left unanalysed (an empty
text is an XHS picture-only reply: the models would only return their prior for it).

One serialised form of a prediction: :meth:`~models.comments.CommentPrediction.to_dict`. The API
answers it, the ``comment.intents`` column stores its ``intents`` member, and file output is its
flat form (:func:`file_record`: one column per value).

Files are read by the ingest layer's :class:`~service.ingest.readers.TableReader` (CSV in UTF-8 or
GB18030, JSON Lines, a JSON array, XLSX) with a text column (``text``, ``content``, ``评论内容``,
...; so MediaCrawler and Spider_XHS comment exports work as they are). Every input row yields one
output row; prediction runs in one process, in several (``workers``), or on a Dask cluster
(``dask_scheduler``) for files too large for one machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from models.comments import MAX_TEXT_CHARS, CommentModels, CommentPrediction, process_cache
from models.labels import INTENTS, SENTIMENTS
from service.exports import write_csv
from service.ingest.readers import InputFileError, TableReader
from service.store.repositories import CommentAnalysis, comments_for_notes, save_comment_analyses
from service.store.tables import Comment

BATCH = 2000
TEXT_COLUMNS = ("text", "content", "评论内容", "comment_content", "comment", "内容", "llm_comment")
ID_COLUMNS = ("comment_id", "id", "评论id", "cid")
INPUT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json", ".xlsx")
OUTPUT_FORMATS = ("jsonl", "csv")
DASK_MISSING = (
    "--dask-scheduler needs the dask extra, which is not installed: "
    'pip install -e ".[dask]" (or run without --dask-scheduler, with --workers N on this machine)'
)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "line",
    "id",
    "text",
    "status",
    "error",
    "sentiment",
    *(f"p_{s}" for s in SENTIMENTS),
    *(f"{i}_p" for i in INTENTS),
    *INTENTS,
    "low_effort",
    "model_version",
)


def text_problem(value: Any) -> str | None:
    """Why a text is not analysed, or ``None`` when it is."""
    if value is None:
        return "missing text"
    if not isinstance(value, str):
        return f"text must be a string, got {type(value).__name__}"
    if not value.strip():
        return "empty text"
    if len(value) > MAX_TEXT_CHARS:
        return f"text is {len(value)} characters; the limit is {MAX_TEXT_CHARS}"
    return None


def predict_in_batches(models: CommentModels, texts: Sequence[str]) -> list[CommentPrediction]:
    """Predictions of ``texts`` in input order, :data:`BATCH` texts per model call."""
    out: list[CommentPrediction] = []
    for start in range(0, len(texts), BATCH):
        out.extend(models.predict(list(texts[start : start + BATCH])))
    return out


# --------------------------------------------------------------------------- submitted comments (API)


def analyze_items(items: Sequence[Mapping[str, Any]], models: CommentModels) -> dict[str, Any]:
    """Per-item analysis of submitted comments (``{"id", "text", "note_title"}``): one batch
    prediction over the valid texts, an error entry for each invalid one, input order kept."""
    problems = [text_problem(item.get("text")) for item in items]
    valid = [i for i, problem in enumerate(problems) if problem is None]
    predictions = dict(zip(valid, predict_in_batches(models, [items[i]["text"] for i in valid]), strict=True))
    results: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        base = {"index": i, "id": item.get("id"), "note_title": item.get("note_title")}
        prediction = predictions.get(i)
        if prediction is None:
            results.append({**base, "status": "error", "error": problems[i]})
        else:
            results.append({**base, "status": "ok", **prediction.to_dict()})
    return {
        "model_version": models.version,
        "analyzed": len(valid),
        "errors": len(items) - len(valid),
        "results": results,
    }


# --------------------------------------------------------------------------- comment files (CLI)


@dataclass(frozen=True)
class InputRow:
    line: int  # the line (CSV: the header is line 1) or spreadsheet row the comment starts on
    id: str | None
    text: Any
    error: str | None = None  # the row could not be read at all


@dataclass
class AnalyzeSummary:
    rows: int = 0
    ok: int = 0
    errors: int = 0
    model_version: str = ""


def _text_header(rows: list[list[Any]]) -> int:
    """The header among the first rows of a table: the first naming a text column, else the first."""
    for index, values in enumerate(rows):
        if any(str(v).strip() in TEXT_COLUMNS for v in values if v is not None):
            return index
    return 0


def _wrapped_comments(record: Mapping[str, Any]) -> list[Any] | None:
    """The comments of a single JSON object that wraps them (``{"comments": [...]}``, ``{"data": [...]}``)."""
    if any(column in record for column in TEXT_COLUMNS):
        return None
    inner = record.get("comments") or record.get("data")
    return inner if isinstance(inner, list) else None


def _read_records(path: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise InputFileError(
            f"{path.name}: unsupported file type {suffix!r}; accepted: {', '.join(INPUT_SUFFIXES)}"
        )
    reader = TableReader(path)
    try:
        reader.open(_text_header)
        rows = [(raw.line, raw.values, raw.error) for raw in reader]
    except InputFileError as exc:
        raise InputFileError(f"{path.name}: {exc}") from None
    finally:
        reader.close()
    inner = _wrapped_comments(rows[0][1]) if len(rows) == 1 and rows[0][1] is not None else None
    if inner is not None:
        return [
            (n, item, None) if isinstance(item, dict) else (n, None, "not a JSON object")
            for n, item in enumerate(inner, start=1)
        ]
    return rows


def read_comment_file(path: Path) -> tuple[list[InputRow], str]:
    """Rows of a comment file and the name of the text column found."""
    records = _read_records(path)
    keys: set[str] = set()
    for _, values, _ in records[:200]:
        keys.update(str(k) for k in values or ())
    text_col = next((c for c in TEXT_COLUMNS if c in keys), None)
    if text_col is None and any(values is not None for _, values, _ in records):
        raise InputFileError(
            f"{path.name}: no comment text column; found {sorted(keys)[:12]}, expected one of {list(TEXT_COLUMNS)}"
        )
    id_col = next((c for c in ID_COLUMNS if c in keys), None)
    rows = []
    for line, values, error in records:
        if values is None:
            rows.append(InputRow(line, None, None, error or "unreadable row"))
            continue
        rid = values.get(id_col) if id_col else None
        rows.append(InputRow(line, str(rid) if rid not in (None, "") else None, values.get(text_col or "")))
    return rows, text_col or "text"


def file_record(prediction: CommentPrediction) -> dict[str, Any]:
    """The flat form of :meth:`CommentPrediction.to_dict` written to files: one column per value."""
    data = prediction.to_dict()
    record: dict[str, Any] = {"status": "ok", "error": "", "sentiment": data["sentiment"]}
    record.update({f"p_{s}": p for s, p in data["sentiment_proba"].items()})
    record.update({f"{name}_p": intent["probability"] for name, intent in data["intents"].items()})
    record.update({name: intent["flag"] for name, intent in data["intents"].items()})
    record.update(low_effort=data["low_effort"], model_version=data["model_version"])
    return record


def predict_chunk(
    texts: list[str], models_dir: str, sentiment_version: str, intents_version: str
) -> list[dict[str, Any]]:
    """Predict one chunk in a worker; module-level so processes and Dask can ship it by reference."""
    models = process_cache(models_dir).get(sentiment_version, intents_version)
    return [file_record(p) for p in models.predict(texts)]


def _chunks(seq: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(seq[i : i + size]) for i in range(0, len(seq), size)]


def dask_installed() -> bool:
    """True when the ``[dask]`` extra (dask.distributed) is installed."""
    return importlib.util.find_spec("distributed") is not None


def _dask_parts(
    chunks: list[list[str]], scheduler: str, models_dir: Path | None, models: CommentModels
) -> Iterator[list[dict[str, Any]]]:
    if not dask_installed():
        raise RuntimeError(DASK_MISSING)
    from dask.distributed import Client

    with Client(scheduler) as client:
        futures = client.map(
            predict_chunk,
            chunks,
            models_dir=str(models_dir),
            sentiment_version=models.sentiment_version,
            intents_version=models.intents_version,
            pure=False,
        )
        for future in futures:
            yield future.result()


def _process_parts(
    chunks: list[list[str]], workers: int, models_dir: Path | None, models: CommentModels
) -> Iterator[list[dict[str, Any]]]:
    n = len(chunks)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(
            predict_chunk,
            chunks,
            [str(models_dir)] * n,
            [models.sentiment_version] * n,
            [models.intents_version] * n,
        )


def analyze_rows(
    rows: Sequence[InputRow],
    models: CommentModels,
    *,
    models_dir: Path | None = None,
    batch_size: int = 1024,
    workers: int = 1,
    dask_scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[dict[str, Any]], AnalyzeSummary]:
    """One output record per input row, in input order."""
    records: list[dict[str, Any]] = []
    good: list[int] = []
    for row in rows:
        record: dict[str, Any] = {
            "line": row.line,
            "id": row.id or "",
            "text": row.text if isinstance(row.text, str) else "",
        }
        problem = row.error or text_problem(row.text)
        if problem:
            record.update(status="error", error=problem)
        else:
            good.append(len(records))
        records.append(record)
    if progress and len(records) > len(good):
        progress(len(records) - len(good))
    chunks = _chunks([records[i]["text"] for i in good], batch_size)
    if dask_scheduler:
        parts = _dask_parts(chunks, dask_scheduler, models_dir, models)
    elif workers > 1 and len(chunks) > 1:
        parts = _process_parts(chunks, workers, models_dir, models)
    else:
        parts = ([file_record(p) for p in models.predict(chunk)] for chunk in chunks)
    predicted: list[dict[str, Any]] = []
    for part in parts:
        predicted.extend(part)
        if progress:
            progress(len(part))
    for i, prediction in zip(good, predicted, strict=True):
        records[i].update(prediction)
    summary = AnalyzeSummary(
        rows=len(records), ok=len(good), errors=len(records) - len(good), model_version=models.version
    )
    return records, summary


def write_records(records: Sequence[dict[str, Any]], out: Path | None, fmt: str) -> None:
    """JSONL or CSV (formula-safe); ``out=None`` writes to standard output."""
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; use {' or '.join(OUTPUT_FORMATS)}")
    if out is None:
        _write(records, sys.stdout, fmt)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        _write(records, fh, fmt)
    tmp.replace(out)


def _write(records: Sequence[dict[str, Any]], fh: Any, fmt: str) -> None:
    if fmt == "csv":
        write_csv(records, OUTPUT_COLUMNS, fh)
        return
    for record in records:
        shown = {k: record.get(k) for k in OUTPUT_COLUMNS if k in record}
        fh.write(json.dumps(shown, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- stored comments


def needs_analysis(comment: Comment, models: CommentModels) -> bool:
    return comment.model_version != models.version and text_problem(comment.text) is None


def predict_pending(comments: Sequence[Comment], models: CommentModels) -> list[CommentAnalysis]:
    """Predictions for the comments not yet analysed by ``models`` (no database access)."""
    pending = [c for c in comments if needs_analysis(c, models)]
    predictions = predict_in_batches(models, [str(c.text) for c in pending])
    return [
        CommentAnalysis.of(comment.id, prediction.to_dict())
        for comment, prediction in zip(pending, predictions, strict=True)
    ]


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
    """The stored intent probabilities of a comment (empty when not analysed)."""
    stored = comment.intents or {}
    return {
        name: float(value["probability"])
        for name, value in stored.items()
        if isinstance(value, dict) and isinstance(value.get("probability"), int | float)
    }
