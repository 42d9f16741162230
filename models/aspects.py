"""Aspect-based sentiment of XHS comments: which product aspects a comment talks about, and what it says of each.

Aspects are the keys of corpora/aspects/taxonomy.csv (price, installation, scent_taste, ...; the car
vertical adds power, fuel_economy, handling, comfort, space, features and interior). Nothing here is
learned; every word list is a project file under corpora/aspects/ (see its README.md):

1. Clauses. The normalised comment is cut at punctuation and whitespace, then again before contrast
   words (但是, 不过, 可是, 就是, ...): "颜值很高但是安装太麻烦" gives "颜值很高" and "但是安装太麻烦".
   Each clause is segmented with the project tokenizer (:func:`models.text.tokenize`).
2. Mentions. A clause mentions an aspect when it contains a term of the aspect lexicon
   (lexicon.csv) for the vertical: terms of two or more characters as substrings of the clause,
   one-character terms (贵, 香, 装) only as a whole token, or after a degree or negation prefix (太贵).
   *Implicit* terms (好用, 麻烦, ...) name an aspect only in a clause that names no explicit one.
   Where a term belongs to several aspects, the entry of the requested vertical wins, then the entry
   valid for all verticals.
3. Opinions. Each token, and its core after stripping degree and negation prefixes (太慢 -> 慢,
   不太好 -> negated 好), is looked up in this order: scoped to the matched term (性价比 + 高 is
   positive), scoped to the aspect (价格 + 高 is negative, 颜值 + 高 positive, 噪音 + 大 negative),
   then the general lists (opinions.csv, the project's corpora/lexicon/xhs_sentiment.txt, then any
   word lists the caller adds, e.g. HowNet and NTUSD read by training code). A negation among the
   three tokens before an opinion flips it. Emoticons and emoji are not read as opinions about an
   aspect: on the tuning half they mostly followed questions and requests ([哭惹R] 送我).
4. Attachment. Within a clause an opinion belongs to the nearest aspect mention before it (before
   the first mention: to the first). A mention left without opinion takes the opinion words of the
   next mention in its clause (价格和颜值都很好), else those of the next clause when that clause names
   no aspect and does not open with a contrast word. Questions (?, 吗, 多少, 能不能, ...) are neutral.
5. A comment's polarity on an aspect is the sign of the summed scores of its mentions.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from models.comments import DEGREE, NEGATIONS, read_polarity_lexicon
from models.text import LEXICON_DIR, TYPED_TOKENS, default_backend, is_emoji, is_emoticon, normalize, tokenize

ASPECTS_DIR = Path(__file__).resolve().parent.parent / "corpora" / "aspects"
TAXONOMY_PATH = ASPECTS_DIR / "taxonomy.csv"
LEXICON_PATH = ASPECTS_DIR / "lexicon.csv"
OPINIONS_PATH = ASPECTS_DIR / "opinions.csv"
XHS_SENTIMENT_PATH = LEXICON_DIR / "xhs_sentiment.txt"

POLARITIES = ("pos", "neu", "neg")
ALL_VERTICALS = "all"

#: Words that open a new clause and often turn its polarity (颜值很高 | 但是安装太麻烦).
CONTRAST_WORDS = frozenset(["但是", "不过", "可是", "然而", "只是", "就是", "但", "而是", "可惜"])
#: Words and particles that make a clause a question; a question judges nothing.
QUESTION_WORDS = frozenset(
    [
        "吗",
        "么",
        "嘛",
        "多少",
        "多少钱",
        "怎么",
        "怎样",
        "怎么样",
        "咋",
        "哪",
        "哪里",
        "哪个",
        "哪儿",
        "哪家",
        "啥",
        "什么",
        "能不能",
        "可不可以",
        "是不是",
        "有没有",
        "会不会",
        "要不要",
        "为啥",
        "为什么",
        "几",
        "能用不",
        "行不行",
        "好不好",
    ]
)
_MORE_DEGREE = ("挺", "蛮", "真", "更", "偏", "还", "也", "都", "又", "就", "老", "较", "这么", "那么", "巨")
_PREFIXES_NEG = tuple(
    sorted(NEGATIONS | {"不是很", "没那么", "不那么", "没有那么", "不怎么"}, key=len, reverse=True)
)
_PREFIXES_DEG = tuple(sorted(set(DEGREE) | set(_MORE_DEGREE), key=len, reverse=True))
_SUFFIXES = ("了", "的", "啊", "呀", "哦", "吧", "啦", "哈", "呢")
_RHETORICAL = frozenset(["不是", "难道"])
_COORDINATORS = frozenset(["和", "跟", "与", "及", "还有", "以及", "、", "都"])
# Clause boundaries: whitespace and punctuation, but not the point inside a number (9.9).
_BOUNDARY = re.compile(r"(?:\s|[,，。!！?？;；:：~～…、()（）【】\"'“”‘’|]|(?<!\d)\.|\.(?!\d))+")
#: Set phrases that contain a negation but negate nothing; dropped before segmentation.
FILLER_PHRASES = ("该说不说", "不得不说", "不是我说", "不知道为什么")
#: Lexicon aspect of terms that block a shorter term inside them (设计师 is not 设计).
NOT_AN_ASPECT = "-"
#: Verticals whose terms apply only when asked for: car-forum talk (动力, 加油, 驾驶) means other
#: things in lifestyle comments.
OPT_IN_VERTICALS = frozenset({"auto"})
_NEGATION_WINDOW = 3


class AspectDataError(ValueError):
    """A file under corpora/aspects/ is malformed; the message names the file, row and value."""


@dataclass(frozen=True)
class AspectInfo:
    key: str
    zh: str
    en: str
    verticals: tuple[str, ...]
    covers: str


@dataclass(frozen=True)
class LexiconEntry:
    term: str
    aspect: str
    verticals: tuple[str, ...]  # ("all",) or named verticals
    implicit: bool
    en: str


@dataclass(frozen=True)
class _Matcher:
    """The lexicon compiled for one vertical."""

    explicit: re.Pattern[str] | None
    implicit: re.Pattern[str] | None
    single: Mapping[str, LexiconEntry]  # one-character explicit terms
    single_implicit: Mapping[str, LexiconEntry]
    by_term: Mapping[str, LexiconEntry]


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))
    return re.compile("|".join(re.escape(t) for t in ordered)) if ordered else None


@dataclass(frozen=True)
class AspectLexicon:
    """Aspect taxonomy plus the term lexicon (who names what, per vertical)."""

    aspects: Mapping[str, AspectInfo]
    entries: tuple[LexiconEntry, ...]
    _cache: dict[str | None, _Matcher] = field(default_factory=dict, compare=False, repr=False)

    def entry_for(self, term: str, vertical: str | None = None) -> LexiconEntry | None:
        return self.matcher(vertical).by_term.get(term)

    def matcher(self, vertical: str | None) -> _Matcher:
        found = self._cache.get(vertical)
        if found is not None:
            return found
        chosen: dict[str, LexiconEntry] = {}
        rank: dict[str, tuple[int, int, int]] = {}
        for order, e in enumerate(self.entries):
            generic = ALL_VERTICALS in e.verticals
            if vertical is not None and not generic and vertical not in e.verticals:
                continue
            if vertical is None and not generic and set(e.verticals) <= OPT_IN_VERTICALS:
                continue
            # The requested vertical's own entry first (the one naming the fewest verticals), then the
            # all-verticals entry, then file order.
            own = vertical is not None and vertical in e.verticals
            r = (0 if own else (1 if generic else 2), len(e.verticals) if own else 0, order)
            if e.term not in rank or r < rank[e.term]:
                rank[e.term] = r
                chosen[e.term] = e
        explicit = [t for t, e in chosen.items() if not e.implicit and len(t) > 1]
        blocking = [t for t, e in chosen.items() if e.aspect == NOT_AN_ASPECT]
        implicit = [t for t, e in chosen.items() if e.implicit and len(t) > 1] + blocking
        matcher = _Matcher(
            explicit=_pattern(explicit),
            implicit=_pattern(implicit),
            single={
                t: e
                for t, e in chosen.items()
                if not e.implicit and len(t) == 1 and e.aspect != NOT_AN_ASPECT
            },
            single_implicit={t: e for t, e in chosen.items() if e.implicit and len(t) == 1},
            by_term=chosen,
        )
        self._cache[vertical] = matcher
        return matcher

    def terms_of(self, aspect: str) -> list[str]:
        return [e.term for e in self.entries if e.aspect == aspect]


def _read_csv(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise AspectDataError(f"{path}: missing columns {missing}; expected {list(columns)}")
        return [dict(row) for row in reader]


def read_taxonomy(path: Path = TAXONOMY_PATH) -> dict[str, AspectInfo]:
    out: dict[str, AspectInfo] = {}
    for row in _read_csv(path, ("aspect", "zh", "en", "verticals", "covers")):
        key = row["aspect"].strip()
        out[key] = AspectInfo(
            key=key,
            zh=row["zh"].strip(),
            en=row["en"].strip(),
            verticals=tuple(v.strip() for v in row["verticals"].split(",") if v.strip()),
            covers=row["covers"].strip(),
        )
    return out


def read_lexicon(path: Path, aspects: Mapping[str, AspectInfo]) -> tuple[LexiconEntry, ...]:
    entries: list[LexiconEntry] = []
    for i, row in enumerate(_read_csv(path, ("term", "aspect", "vertical", "kind", "en")), start=2):
        term = normalize(row["term"])
        if not term:
            raise AspectDataError(f"{path}:{i}: empty term")
        if row["aspect"] not in aspects and row["aspect"] != NOT_AN_ASPECT:
            raise AspectDataError(f"{path}:{i}: unknown aspect {row['aspect']!r}; known: {sorted(aspects)}")
        if row["kind"] not in ("explicit", "implicit"):
            raise AspectDataError(f"{path}:{i}: kind {row['kind']!r}; expected 'explicit' or 'implicit'")
        verticals = tuple(v.strip() for v in row["vertical"].split(",") if v.strip()) or (ALL_VERTICALS,)
        entries.append(
            LexiconEntry(term, row["aspect"], verticals, row["kind"] == "implicit", row["en"].strip())
        )
    return tuple(entries)


@lru_cache(maxsize=1)
def load_aspect_lexicon() -> AspectLexicon:
    """The project's taxonomy and term lexicon (corpora/aspects/taxonomy.csv and lexicon.csv)."""
    aspects = read_taxonomy()
    return AspectLexicon(aspects=aspects, entries=read_lexicon(LEXICON_PATH, aspects))


