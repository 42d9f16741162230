from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import text
from models.text import load_userdict, normalize, tokenize
from tests.models.text_cases import CASES


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0][:12] or "<empty>" for c in CASES])
def test_tokenize_pins_exact_tokens(raw: str, expected: list[str]) -> None:
    assert tokenize(raw, backend="jieba") == expected


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0][:12] or "<empty>" for c in CASES])
def test_tokenize_rjieba_backend_matches_jieba_reference(raw: str, expected: list[str]) -> None:
    assert tokenize(raw, backend="rjieba") == expected


def test_table_covers_at_least_sixty_cases() -> None:
    assert len({raw for raw, _ in CASES}) >= 60


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("哈哈哈哈哈", "哈哈"),
        ("！！！", "!!"),
        ("ＡＢＣ１２３", "abc123"),
        ("顯白", "显白"),
        ("显著", "显著"),  # 著 is simplified too and must not become 着
        ("a\u200bb\ufeffc", "abc"),
        ("  多个   空格  ", "多个 空格"),
        ("[笑哭R][笑哭R][笑哭R]", "[笑哭R][笑哭R]"),
        ("[Doge]", "[doge]"),
        ("价格1000元", "价格1000元"),  # digits are never squeezed
        ("\ud800坏", "坏"),
        ("line\x00break", "line break"),
        ("👍🏻", "👍"),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("value", [None, 12, 3.5, b"bytes", ["list"]])
def test_normalize_coerces_non_strings(value: object) -> None:
    assert isinstance(normalize(value), str)
    assert isinstance(tokenize(value), list)


def test_tokenize_long_text_does_not_raise() -> None:
    tokens = tokenize("这个粉底液真的很好用，" * 2000)
    assert "粉底液" in tokens


_ALPHABET = st.characters(codec=None, exclude_categories=())
_XHS_BITS = st.sampled_from(
    [
        "[笑哭R]",
        "[赞R]",
        "😍",
        "👍🏻",
        "@小鹿",
        "#好物[话题]#",
        "哈哈哈",
        "！！！",
        "１２３",
        "¥99",
        "50%",
        " ",
        "\u200b",
        "複",
    ]
)
_TEXTS = st.one_of(
    st.text(alphabet=_ALPHABET, max_size=80),
    st.lists(st.one_of(_XHS_BITS, st.text(max_size=5)), max_size=12).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_normalize_is_idempotent_and_never_raises(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_tokenize_never_raises_and_has_no_whitespace_tokens(raw: str) -> None:
    tokens = tokenize(raw)
    assert all(tok and tok == tok.strip() and not any(ch.isspace() for ch in tok) for tok in tokens)
    assert tokenize(normalize(raw)) == tokens


def test_userdict_has_at_least_400_words() -> None:
    assert len(load_userdict()) >= 400


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_userdict_frequencies_keep_every_word_whole(backend: str) -> None:
    seg = text.get_segmenter(backend)
    split = [w for w, _, _ in load_userdict() if seg.cut(w) != [w]]
    assert split == []


def test_userdict_matches_term_list() -> None:
    from training.build_userdict import read_terms

    assert [w for w, _, _ in load_userdict()] == read_terms()


def test_stopwords_keep_negation_and_degree_words() -> None:
    stop = text.stopwords()
    assert len(stop) > 100
    for word in ("不", "没", "别", "太", "很", "吗", "什么"):
        assert word not in stop


def test_content_tokens_drop_stopwords_and_placeholders() -> None:
    assert text.content_tokens("这个粉底液的色号@小鹿 ¥199") == ["粉底液", "色号"]


def test_t2s_file_matches_its_derivation_from_snownlp() -> None:
    from training.build_t2s import derive_pairs

    assert text._t2s_table() == {ord(a): b for a, b in derive_pairs()}


def _words(tokens: list[str]) -> list[str]:
    """Tokens without punctuation (pos_tag keeps runs like !! one character per token)."""
    return [t for t in tokens if any(ch.isalnum() for ch in t) or t.startswith("[") or text.is_emoji(t)]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0][:12] or "<empty>" for c in CASES])
def test_pos_tag_words_are_the_rjieba_tokens(raw: str, expected: list[str]) -> None:
    tagged = text.pos_tag(raw, backend="rjieba")
    assert _words([w for w, _ in tagged]) == _words(expected)
    assert all(tag == "x" for w, tag in tagged if w in text.TYPED_TOKENS or text.is_emoticon(w))


def test_pos_tag_tags_nouns_and_adjectives() -> None:
    for backend in ("jieba", "rjieba"):
        tags = dict(text.pos_tag("颜值很高，质量一般", backend=backend))
        assert tags["颜值"].startswith("n") and tags["质量"].startswith("n"), backend
        assert tags[","] == "x", backend
