"""Batch comment analysis for files: read, validate per row, predict in batches, write.

Used by ``redlens analyze``. Inputs: CSV (utf-8 or utf-8-sig), JSONL, a JSON array, or XLSX with a
text column (``text``, ``content``, ``评论内容``, ``comment_content``, ``comment``; so MediaCrawler and
Spider_XHS comment exports work as they are). Every input row yields one output row: a bad row
(missing, empty, not a string, over :data:`MAX_TEXT_CHARS`) is written with ``status=error`` and its
reason, never dropped. Prediction runs in one process, in several (``workers``), or on a Dask
cluster (``dask_scheduler``) for files too large for one machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.comments import CommentModels, CommentPrediction, load_comment_models
from models.labels import INTENTS, SENTIMENTS
from service.exports import write_csv

MAX_TEXT_CHARS = 2000
TEXT_COLUMNS = ("text", "content", "评论内容", "comment_content", "comment", "内容", "llm_comment")
ID_COLUMNS = ("comment_id", "id", "评论id", "cid")
INPUT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json", ".xlsx")

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


class AnalyzeInputError(ValueError):
    """The input file cannot be read as comments; the message says what is accepted."""


@dataclass(frozen=True)
class InputRow:
    line: int  # 1-based line (CSV: header is line 1) or record number
    id: str | None
    text: Any


def _records(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Raw records and the line number of the first record."""
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise AnalyzeInputError(
            f"{path.name}: unsupported file type {suffix!r}; accepted: {', '.join(INPUT_SUFFIXES)}"
        )
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        sheet_rows = [dict(zip(header, r, strict=False)) for r in rows]
        wb.close()
        return sheet_rows, 2
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if suffix == ".csv":
        import csv
        import io

        reader = csv.DictReader(io.StringIO(text, newline=""))
        return [dict(r) for r in reader], 2
    if suffix in (".jsonl", ".ndjson"):
        out: list[dict[str, Any]] = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                out.append({"__error__": f"line {i}: invalid JSON ({exc.msg})", "__line__": i})
                continue
            out.append(
                obj if isinstance(obj, dict) else {"__error__": f"line {i}: not a JSON object", "__line__": i}
            )
            out[-1].setdefault("__line__", i)
        return out, 1
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnalyzeInputError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(data, dict):
        data = data.get("comments") or data.get("data") or [data]
    if not isinstance(data, list):
        raise AnalyzeInputError(f"{path.name}: expected a JSON array of comment objects")
    return [d if isinstance(d, dict) else {"__error__": "not a JSON object"} for d in data], 1


def read_comment_file(path: Path) -> tuple[list[InputRow], str]:
    """Rows of a comment file and the name of the text column found."""
    records, first_line = _records(path)
    keys: set[str] = set()
    for r in records[:200]:
        keys.update(k for k in r if not k.startswith("__"))
    text_col = next((c for c in TEXT_COLUMNS if c in keys), None)
    if text_col is None and records:
        raise AnalyzeInputError(
            f"{path.name}: no comment text column; found {sorted(keys)[:12]}, expected one of {list(TEXT_COLUMNS)}"
        )
    id_col = next((c for c in ID_COLUMNS if c in keys), None)
    rows = []
    for i, r in enumerate(records):
        line = int(r.get("__line__", i + first_line))
        if "__error__" in r:
            rows.append(InputRow(line=line, id=None, text=_BadRow(str(r["__error__"]))))
            continue
        rid = r.get(id_col) if id_col else None
        rows.append(
            InputRow(
                line=line, id=str(rid) if rid not in (None, "") else None, text=r.get(text_col or "", None)
            )
        )
    return rows, text_col or "text"


@dataclass(frozen=True)
class _BadRow:
    reason: str


def validate_text(value: Any) -> str | None:
    """The reason a value cannot be analysed, or None when it can."""
    if isinstance(value, _BadRow):
        return value.reason
    if value is None:
        return "missing text"
    if not isinstance(value, str):
        return f"text must be a string, got {type(value).__name__}"
    if not value.strip():
        return "empty text"
    if len(value) > MAX_TEXT_CHARS:
        return f"text is {len(value)} characters; the limit is {MAX_TEXT_CHARS}"
    return None


