"""The limits on user text: encodings decoded whole or refused, JSON depth and number size."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.limits import (
    MAX_JSON_DEPTH,
    MAX_NUMBER_DIGITS,
    TextDecodeError,
    decode_text,
    detect_encoding,
    loads_json,
    raw_decode_json,
)

CHINESE = "求链接！黄皮能用吗，滤镜太重了吧"


def test_the_encoding_is_told_from_the_whole_text_not_its_beginning() -> None:
    data = ("text\n" + "a,b\n" * 200_000 + CHINESE + "\n").encode("gb18030")
    assert detect_encoding(lambda: [data[i : i + 4096] for i in range(0, len(data), 4096)]) == "gb18030"
    assert detect_encoding(lambda: [CHINESE.encode("utf-8")]) == "utf-8"
    assert detect_encoding(lambda: [b"\xff\xfe\xff\n"]) is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_decode_text_reads_every_accepted_encoding(encoding: str) -> None:
    text, _ = decode_text(f"text\n{CHINESE}\n".encode(encoding))
    assert text == f"text\n{CHINESE}\n"


def test_decode_text_refuses_with_the_line_and_the_encodings_accepted() -> None:
    with pytest.raises(TextDecodeError, match=r"line 3 is neither UTF-8 .* or GB18030/GBK") as caught:
        decode_text(b"text\nok\n\xff\xff\xff\n")
    assert caught.value.line == 3


def test_deep_json_is_a_value_error_at_any_depth() -> None:
    for depth in (MAX_JSON_DEPTH + 1, 5_000, 100_000):
        with pytest.raises(ValueError, match=f"nested deeper than {MAX_JSON_DEPTH} levels"):
            loads_json("[" * depth + "]" * depth)
    assert loads_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None


def test_long_integers_stay_digits_and_short_ones_numbers() -> None:
    digits = "9" * 5_000
    assert loads_json(f'{{"like_count": {digits}, "n": -12}}') == {"like_count": digits, "n": -12}
    assert loads_json("9" * MAX_NUMBER_DIGITS) == int("9" * MAX_NUMBER_DIGITS)


def test_raw_decode_json_says_where_the_value_ends() -> None:
    assert raw_decode_json('  {"a": 1} {"b": 2}', 2) == ({"a": 1}, 10)


nested = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=20,
)


@given(st.text(alphabet='[]{}":,0123456789-.eE tnrufalsN', max_size=400) | nested.map(json.dumps))
def test_loads_json_raises_nothing_but_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        loads_json(text)