@dataclass(frozen=True)
class OpinionLexicon:
    """Polarity words: general ones, and ones whose polarity depends on the aspect or the term.

    ``scoped`` maps ``(scope, word)`` to a polarity, where scope is an aspect key or ``term=<term>``.
    ``general`` is consulted in order, first hit wins (curated lists before broad ones).
    """

    scoped: Mapping[tuple[str, str], float]
    general: tuple[Mapping[str, float], ...]
    _cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def polarity(self, word: str, aspect: str, term: str) -> float | None:
        value = self.scoped.get((f"term={term}", word))
        if value is None:
            value = self.scoped.get((aspect, word))
        if value is None:
            for table in self.general:
                value = table.get(word)
                if value is not None:
                    break
        return value

    @property
    def vocabulary(self) -> tuple[re.Pattern[str] | None, frozenset[str]]:
        """A pattern of every word of two or more characters, and the set of one-character words."""
        found = self._cache.get("vocabulary")
        if found is None:
            words = {w for _, w in self.scoped} | {w for t in self.general for w in t}
            words -= NEGATIONS | CONTRAST_WORDS
            found = (_pattern(w for w in words if len(w) > 1), frozenset(w for w in words if len(w) == 1))
            self._cache["vocabulary"] = found
        return found  # type: ignore[return-value]

    def with_word_lists(self, positive: Iterable[str], negative: Iterable[str]) -> OpinionLexicon:
        """A copy that also knows these general words (consulted after the project's lists).

        Words of one character, words in both lists, negations and degree words are left out: broad
        lexicons mark 高, 大 or 小 with one polarity, which the aspect decides.
        """
        pos = {normalize(w) for w in positive}
        neg = {normalize(w) for w in negative}
        both = pos & neg
        skip = both | NEGATIONS | set(DEGREE) | CONTRAST_WORDS | QUESTION_WORDS
        table = {w: 1.0 for w in pos - skip if len(w) > 1}
        table.update({w: -1.0 for w in neg - skip if len(w) > 1})
        return OpinionLexicon(scoped=self.scoped, general=(*self.general, table))


