"""Normalisation and segmentation of XHS comments, shared by training and serving.

Two public steps:

* :func:`normalize` turns any string into a canonical, readable form: NFKC (full width to half
  width), traditional to simplified characters, Latin lower-cased (bracket emoticons keep their
  spelling), zero-width and control characters dropped, whitespace runs collapsed to one space (kept as a
  word boundary; tokens never contain it), runs of three or more
  identical characters squeezed to two (digits excepted). It is idempotent and never raises.
* :func:`tokenize` segments normalised text. Spans jieba would break are cut out first and become
  single tokens: XHS bracket emoticons (``[笑哭R]``), Unicode emoji, and typed placeholders for
  URLs, @mentions, #topics#, prices, percentages and numbers. The rest goes through jieba (or the
  byte-identical rjieba backend when present) with the project's XHS user dictionary.

Everything here is a module-level function so that scikit-learn pipelines that call it pickle by
reference. The segmenter loads lazily on first use: importing this module has no side effects.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

LEXICON_DIR = Path(__file__).resolve().parent.parent / "corpora" / "lexicon"
USERDICT_PATH = LEXICON_DIR / "xhs_userdict.txt"
STOPWORDS_PATH = LEXICON_DIR / "stopwords.txt"

# Typed placeholder tokens.
URL = "<url>"
MENTION = "<mention>"
TOPIC = "<topic>"
PRICE = "<price>"
PERCENT = "<pct>"
NUMBER = "<num>"
TYPED_TOKENS = frozenset({URL, MENTION, TOPIC, PRICE, PERCENT, NUMBER})

_EMOJI_CORE = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # misc symbols and dingbats
    "\u2b00-\u2bff"  # arrows, stars
    "\u2300-\u23ff"  # technical (watch, hourglass)
)
_EMOJI_RE = (
    f"(?:[\U0001f1e6-\U0001f1ff]{{2}}"  # flags: regional indicator pairs
    f"|[{_EMOJI_CORE}](?:\u200d[{_EMOJI_CORE}])*)"  # single emoji or a ZWJ sequence
)
# XHS stickers are [名字R]; Douyin and older XHS ones drop the R; a few are Latin ([doge]).
_EMOTICON_RE = r"\[(?:[\u4e00-\u9fff]{1,8}R?|[A-Za-z][A-Za-z0-9_]{1,11})\]"
_URL_RE = r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|[a-z0-9\-]+\.(?:com|cn|net|org)(?:/[\w\-./?=&%]*)?"
_TOPIC_RE = r"#[^#\s]{1,40}?(?:\[话题\])?#"
_MENTION_RE = r"@[^\s@#:,!?()\[\]<>\"'，。！？：；、]{1,24}"
_NUM = r"\d+(?:\.\d+)?"
_PRICE_RE = rf"(?:[¥$￥]\s?{_NUM}(?:[wk万千])?|{_NUM}(?:[wk万千])?(?:元|块钱|块|rmb|刀|米(?=\d|$|[^\w])))"
_PERCENT_RE = rf"{_NUM}%"
_NUMBER_RE = rf"{_NUM}(?:[wk万千亿])?\+?"

_SPECIAL = re.compile(
    "|".join(
        f"(?P<{name}>{pattern})"
        for name, pattern in (
            ("url", _URL_RE),
            ("topic", _TOPIC_RE),
            ("emoticon", _EMOTICON_RE),
            ("mention", _MENTION_RE),
            ("emoji", _EMOJI_RE),
            ("price", _PRICE_RE),
            ("pct", _PERCENT_RE),
            ("num", _NUMBER_RE),
        )
    )
)
_TYPED = {"url": URL, "mention": MENTION, "price": PRICE, "pct": PERCENT, "num": NUMBER}

_EMOTICON_ONLY = re.compile(_EMOTICON_RE)
_SURROGATES = re.compile("[\ud800-\udfff]")
# Zero-width and format characters; ZWJ survives only inside emoji sequences.
_INVISIBLE = re.compile(
    f"[\u200b\u200c\u200e\u200f\u2060-\u2064\ufeff\u00ad\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]|\u200d(?![{_EMOJI_CORE}])"
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"(\D)\1{2,}")
_REPEATED_EMOTICON = re.compile(rf"({_EMOTICON_RE})\1{{2,}}")

T2S_PATH = LEXICON_DIR / "t2s_chars.txt"
# Characters that are valid in simplified Chinese as well and must not be converted.
T2S_KEEP = frozenset("著覆乾藉余馀")


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """One-character traditional to simplified map (corpora/lexicon/t2s_chars.txt, see training/build_t2s.py)."""
    table: dict[int, str] = {}
    if T2S_PATH.exists():
        for line in T2S_PATH.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                src, _, dst = line.partition("\t")
                if len(src) == 1 and dst:
                    table[ord(src)] = dst
    return table


def _lower_outside_emoticons(text: str) -> str:
    parts: list[str] = []
    last = 0
    for m in _EMOTICON_ONLY.finditer(text):
        parts.append(text[last : m.start()].lower())
        sticker = m.group(0)
        # [Doge] and [doge] are one sticker; [笑哭R] keeps its R.
        parts.append(sticker.lower() if sticker[1].isascii() else sticker)
        last = m.end()
    parts.append(text[last:].lower())
    return "".join(parts)


def normalize(text: Any) -> str:
    """Return the canonical form of a comment; never raises, ``normalize(normalize(x)) == normalize(x)``."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return ""
    if len(text) <= 2000:
        return _normalize_cached(text)
    return _normalize(text)


