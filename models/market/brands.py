"""Brands a workspace tracks (its own and competitors) and a Chinese-aware matcher of their mentions.

A brand is a name plus aliases, product names and hashtags (朵拉朵尚 / DORA / 小银瓶 /
#朵拉朵尚#). :class:`BrandMatcher` finds which brands a text mentions:

* text and terms are normalised by :func:`models.text.normalize` first: full-width letters and
  digits become half-width (ＤＯＲＡ -> dora), case is folded, and traditional characters become
  simplified through the project's character map (``corpora/lexicon/t2s_chars.txt``: 蘭蔻 -> 兰蔻);
* the text is cut into words by a segmenter of the matcher's own (jieba or its rjieba binding,
  with the XHS user dictionary plus every term of these brands as user words). The shared
  segmenter is never changed, so one workspace's terms cannot change another workspace's cuts;
* a term matches only as whole words (token-boundary matching): "小米" matches in 买了小米 but
  not in 小米粥, because jieba keeps the longer dictionary word 小米粥 whole; "dora" does not
  match inside "doraemon". A term of several words ("estee lauder") matches the same words in a
  row;
* ``#topic#`` spans (with or without XHS's ``[话题]`` suffix) and a note's tag list match when the
  topic is one of the brand's hashtags or terms, as a whole.

A term may belong to one brand only (two brands sharing an alias could not be told apart).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from models.text import normalize, segmenter_with_words

__all__ = ["MAX_BRANDS", "MAX_TERMS", "BrandDefinitionError", "BrandMatcher", "BrandSpec", "matcher_for"]

MAX_BRANDS = 50
MAX_TERMS = 100  # aliases + products + hashtags of one brand
MAX_TERM_LENGTH = 40
_TOPIC = re.compile(r"#([^#\s]{1,40}?)(?:\[话题\])?#")


class BrandDefinitionError(ValueError):
    """A brand definition that cannot be used; the message says which field and why."""


def clean_term(value: Any, field: str) -> str:
    """A term as matched: normalised, without hashtag marks; refused when empty or too long."""
    if not isinstance(value, str):
        raise BrandDefinitionError(f"{field}: {value!r} is not text")
    term = normalize(value.strip().strip("#").replace("[话题]", "")).strip("# ")
    if not term:
        raise BrandDefinitionError(f"{field}: {value!r} is empty once normalised")
    if len(term) > MAX_TERM_LENGTH:
        raise BrandDefinitionError(f"{field}: {value[:60]!r} is longer than {MAX_TERM_LENGTH} characters")
    return term


@dataclass(frozen=True)
class BrandSpec:
    """One tracked brand. ``own`` marks the workspace's own brand (at most one)."""

    name: str
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    own: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise BrandDefinitionError("name: a brand needs a non-empty name")
        if len(self.name.strip()) > 200:
            raise BrandDefinitionError(f"name: {self.name[:60]!r} is longer than 200 characters")
        object.__setattr__(self, "name", self.name.strip())
        for field in ("aliases", "products", "hashtags"):
            values = getattr(self, field)
            if isinstance(values, str):
                raise BrandDefinitionError(f"{field}: expected a list of text, got one string")
            bad = [v for v in values if not isinstance(v, str)]
            if bad:
                raise BrandDefinitionError(f"{self.name} {field}: {bad[0]!r} is not text")
            object.__setattr__(self, field, tuple(dict.fromkeys(v.strip() for v in values if v.strip())))
        if len(self.aliases) + len(self.products) + len(self.hashtags) > MAX_TERMS:
            raise BrandDefinitionError(f"{self.name}: at most {MAX_TERMS} aliases, products and hashtags")
        for field, values in (
            ("aliases", self.aliases),
            ("products", self.products),
            ("hashtags", self.hashtags),
        ):
            for value in values:
                clean_term(value, f"{self.name} {field}")

    @property
    def words(self) -> tuple[str, ...]:
        """Name, aliases and product names, normalised: matched as words in the text."""
        raw = (self.name, *self.aliases, *self.products)
        return tuple(dict.fromkeys(clean_term(v, self.name) for v in raw))

    @property
    def topics(self) -> tuple[str, ...]:
        """What a ``#topic#`` or a tag must equal: the hashtags and every word."""
        return tuple(dict.fromkeys((*(clean_term(v, self.name) for v in self.hashtags), *self.words)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "own": self.own,
            "aliases": list(self.aliases),
            "products": list(self.products),
            "hashtags": list(self.hashtags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BrandSpec:
        known = {"name", "own", "aliases", "products", "hashtags"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise BrandDefinitionError(f"unknown field(s) {unknown}: accepted fields are {sorted(known)}")
        lists: dict[str, tuple[Any, ...]] = {}
        for field in ("aliases", "products", "hashtags"):
            value = data.get(field) or ()
            if not isinstance(value, list | tuple):
                raise BrandDefinitionError(f"{field}: expected a list of text, got {type(value).__name__}")
            lists[field] = tuple(value)
        return cls(name=data.get("name") or "", own=bool(data.get("own", False)), **lists)


def check_brands(brands: Sequence[BrandSpec]) -> None:
    """Refuse a set of brands that could not be told apart: duplicate names, a term of two brands,
    more than one own brand, too many brands."""
    if len(brands) > MAX_BRANDS:
        raise BrandDefinitionError(f"{len(brands)} brands: at most {MAX_BRANDS} can be tracked")
    if sum(b.own for b in brands) > 1:
        raise BrandDefinitionError("only one brand can be the workspace's own (own=true)")
    owner: dict[str, str] = {}
    names: set[str] = set()
    for brand in brands:
        if brand.name in names:
            raise BrandDefinitionError(f"brand {brand.name!r} is defined twice")
        names.add(brand.name)
        for term in brand.topics:
            other = owner.setdefault(term, brand.name)
            if other != brand.name:
                raise BrandDefinitionError(
                    f"{term!r} is a term of both {other!r} and {brand.name!r}: a term may name one brand only"
                )


class BrandMatcher:
    """Which of ``brands`` a text (and a note's tags) mentions, by whole words and topics."""

    def __init__(self, brands: Sequence[BrandSpec], *, backend: str | None = None) -> None:
        check_brands(brands)
        self.brands = tuple(brands)
        words = [w for b in self.brands for w in b.words]
        self._segmenter = segmenter_with_words(words, backend)
        self._phrases: dict[tuple[str, ...], str] = {}
        for brand in self.brands:
            for word in brand.words:
                self._phrases[tuple(self._tokens(word))] = brand.name
        self._lengths = sorted({len(k) for k in self._phrases if k}, reverse=True)
        self._topics = {t: b.name for b in self.brands for t in b.topics}

    def _tokens(self, text: str) -> list[str]:
        return [tok for tok in (t.strip() for t in self._segmenter.cut(text)) if tok]

    def match(self, text: str | None, tags: Iterable[str] = ()) -> dict[str, set[str]]:
        """Brand name -> the terms that matched (as normalised), for brands mentioned at least once."""
        found: dict[str, set[str]] = {}
        body = normalize(text or "")

        def topic(match: re.Match[str]) -> str:
            name = self._topics.get(normalize(match.group(1)))
            if name is not None:
                found.setdefault(name, set()).add("#" + normalize(match.group(1)) + "#")
            return " "

        body = _TOPIC.sub(topic, body)
        for tag in tags:
            term = normalize(str(tag)).strip("# ")
            name = self._topics.get(term)
            if name is not None:
                found.setdefault(name, set()).add("#" + term + "#")
        spans = self._spans(body)
        tokens = [token for token, _, _ in spans]
        for start in range(len(tokens)):
            for length in self._lengths:
                if start + length > len(tokens):
                    continue
                phrase = tuple(tokens[start : start + length])
                name = self._phrases.get(phrase)
                if name is not None and _latin_bounded(body, spans[start][1], spans[start + length - 1][2]):
                    found.setdefault(name, set()).add(" ".join(phrase))
                    break
        return found

    def _spans(self, text: str) -> list[tuple[str, int, int]]:
        """Non-blank tokens with their start and end offsets in ``text``."""
        out: list[tuple[str, int, int]] = []
        position = 0
        for token in self._segmenter.cut(text):
            start = position
            position += len(token)
            if token.strip():
                out.append((token.strip(), start, position))
        return out


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _latin_bounded(text: str, start: int, end: int) -> bool:
    """jieba cuts a Latin run at a user word (doraemon -> dora + emo + n): a Latin term must not
    touch another letter or digit on either side."""
    if _is_latin(text[start]) and start > 0 and _is_latin(text[start - 1]):
        return False
    return not (_is_latin(text[end - 1]) and end < len(text) and _is_latin(text[end]))


@lru_cache(maxsize=8)
def matcher_for(brands: tuple[BrandSpec, ...], backend: str | None = None) -> BrandMatcher:
    """A matcher per set of brand definitions, kept for reuse (building one cuts the dictionary)."""
    return BrandMatcher(brands, backend=backend)