def _read_xhs_sentiment(path: Path) -> dict[str, float]:
    """The XHS polarity lexicon as signs (+1/-1); neutral terms left out."""
    scores = read_polarity_lexicon(path)
    return {term: (1.0 if score > 0 else -1.0) for term, score in scores.items() if score}


@lru_cache(maxsize=1)
def load_opinion_lexicon() -> OpinionLexicon:
    """corpora/aspects/opinions.csv (general and scoped) and corpora/lexicon/xhs_sentiment.txt."""
    scoped: dict[tuple[str, str], float] = {}
    general: dict[str, float] = {}
    for i, row in enumerate(_read_csv(OPINIONS_PATH, ("term", "polarity", "scope")), start=2):
        try:
            value = float(row["polarity"])
        except ValueError as exc:
            raise AspectDataError(
                f"{OPINIONS_PATH}:{i}: polarity {row['polarity']!r} is not a number"
            ) from exc
        word = normalize(row["term"])
        if row["scope"] == "*":
            general[word] = value
        else:
            scoped[(row["scope"], word)] = value
    return OpinionLexicon(scoped=scoped, general=(general, _read_xhs_sentiment(XHS_SENTIMENT_PATH)))


@dataclass(frozen=True)
class AspectMention:
    """One aspect named in one clause, with what the clause says about it."""

    aspect: str
    term: str  # the first term that named it
    polarity: str  # pos | neu | neg
    score: float
    clause: int  # index of the clause in the comment
    opinions: tuple[str, ...] = ()  # opinion words counted, negated ones marked with ¬
    question: bool = False
    terms: tuple[str, ...] = ()  # every term of the aspect in the clause (安装, 打孔)