@lru_cache(maxsize=200_000)
def _normalize_cached(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = _SURROGATES.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_t2s_table())
    text = _lower_outside_emoticons(text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = _REPEATED_EMOTICON.sub(r"\1\1", text)
    return _REPEATS.sub(r"\1\1", text)


class _Segmenter:
    """jieba (reference) or rjieba (same dictionary and algorithm, compiled) with the XHS user dict."""

    def __init__(self, backend: str, extra_words: Sequence[str] = ()) -> None:
        # An added word gets jieba's suggested frequency (None): just enough to be cut as one word,
        # so a longer dictionary word containing it (小米粥 for 小米) still wins.
        words: list[tuple[str, int | None, str | None]] = [
            *load_userdict(),
            *((w, None, None) for w in extra_words),
        ]
        self.backend = backend
        self._pos: Any = None
        if backend == "rjieba":
            import rjieba

            self._rj = rjieba.Jieba()
            for word, freq, tag in words:
                self._rj.add_word(word, freq, tag)
        else:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._jb = jieba.Tokenizer()
            self._jb.initialize()
            for word, freq, tag in words:
                self._jb.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        if self.backend == "rjieba":
            return list(self._rj.cut(text, True))
        return list(self._jb.cut(text, HMM=True))

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Words with jieba part-of-speech tags (``n`` noun, ``a`` adjective, ``v`` verb, ...)."""
        if self.backend == "rjieba":
            return [(str(w), str(t)) for w, t in self._rj.tag(text, True)]
        if self._pos is None:
            import jieba.posseg

            self._pos = jieba.posseg.POSTokenizer(self._jb)
        return [(p.word, p.flag) for p in self._pos.cut(text, HMM=True)]


_segmenters: dict[str, _Segmenter] = {}
_segmenter_lock = threading.Lock()


def default_backend() -> str:
    """``REDLENS_TOKENIZER`` if set (``jieba`` or ``rjieba``), else rjieba when installed."""
    wanted = os.environ.get("REDLENS_TOKENIZER", "").strip().lower()
    if wanted in {"jieba", "rjieba"}:
        return wanted
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


def get_segmenter(backend: str | None = None) -> _Segmenter:
    name = backend or default_backend()
    seg = _segmenters.get(name)
    if seg is None:
        with _segmenter_lock:
            seg = _segmenters.get(name)
            if seg is None:
                seg = _Segmenter(name)
                _segmenters[name] = seg
    return seg


def segmenter_with_words(words: Sequence[str], backend: str | None = None) -> _Segmenter:
    """A segmenter of its own with ``words`` added to the XHS user dictionary (brand names and
    aliases for the brand matcher). The shared segmenter of :func:`get_segmenter` is never changed,
    so one workspace's words cannot change how another workspace's text is cut."""
    return _Segmenter(backend or default_backend(), tuple(words))


def load_userdict(path: Path = USERDICT_PATH) -> list[tuple[str, int, str | None]]:
    """Parse a jieba user dictionary: ``word freq [tag]`` per line, ``#`` comments allowed."""
    words: list[tuple[str, int, str | None]] = []
    if not path.exists():
        return words
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        freq = int(fields[1]) if len(fields) > 1 else 1
        words.append((fields[0], freq, fields[2] if len(fields) > 2 else None))
    return words


def lexicon_fingerprint() -> str:
    """sha256 of the user dictionary; recorded in model cards so serving matches training."""
    digest = hashlib.sha256()
    if USERDICT_PATH.exists():
        digest.update(USERDICT_PATH.read_bytes())
    return digest.hexdigest()


def _emit_plain(chunk: str, seg: _Segmenter, out: list[str]) -> None:
    prev = ""
    for tok in seg.cut(chunk):
        tok = tok.strip()
        if not tok:
            prev = ""
            continue
        # jieba yields punctuation one character at a time; keep "!!" and "??" as one token.
        if tok == prev and len(tok) == 1 and not tok.isalnum() and out:
            out[-1] += tok
            prev = ""
            continue
        out.append(tok)
        prev = tok


def tokenize(text: Any, *, backend: str | None = None) -> list[str]:
    """Normalise ``text`` and split it into tokens; never raises.

    Emoticons and emoji become single tokens, URLs/mentions/prices/percentages/numbers become typed
    placeholders (``<url>``, ``<mention>``, ``<price>``, ``<pct>``, ``<num>``), ``#话题#`` becomes
    ``<topic>`` followed by the topic's own words. Whitespace never appears in the output.
    """
    norm = normalize(text)
    if not norm:
        return []
    seg = get_segmenter(backend)
    out: list[str] = []
    last = 0
    for m in _SPECIAL.finditer(norm):
        if m.start() > last:
            _emit_plain(norm[last : m.start()], seg, out)
        kind = m.lastgroup or ""
        span = m.group(0)
        if kind == "emoticon" or kind == "emoji":
            out.append(span)
        elif kind == "topic":
            out.append(TOPIC)
            inner = span[1:-1].removesuffix("[话题]")
            if inner:
                _emit_plain(inner, seg, out)
        else:
            out.append(_TYPED[kind])
        last = m.end()
    if last < len(norm):
        _emit_plain(norm[last:], seg, out)
    return out


def pos_tag(text: Any, *, backend: str | None = None) -> list[tuple[str, str]]:
    """:func:`tokenize` with a jieba part-of-speech tag per token, for phrase patterns (noun + opinion).

    Emoticons, emoji, placeholders and punctuation are tagged ``x``; ``#话题#`` gives ``<topic>`` and
    the topic's tagged words. With rjieba the words are those of :func:`tokenize` (except that runs of
    punctuation stay one character per token); jieba's posseg segments with its own HMM and can differ
    on unknown words.
    """
    norm = normalize(text)
    if not norm:
        return []
    seg = get_segmenter(backend)
    out: list[tuple[str, str]] = []

    def plain(chunk: str) -> None:
        for word, flag in seg.tag(chunk):
            word = word.strip()
            if word:
                out.append((word, "x" if not any(ch.isalnum() for ch in word) else flag))

    last = 0
    for m in _SPECIAL.finditer(norm):
        if m.start() > last:
            plain(norm[last : m.start()])
        kind = m.lastgroup or ""
        span = m.group(0)
        if kind == "emoticon" or kind == "emoji":
            out.append((span, "x"))
        elif kind == "topic":
            out.append((TOPIC, "x"))
            inner = span[1:-1].removesuffix("[话题]")
            if inner:
                plain(inner)
        else:
            out.append((_TYPED[kind], "x"))
        last = m.end()
    if last < len(norm):
        plain(norm[last:])
    return out


def is_emoticon(token: str) -> bool:
    return _EMOTICON_ONLY.fullmatch(token) is not None


_EMOJI_ONLY = re.compile(_EMOJI_RE)


def is_emoji(token: str) -> bool:
    return _EMOJI_ONLY.fullmatch(token) is not None


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The curated stopword list: function words only; negation, degree and question words are kept out."""
    if not STOPWORDS_PATH.exists():
        return frozenset()
    return frozenset(
        line.strip()
        for line in STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def content_tokens(text: Any) -> list[str]:
    """Tokens without stopwords, punctuation, emoticons, emoji and placeholders (for keywords and themes)."""
    stop = stopwords()
    return [
        t
        for t in tokenize(text)
        if t not in stop
        and t not in TYPED_TOKENS
        and any(ch.isalnum() for ch in t)
        and not is_emoticon(t)
        and not is_emoji(t)
    ]
