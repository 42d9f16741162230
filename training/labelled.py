"""Read labelled comments that users bring for retraining (``redlens train --data``, training jobs).

Accepted files:

* CSV (UTF-8 with or without BOM, or GB18030/GBK: :mod:`models.limits`) with a ``text`` (or ``content``) column and any of
  - ``sentiment`` or ``label``: positive / neutral / negative (also 正面 / 中性 / 负面, pos / neu / neg);
  - ``intents``: the intents that apply, separated by ``,`` ``;`` ``|`` or ``、`` (empty = none);
  - one column per intent (``purchase_intent`` ... ``spam``) with 1/0, true/false, yes/no.
  A row without intent information is used for sentiment only, and vice versa.
* A Label Studio JSON export (full format with ``annotations[].result[]`` choices whose
  ``from_name`` is ``sentiment`` / ``intents``, or the JSON-MIN format with those keys).

Bad rows are returned as errors (file, line, reason); good rows are kept. Messages name the file
as the user called it (``name``), not where it was stored.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from models.labels import INTENTS, SENTIMENTS
from models.limits import JSONLimitError, TextDecodeError, decode_text, loads_json

MAX_TEXT_CHARS = 2000
_SENTIMENT_ALIASES = {
    "positive": "positive",
    "pos": "positive",
    "正面": "positive",
    "积极": "positive",
    "neutral": "neutral",
    "neu": "neutral",
    "中性": "neutral",
    "negative": "negative",
    "neg": "negative",
    "负面": "negative",
    "消极": "negative",
}
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否", ""}
_SPLIT = re.compile(r"[,;|、，；]")


class LabelFileError(ValueError):
    """A labelled file cannot be used at all (the message says what is accepted)."""


def _sentiment(value: Any) -> tuple[str | None, str | None]:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None, None
    key = str(value).strip().lower()
    if key in _SENTIMENT_ALIASES:
        return _SENTIMENT_ALIASES[key], None
    return None, f"unknown sentiment {value!r}; accepted: {', '.join(SENTIMENTS)}"


def _intent_list(value: Any) -> tuple[dict[str, float] | None, str | None]:
    names = [v.strip().lower() for v in _SPLIT.split(str(value)) if v.strip()]
    unknown = [n for n in names if n not in INTENTS]
    if unknown:
        return None, f"unknown intents {unknown}; accepted: {', '.join(INTENTS)}"
    return {i: 1.0 if i in names else 0.0 for i in INTENTS}, None


def _row(text: Any, sentiment: Any, intents: dict[str, float] | None) -> dict[str, Any]:
    return {"text": text, "sentiment": sentiment, **{i: (intents or {}).get(i, math.nan) for i in INTENTS}}


def _check_text(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return "empty or missing text"
    if len(text) > MAX_TEXT_CHARS:
        return f"text longer than {MAX_TEXT_CHARS} characters"
    return None


def _read_csv(name: str, raw: str) -> tuple[list[dict[str, Any]], list[str]]:
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    try:
        return _read_csv_rows(name, reader)
    except csv.Error as exc:
        raise LabelFileError(f"{name}: unreadable CSV record after line {reader.line_num} ({exc})") from None


def _read_csv_rows(name: str, reader: csv.DictReader[str]) -> tuple[list[dict[str, Any]], list[str]]:
    cols = [c.strip() for c in (reader.fieldnames or [])]
    text_col = "text" if "text" in cols else ("content" if "content" in cols else None)
    sent_col = "sentiment" if "sentiment" in cols else ("label" if "label" in cols else None)
    intent_cols = [i for i in INTENTS if i in cols]
    if text_col is None or (sent_col is None and "intents" not in cols and not intent_cols):
        raise LabelFileError(
            f"{name}: columns {cols} - expected a text (or content) column and at least one of "
            f"sentiment/label, intents, or per-intent columns {list(INTENTS)}"
        )
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for line, rec in enumerate(reader, start=2):
        rec = {(k or "").strip(): v for k, v in rec.items()}
        text = rec.get(text_col)
        problem = _check_text(text)
        sentiment, s_err = _sentiment(rec.get(sent_col)) if sent_col else (None, None)
        intents: dict[str, float] | None = None
        i_err = None
        if "intents" in cols:
            intents, i_err = _intent_list(rec.get("intents") or "")
        elif intent_cols:
            intents = {}
            for i in INTENTS:
                v = str(rec.get(i, "") or "").strip().lower()
                if i not in intent_cols:
                    intents[i] = math.nan
                elif v in _TRUE:
                    intents[i] = 1.0
                elif v in _FALSE:
                    intents[i] = 0.0
                else:
                    i_err = f"column {i}: {v!r} is not 1/0, true/false or yes/no"
        reason = problem or s_err or i_err
        _keep(rows, errors, f"{name} line {line}", (text, sentiment, intents), reason, "no label in this row")
    return rows, errors


NO_ANNOTATION = "no sentiment or intents annotation"


def _keep(
    rows: list[dict[str, Any]],
    errors: list[str],
    where: str,
    labelled: tuple[Any, str | None, dict[str, float] | None],
    reason: str | None,
    no_label: str,
) -> None:
    """Keep a labelled row ``(text, sentiment, intents)``, or record at ``where`` why it is refused."""
    text, sentiment, intents = labelled
    if reason is None and sentiment is None and intents is None:
        reason = no_label
    if reason:
        errors.append(f"{where}: {reason}")
    else:
        rows.append(_row(text, sentiment, intents))


def _choices(result: Iterable[dict[str, Any]], name: str) -> list[str] | None:
    for item in result:
        if item.get("from_name") == name:
            value = item.get("value") or {}
            return [str(c) for c in value.get("choices", [])]
    return None


def _read_label_studio(name: str, raw: str) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        data = loads_json(raw)
    except JSONLimitError as exc:
        raise LabelFileError(f"{name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LabelFileError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, list):
        raise LabelFileError(f"{name}: expected a Label Studio export (a JSON array of tasks)")
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, task in enumerate(data, start=1):
        if not isinstance(task, dict):
            errors.append(f"{name} task {n}: not an object")
            continue
        text = (task.get("data") or {}).get("text", task.get("text"))
        problem = _check_text(text)
        sentiment_raw: Any = None
        intents_raw: Any = None
        annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if annotations:
            result = annotations[-1].get("result") or []
            s = _choices(result, "sentiment")
            sentiment_raw = s[0] if s else None
            intents_raw = _choices(result, "intents")
        else:
            sentiment_raw = task.get("sentiment")
            intents_raw = task.get("intents")
            if isinstance(intents_raw, dict):
                intents_raw = intents_raw.get("choices")
            if isinstance(intents_raw, str):
                intents_raw = [intents_raw]
        sentiment, s_err = _sentiment(sentiment_raw)
        intents, i_err = (None, None)
        if intents_raw is not None:
            intents, i_err = _intent_list(",".join(intents_raw))
        reason = problem or s_err or i_err
        _keep(rows, errors, f"{name} task {n}", (text, sentiment, intents), reason, NO_ANNOTATION)
    return rows, errors


def read_labelled_file(path: Path, name: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Labelled rows (text, sentiment or None, intents as 1/0 or NaN) and per-row errors;
    ``name`` is the file's name in messages (default: ``path.name``)."""
    name = name or path.name
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise LabelFileError(
            f"{name}: unsupported type {suffix!r}; use a .csv or a Label Studio .json export"
        )
    try:
        raw, _ = decode_text(path.read_bytes())
    except TextDecodeError as exc:
        raise LabelFileError(f"{name}: {exc}") from None
    rows, errors = _read_csv(name, raw) if suffix == ".csv" else _read_label_studio(name, raw)
    frame = pd.DataFrame(rows, columns=["text", "sentiment", *INTENTS])
    return frame, errors


def read_labelled_files(paths: Iterable[Path]) -> tuple[pd.DataFrame, list[str]]:
    frames, errors = [], []
    for p in paths:
        if not p.exists():
            raise LabelFileError(f"{p} does not exist")
        f, e = read_labelled_file(p)
        frames.append(f)
        errors.extend(e)
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["text", "sentiment", *INTENTS])
    )
    frame = frame.drop_duplicates("text", keep="last").reset_index(drop=True)
    return frame, errors