@dataclass(frozen=True)
class Clause:
    text: str  # the normalised clause (its tokens joined)
    tokens: tuple[str, ...]
    contrast: bool  # opens with a contrast word
    question: bool
    starts: tuple[int, ...] = ()  # character offset of each token in ``text``
    rhetorical: bool = False  # 这不是智商税吗: an assertion, and its 不是 negates nothing
    span: tuple[int, int] = (0, 0)  # where the clause is in the normalised comment


@dataclass(frozen=True)
class CommentAspects:
    """All mentions of one comment, and its clauses (to quote the part about an aspect)."""

    clauses: tuple[Clause, ...]
    mentions: tuple[AspectMention, ...]
    text: str = ""  # the normalised comment the clause spans refer to

    def labels(self) -> dict[str, str]:
        """``{aspect: polarity}``: the sign of the summed scores of the aspect's mentions."""
        scores: dict[str, float] = {}
        for m in self.mentions:
            scores[m.aspect] = scores.get(m.aspect, 0.0) + m.score
        return {a: _label(s) for a, s in scores.items()}


@lru_cache(maxsize=100_000)
def strip_modifiers(token: str) -> tuple[str, bool]:
    """The core of a token and whether a negation prefix was stripped (不太好 -> (好, True))."""
    core, negated = token, False
    for _ in range(3):
        changed = False
        for p in _PREFIXES_NEG:
            if core.startswith(p) and len(core) > len(p):
                core, negated, changed = core[len(p) :], not negated, True
                break
        if not changed:
            for p in _PREFIXES_DEG:
                if core.startswith(p) and len(core) > len(p):
                    core, changed = core[len(p) :], True
                    break
        if not changed:
            break
    if len(core) > 1 and core[-1] in _SUFFIXES:
        core = core[:-1]
    return core, negated