def prediction_record(pred: CommentPrediction) -> dict[str, Any]:
    rec: dict[str, Any] = {"status": "ok", "error": "", "sentiment": pred.sentiment}
    for s in SENTIMENTS:
        rec[f"p_{s}"] = pred.sentiment_proba[s]
    for name in INTENTS:
        rec[f"{name}_p"] = pred.intents[name]
        rec[name] = pred.flags[name]
    rec["low_effort"] = pred.low_effort
    rec["model_version"] = pred.model_version
    return rec


def _chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


# -- process-local model cache for worker processes and Dask workers ------------------------------

_WORKER_MODELS: dict[str, CommentModels] = {}


def _models_for(models_dir: str, sentiment_version: str, intents_version: str) -> CommentModels:
    key = f"{models_dir}|{sentiment_version}|{intents_version}"
    if key not in _WORKER_MODELS:
        _WORKER_MODELS[key] = load_comment_models(
            Path(models_dir), sentiment_version=sentiment_version, intents_version=intents_version
        )
    return _WORKER_MODELS[key]


def predict_chunk(
    texts: list[str], models_dir: str, sentiment_version: str, intents_version: str
) -> list[dict[str, Any]]:
    """Predict one chunk in a worker; module-level so processes and Dask can ship it by reference."""
    models = _models_for(models_dir, sentiment_version, intents_version)
    return [prediction_record(p) for p in models.predict(texts)]


@dataclass
class AnalyzeSummary:
    rows: int = 0
    ok: int = 0
    errors: int = 0
    text_column: str = ""
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


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
    good_idx: list[int] = []
    for row in rows:
        rec: dict[str, Any] = {
            "line": row.line,
            "id": row.id or "",
            "text": row.text if isinstance(row.text, str) else "",
        }
        reason = validate_text(row.text)
        if reason:
            rec.update(status="error", error=reason)
        else:
            good_idx.append(len(records))
        records.append(rec)
    if progress and len(records) > len(good_idx):
        progress(len(records) - len(good_idx))
    texts = [records[i]["text"] for i in good_idx]
    preds: list[dict[str, Any]] = []
    chunks = list(_chunks(texts, batch_size))
    if dask_scheduler:
        from dask.distributed import Client

        with Client(dask_scheduler) as client:
            futures = client.map(
                predict_chunk,
                chunks,
                models_dir=str(models_dir),
                sentiment_version=models.sentiment_version,
                intents_version=models.intents_version,
                pure=False,
            )
            for fut in futures:
                part = fut.result()
                preds.extend(part)
                if progress:
                    progress(len(part))
    elif workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(
                predict_chunk,
                chunks,
                [str(models_dir)] * len(chunks),
                [models.sentiment_version] * len(chunks),
                [models.intents_version] * len(chunks),
            )
            for part in results:
                preds.extend(part)
                if progress:
                    progress(len(part))
    else:
        for chunk in chunks:
            part = [prediction_record(p) for p in models.predict(list(chunk))]
            preds.extend(part)
            if progress:
                progress(len(part))
    for i, pred in zip(good_idx, preds, strict=True):
        records[i].update(pred)
    summary = AnalyzeSummary(
        rows=len(records), ok=len(good_idx), errors=len(records) - len(good_idx), model_version=models.version
    )
    return records, summary


def write_records(records: Sequence[dict[str, Any]], out: Path | None, fmt: str) -> None:
    """JSONL or CSV (formula-safe); ``out=None`` writes to standard output."""
    import sys

    if fmt not in ("jsonl", "csv"):
        raise AnalyzeInputError(f"unknown output format {fmt!r}; use jsonl or csv")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            _write(records, fh, fmt)
        tmp.replace(out)
    else:
        _write(records, sys.stdout, fmt)


def _write(records: Sequence[dict[str, Any]], fh: Any, fmt: str) -> None:
    if fmt == "csv":
        write_csv(records, OUTPUT_COLUMNS, fh)
    else:
        for rec in records:
            fh.write(
                json.dumps({k: rec.get(k) for k in OUTPUT_COLUMNS if k in rec}, ensure_ascii=False) + "\n"
            )
