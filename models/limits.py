"""Limits on the text users bring, and the pure functions applying them: one vocabulary for every
reader of user files (``service.ingest``, ``training.labelled``) and for the API's request bodies.

Encodings
    Exports are UTF-8 (with or without a BOM) or, when Excel on Chinese Windows wrote them,
    GB18030 (a superset of GBK and GB2312). A text is decoded in one of them whole, or refused
    with the encodings accepted: never with replacement characters, which would turn Chinese
    comments into rows of "���" that look fine.

JSON
    Values nested deeper than :data:`MAX_JSON_DEPTH` are refused (Python's decoder raises
    ``RecursionError`` near 1,000 levels, and printing such a value fails as well). Integers of
    more than :data:`MAX_NUMBER_DIGITS` digits are kept as their digits, a string, for the
    field's own parser to refuse as too large: converting them costs quadratic time and fails
    past Python's 4,300-digit limit.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable
from typing import Any

ENCODINGS: tuple[str, ...] = ("utf-8", "gb18030")
ENCODINGS_HELP = "UTF-8 (with or without BOM) or GB18030/GBK"
MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 40


class TextDecodeError(ValueError):
    """Bytes that are none of the :data:`ENCODINGS`; ``line`` is the first line that is not."""

    def __init__(self, line: int) -> None:
        super().__init__(
            f"line {line} is neither {ENCODINGS_HELP} text; save the file as UTF-8 and try again"
        )
        self.line = line


def detect_encoding(chunks: Callable[[], Iterable[bytes]]) -> str | None:
    """The first of :data:`ENCODINGS` that decodes every chunk ``chunks()`` yields (the whole
    file, not a prefix of it), or ``None``. ``chunks`` is called once per encoding tried."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in chunks():
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """``data`` decoded (a UTF-8 BOM dropped) and the encoding used; :class:`TextDecodeError`
    when it is none of :data:`ENCODINGS`."""
    first: UnicodeDecodeError | None = None
    for encoding in ENCODINGS:
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except UnicodeDecodeError as exc:
            first = first or exc
    assert first is not None
    raise TextDecodeError(data.count(b"\n", 0, first.start) + 1)


class JSONLimitError(ValueError):
    """JSON within the syntax but beyond the limits (nested too deeply)."""


def _bounded_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_NUMBER_DIGITS + 1 else digits


_DECODER = json.JSONDecoder(parse_int=_bounded_int)


def json_depth_error(value: Any) -> str | None:
    """Why ``value`` (decoded JSON) is nested too deeply, or ``None`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return f"nested deeper than {MAX_JSON_DEPTH} levels"
        stack.extend((child, depth + 1) for child in children)
    return None


def raw_decode_json(text: str, pos: int = 0) -> tuple[Any, int]:
    """One JSON value starting at ``pos`` and where it ends, within the limits;
    :class:`JSONLimitError` beyond them, ``json.JSONDecodeError`` for bad syntax."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise JSONLimitError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    problem = json_depth_error(value)
    if problem is not None:
        raise JSONLimitError(problem)
    return value, end


def loads_json(text: str) -> Any:
    """``json.loads`` within the limits (``ValueError`` otherwise)."""
    start = len(text) - len(text.lstrip())
    value, end = raw_decode_json(text, start)
    if text[end:].strip():
        raise json.JSONDecodeError("Extra data", text, end)
    return value