def split_clauses(text: str) -> list[Clause]:
    """Clauses of a comment: cut at punctuation and whitespace, and before contrast words.

    Each clause keeps its ``span`` in ``normalize(text)`` so that a quote can show the words as
    written (with their punctuation) rather than the tokens.
    """
    norm = normalize(text)
    backend = default_backend()
    clauses: list[Clause] = []
    pos = 0
    pieces: list[tuple[int, int, bool]] = []
    for m in _BOUNDARY.finditer(norm):
        if m.start() > pos:
            pieces.append((pos, m.start(), "?" in m.group(0)))
        pos = m.end()
    if pos < len(norm):
        pieces.append((pos, len(norm), False))
    for start, end, asked in pieces:
        raw = norm[start:end]
        cleaned = raw
        for phrase in FILLER_PHRASES:
            cleaned = cleaned.replace(phrase, " ")
        current: list[str] = []
        contrast = False
        cursor = begin = 0
        for tok in tokenize(cleaned, backend=backend):
            at = raw.find(tok, cursor) if tok not in TYPED_TOKENS else -1
            if at >= 0:
                cursor = at + len(tok)
            if tok in CONTRAST_WORDS:
                if current:
                    cut = at if at >= 0 else cursor
                    clauses.append(_clause(current, contrast, asked, (start + begin, start + cut)))
                    begin = cut
                current, contrast = [], True
                continue
            current.append(tok)
        if current:
            clauses.append(_clause(current, contrast, asked, (start + begin, end)))
    return clauses


def _clause(tokens: list[str], contrast: bool, asked: bool, span: tuple[int, int]) -> Clause:
    starts: list[int] = []
    pos = 0
    for t in tokens:
        starts.append(pos)
        pos += len(t)
    rhetorical = tokens[-1] in ("吗", "么") and any(t in _RHETORICAL for t in tokens)
    question = not rhetorical and (
        asked or tokens[-1] in ("不", "没") or any(t in QUESTION_WORDS or t.endswith("吗") for t in tokens)
    )
    return Clause(
        text="".join(tokens),
        tokens=tuple(tokens),
        contrast=contrast,
        question=question,
        starts=tuple(starts),
        rhetorical=rhetorical,
        span=span,
    )


@dataclass
class _Hit:
    index: int  # token index
    entry: LexiconEntry


def _find_mentions(clause: Clause, matcher: _Matcher) -> list[_Hit]:
    toks, starts = clause.tokens, clause.starts
    hits: list[_Hit] = []
    covered: set[int] = set()
    if matcher.explicit is not None:
        for m in matcher.explicit.finditer(clause.text):
            first = bisect_right(starts, m.start()) - 1
            last = bisect_right(starts, m.end() - 1) - 1
            covered.update(range(first, last + 1))
            entry = matcher.by_term[m.group(0)]
            if entry.aspect != NOT_AN_ASPECT:
                hits.append(_Hit(first, entry))
    for i, t in enumerate(toks):
        if i in covered:
            continue
        single = matcher.single.get(t) or matcher.single.get(strip_modifiers(t)[0])
        if single is not None:
            hits.append(_Hit(i, single))
    if not hits:
        if matcher.implicit is not None:
            for m in matcher.implicit.finditer(clause.text):
                entry = matcher.by_term[m.group(0)]
                if entry.aspect != NOT_AN_ASPECT:
                    hits.append(_Hit(bisect_right(starts, m.start()) - 1, entry))
        for i, t in enumerate(toks):
            implied = matcher.single_implicit.get(strip_modifiers(t)[0])
            if implied is not None:
                hits.append(_Hit(i, implied))
    hits.sort(key=lambda h: (h.index, h.entry.term))
    return hits


@dataclass(frozen=True)
class _Opinion:
    index: int  # token index
    readings: tuple[tuple[str, bool], ...]  # (word, negated), the first with a polarity counts


