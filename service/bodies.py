"""JSON request bodies decoded within the limits of :mod:`models.limits`, on every route of a
router made with ``route_class=CheckedJSONRoute``.

FastAPI decodes a JSON body with ``json.loads``, which accepts ``NaN`` and ``Infinity`` (and reads
``1e400`` as infinity): such a number reaches a handler or is echoed by a validation error, and
the response encoder refuses it (a 500, or a dropped connection). Deep nesting raises
``RecursionError``, and an integer of thousands of digits costs quadratic time, then fails.
:class:`CheckedJSONRoute` decodes the body first and answers 422 (``validation-error``) naming
each bad place (``loc``), as any other validation error; the handler gets the decoded body.
Syntax errors are left to FastAPI, which answers them as usual.
"""

from __future__ import annotations

import contextlib
import email.message
import json
import math
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.routing import APIRoute

from models.limits import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS

NOT_FINITE = "numbers must be finite (no NaN or Infinity)"
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
MAX_REPORTED = 20


class _Refused:
    """A number decoded from the body that the API does not take (kept to say where it was)."""

    def __init__(self, literal: str, kind: str, message: str) -> None:
        self.literal = literal if len(literal) <= 40 else f"{literal[:20]}... ({len(literal):,} characters)"
        self.kind = kind
        self.message = message


def _constant(name: str) -> _Refused:
    return _Refused(name, "finite_number", NOT_FINITE)


def _float(literal: str) -> float | _Refused:
    number = float(literal)
    return number if math.isfinite(number) else _Refused(literal, "finite_number", NOT_FINITE)


def _int(literal: str) -> int | _Refused:
    digits = len(literal.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        return _Refused(
            literal,
            "number_too_long",
            f"a number of {digits:,} digits; at most {MAX_NUMBER_DIGITS} are taken",
        )
    return int(literal)


def _problems(value: Any) -> Iterator[dict[str, Any]]:
    """Validation errors (FastAPI's shape) for every refused number and every place nested too
    deeply, walked without recursion."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Refused):
            yield {"type": item.kind, "loc": ("body", *path), "msg": item.message, "input": item.literal}
            continue
        if isinstance(item, dict):
            children: list[tuple[Any, tuple[str | int, ...]]] = [(v, (*path, k)) for k, v in item.items()]
        elif isinstance(item, list):
            children = [(v, (*path, i)) for i, v in enumerate(item)]
        else:
            continue
        if len(path) >= MAX_JSON_DEPTH:
            yield {"type": "json_too_deep", "loc": ("body", *path), "msg": TOO_DEEP, "input": None}
            continue
        stack.extend(reversed(children))


def decode_body(body: bytes) -> Any:
    """The decoded body, or :class:`RequestValidationError` naming what exceeds the limits
    (``json.JSONDecodeError`` for bad syntax, which FastAPI reports itself)."""
    try:
        value = json.loads(body, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise RequestValidationError(
            [{"type": "json_too_deep", "loc": ("body",), "msg": TOO_DEEP, "input": None}]
        ) from None
    except UnicodeDecodeError:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "the body is not UTF-8 JSON", "input": None}]
        ) from None
    problems = []
    for problem in _problems(value):
        problems.append(problem)
        if len(problems) >= MAX_REPORTED:
            break
    if problems:
        raise RequestValidationError(problems)
    return value


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class _CheckedRequest(Request):
    """A request whose JSON body is decoded by :func:`decode_body` (once)."""

    _decoded: Any
    _has_decoded = False

    async def json(self) -> Any:
        if not self._has_decoded:
            self._decoded = decode_body(await self.body())
            self._has_decoded = True
        return self._decoded


class CheckedJSONRoute(APIRoute):
    """A route whose JSON body is decoded within the limits before FastAPI validates it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None or isinstance(self.body_field.field_info, Form):
            return handler

        async def checked(request: Request) -> Response:
            checked_request = _CheckedRequest(request.scope, request.receive)
            if _is_json(request.headers.get("content-type")) and await checked_request.body():
                with contextlib.suppress(json.JSONDecodeError):  # FastAPI answers bad syntax itself
                    await checked_request.json()
            return await handler(checked_request)

        return checked