def _find_opinions(clause: Clause, lex: OpinionLexicon) -> list[_Opinion]:
    """Opinion words of a clause with their negation (polarity is looked up per aspect later).

    Words of two or more characters are found as substrings of the clause (the tokenizer may cut
    说好用 as 说好 / 用); one-character words (高, 贵, 快) only as a token or the core of one (太贵).
    A negation counts when it is one of the three tokens before, or a prefix inside the same token.
    """
    pattern, singles = lex.vocabulary
    toks, starts, text = clause.tokens, clause.starts, clause.text
    found: list[_Opinion] = []
    taken: set[int] = set()

    negations = NEGATIONS - _RHETORICAL if clause.rhetorical else NEGATIONS

    def negated_at(i: int) -> bool:
        return any(t in negations for t in toks[max(0, i - _NEGATION_WINDOW) : i])

    if pattern is not None:
        for m in pattern.finditer(text):
            i = bisect_right(starts, m.start()) - 1
            tok = toks[i]
            if tok in DEGREE and i + 1 < len(toks) and m.end() - m.start() == len(tok):
                continue
            inner = text[starts[i] : m.start()]  # prefix inside the same token (不好看 -> 不)
            neg = strip_modifiers(inner + "x")[1] if inner else False
            taken.add(i)
            if is_emoticon(tok) or is_emoji(tok):
                continue
            before = negated_at(i)
            readings = [(m.group(0), neg != before)]
            core, core_neg = strip_modifiers(tok)
            if m.group(0) == tok and core != tok:  # 太大: no polarity of its own for noise, 大 has
                readings.append((core, core_neg != before))
            found.append(_Opinion(i, tuple(readings)))
    for i, tok in enumerate(toks):
        if i in taken or tok in NEGATIONS or tok in TYPED_TOKENS:
            continue
        if tok in DEGREE and i + 1 < len(toks):  # 好 is an opinion only at the end (很好), else a degree
            continue
        core, neg = strip_modifiers(tok)
        if core in singles and not is_emoji(core):
            found.append(_Opinion(i, ((core, neg != negated_at(i)),)))
    found.sort(key=lambda o: o.index)
    return found


def _score(
    opinions: Sequence[_Opinion], lo: int, hi: int, aspect: str, term: str, lex: OpinionLexicon
) -> tuple[float, tuple[str, ...]]:
    score = 0.0
    words: list[str] = []
    for o in opinions:
        if not lo <= o.index < hi:
            continue
        found = next(
            ((w, neg, v) for w, neg in o.readings if (v := lex.polarity(w, aspect, term)) is not None), None
        )
        if found is None or not found[2]:
            continue
        word, negated, value = found
        score += -value if negated else value
        words.append(("¬" if negated else "") + word)
    return score, tuple(words)


def _label(score: float) -> str:
    return "pos" if score > 0 else ("neg" if score < 0 else "neu")


def analyze_comment(
    text: str,
    *,
    vertical: str | None = None,
    lexicon: AspectLexicon | None = None,
    opinions: OpinionLexicon | None = None,
) -> CommentAspects:
    """The aspect mentions of one comment with their polarity (see the module docstring)."""
    lexicon = lexicon or load_aspect_lexicon()
    opinions = opinions or load_opinion_lexicon()
    matcher = lexicon.matcher(vertical)
    clauses = split_clauses(text)
    hits_by_clause = [_find_mentions(c, matcher) for c in clauses]
    found_by_clause: dict[int, list[_Opinion]] = {}

    def clause_opinions(ci: int) -> list[_Opinion]:
        if ci not in found_by_clause:
            found_by_clause[ci] = _find_opinions(clauses[ci], opinions)
        return found_by_clause[ci]

    mentions: list[AspectMention] = []
    for ci, (clause, hits) in enumerate(zip(clauses, hits_by_clause, strict=True)):
        if not hits:
            continue
        ops = clause_opinions(ci)
        toks = clause.tokens
        # Adjacent mentions of one aspect (价格 ... 贵) are one mention.
        merged: list[_Hit] = []
        terms: list[list[str]] = []
        for h in hits:
            if merged and merged[-1].entry.aspect == h.entry.aspect:
                if h.entry.term not in terms[-1]:
                    terms[-1].append(h.entry.term)
                continue
            merged.append(h)
            terms.append([h.entry.term])
        bounds = [h.index for h in merged]
        for k, hit in enumerate(merged):
            lo = 0 if k == 0 else bounds[k]
            hi = bounds[k + 1] if k + 1 < len(merged) else len(toks)
            aspect, term = hit.entry.aspect, hit.entry.term
            score, words = _score(ops, lo, hi, aspect, term, opinions)
            if not words and k + 1 < len(merged) and any(t in _COORDINATORS for t in toks[lo:hi]):
                nxt_hi = bounds[k + 2] if k + 2 < len(merged) else len(toks)
                score, words = _score(ops, bounds[k + 1], nxt_hi, aspect, term, opinions)
            if not words and k + 1 == len(merged) and ci + 1 < len(clauses):
                nxt = clauses[ci + 1]
                if not hits_by_clause[ci + 1] and not nxt.contrast and not nxt.question:
                    score, words = _score(clause_opinions(ci + 1), 0, len(nxt.tokens), aspect, term, opinions)
            if clause.question:
                score = 0.0
            mentions.append(
                AspectMention(
                    aspect=aspect,
                    term=term,
                    polarity=_label(score),
                    score=score,
                    clause=ci,
                    opinions=words,
                    question=clause.question,
                    terms=tuple(terms[k]),
                )
            )
    return CommentAspects(clauses=tuple(clauses), mentions=tuple(mentions), text=normalize(text))


def analyze_comments(
    texts: Sequence[str],
    *,
    vertical: str | None = None,
    lexicon: AspectLexicon | None = None,
    opinions: OpinionLexicon | None = None,
) -> list[CommentAspects]:
    lexicon = lexicon or load_aspect_lexicon()
    opinions = opinions or load_opinion_lexicon()
    return [analyze_comment(t, vertical=vertical, lexicon=lexicon, opinions=opinions) for t in texts]


def aspect_labels(
    text: str,
    *,
    vertical: str | None = None,
    lexicon: AspectLexicon | None = None,
    opinions: OpinionLexicon | None = None,
) -> dict[str, str]:
    """``{aspect: "pos" | "neu" | "neg"}`` for one comment."""
    return analyze_comment(text, vertical=vertical, lexicon=lexicon, opinions=opinions).labels()


NOT_ASPECTS_PATH = ASPECTS_DIR / "not_aspects.txt"
_NOUN_TAGS = frozenset(["n", "nz", "vn", "ng", "nl", "eng"])
_LINK_TAGS = frozenset(["d", "zg", "ad", "df", "c", "p"])  # degree and other adverbs between noun and opinion


@lru_cache(maxsize=1)
def not_aspects() -> frozenset[str]:
    """Nouns that are never product aspects (people, the note itself, time words): not_aspects.txt."""
    if not NOT_ASPECTS_PATH.exists():
        return frozenset()
    return frozenset(
        normalize(line.strip())
        for line in NOT_ASPECTS_PATH.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


@dataclass(frozen=True)
class CandidateTerm:
    """A noun the comments judge (遥控器 很 灵敏) that the aspect lexicon does not know."""

    term: str
    n_comments: int
    cluster: int  # candidates that share contexts share a cluster id
    modifiers: tuple[str, ...]  # the opinion words said of it, most frequent first
    comment_indices: tuple[int, ...] = ()


def _opinion_core(word: str, lex: OpinionLexicon) -> str | None:
    core, _ = strip_modifiers(word)
    for w in (word, core):
        if lex.polarity(w, "", "") is not None:
            return w
    return None


def discover_aspect_terms(
    texts: Sequence[str],
    *,
    vertical: str | None = None,
    lexicon: AspectLexicon | None = None,
    opinions: OpinionLexicon | None = None,
    min_comments: int = 3,
    max_terms: int = 30,
    similarity: float = 0.3,
) -> list[CandidateTerm]:
    """Further aspect terms found in the comments themselves, clustered by the words around them.

    1. Noun + modifier patterns over the part-of-speech tagged tokens of each clause: a noun
       followed (across at most three degree words, adverbs or negations) by a general opinion word
       (遥控器 很 灵敏, 电机 声音 有点 大), or an opinion word + 的 + noun (好看 的 包装).
    2. Nouns the aspect lexicon already covers (any of its terms inside the noun), nouns of
       not_aspects.txt (people, the note, time words), person and place names are left out; a
       noun counts once per comment and needs ``min_comments`` comments; the ``max_terms`` most
       frequent are kept.
    3. Clustering: each candidate is the TF-IDF vector of the words of its clauses (itself
       removed); agglomerative clustering with average linkage joins candidates whose cosine
       similarity is at least ``similarity``.
    """
    from models.text import pos_tag

    lexicon = lexicon or load_aspect_lexicon()
    opinions = opinions or load_opinion_lexicon()
    matcher = lexicon.matcher(vertical)
    known = not_aspects()
    counts: dict[str, set[int]] = {}
    modifiers: dict[str, dict[str, int]] = {}
    contexts: dict[str, list[str]] = {}
    skip_cache: dict[str, bool] = {}

    def skip(noun: str) -> bool:
        if noun not in skip_cache:
            skip_cache[noun] = (
                len(noun) < 2
                or noun in known
                or noun in TYPED_TOKENS
                or noun in DEGREE
                or noun in NEGATIONS
                or (matcher.explicit is not None and matcher.explicit.search(noun) is not None)
                or (matcher.implicit is not None and matcher.implicit.search(noun) is not None)
                or _opinion_core(noun, opinions) is not None
            )
        return skip_cache[noun]

    for ci, text in enumerate(texts):
        clause: list[tuple[str, str]] = []
        for word, tag in [*pos_tag(text), ("。", "x")]:
            if tag != "x" and word not in CONTRAST_WORDS:
                clause.append((word, tag))
                continue
            words = [w for w, _ in clause]
            for i, (w, t) in enumerate(clause):
                found: str | None = None
                if t in _NOUN_TAGS and not skip(w):
                    j = i + 1
                    while (
                        j < len(clause)
                        and j <= i + 3
                        and (
                            clause[j][1] in _LINK_TAGS or clause[j][0] in NEGATIONS or clause[j][0] in DEGREE
                        )
                    ):
                        j += 1
                    if j < len(clause):
                        found = _opinion_core(clause[j][0], opinions)
                    if found is None and i >= 2 and clause[i - 1][0] == "的":
                        found = _opinion_core(clause[i - 2][0], opinions)
                if found is not None:
                    counts.setdefault(w, set()).add(ci)
                    mods = modifiers.setdefault(w, {})
                    mods[found] = mods.get(found, 0) + 1
                    contexts.setdefault(w, []).extend(x for x in words if x != w)
            clause = []
    ranked = sorted(
        (t for t, ids in counts.items() if len(ids) >= min_comments), key=lambda t: (-len(counts[t]), t)
    )[:max_terms]
    if not ranked:
        return []
    labels = _cluster_contexts([contexts[t] for t in ranked], similarity)
    return [
        CandidateTerm(
            term=t,
            n_comments=len(counts[t]),
            cluster=int(labels[k]),
            modifiers=tuple(m for m, _ in sorted(modifiers[t].items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            comment_indices=tuple(sorted(counts[t])),
        )
        for k, t in enumerate(ranked)
    ]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _cluster_contexts(contexts: Sequence[list[str]], similarity: float) -> list[int]:
    """Cluster ids (0..k-1, in order of first appearance) for bags of context words."""
    if len(contexts) == 1:
        return [0]
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform(contexts)
    dense = np.asarray(X.todense())
    if not dense.any():
        return list(range(len(contexts)))
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - similarity
    )
    raw = model.fit_predict(np.where(dense.any(axis=1, keepdims=True), dense, 1e-9))
    order: dict[int, int] = {}
    return [order.setdefault(int(r), len(order)) for r in raw]
