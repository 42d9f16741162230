"""Comment-theme summaries for campaign reports and KOL vetting: what commenters say about the product.

:func:`summarize_themes` (the default, "aspect themes"):

1. Only real commenters count. A comment flagged ``excluded`` (likely bot, member of a duplicate
   cluster, spam; decided elsewhere) is neither counted nor quoted.
2. Each comment's product aspects and the polarity of what it says about each come from
   :mod:`models.aspects` (aspect lexicon per vertical, clause-level opinion words, negation,
   contrast). An aspect theme is every comment that mentions the aspect: its share of comments,
   its own sentiment mix (of what is said about the aspect, not of the whole comment), the whole-
   comment sentiment and intent mixes, and the terms the comments focus on (打孔, 说明书).
   Comments mention several aspects, so aspect shares overlap and need not add up to one.
3. Candidate themes: nouns the lexicon does not know that commenters judge (遥控器很灵敏), found and
   clustered by :func:`models.aspects.discover_aspect_terms`.
4. The rest: keyword topics (NMF, as :func:`summarize_keyword_themes`) of comments that name no
   aspect, then reactions (emoji, 哈哈, bare @mentions).
5. Titles and one-sentence summaries in Chinese and English are assembled from the aspect's name,
   its share and its sentiment by fixed rules (:func:`describe_tone`, :func:`aspect_summary`), so the
   same comments always give the same words.
6. Quotes are chosen for coverage: the theme's main polarity first, then the other polarity when it
   is common, each new quote covering a focus term not yet quoted; no two quotes are
   near-duplicates (same skeleton, or character 3-gram Jaccard >= 0.5); long comments are cut to
   the clauses about the aspect. Each quote carries its labels.

:func:`compare_before_after` and :func:`compare_groups` compare aspect themes before and after a
moment (a campaign's first note) and across groups of comments (the KOLs of a campaign).

:func:`summarize_keyword_themes` is the previous summary (NMF keyword clusters titled by their top
words, representatives by centrality), kept as the benchmark baseline.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from models.aspects import (
    AspectLexicon,
    CommentAspects,
    LexiconEntry,
    OpinionLexicon,
    analyze_comment,
    discover_aspect_terms,
    load_aspect_lexicon,
    load_opinion_lexicon,
)
from models.authenticity.dedup import jaccard, shingles
from models.labels import INTENTS, SENTIMENTS
from models.text import TYPED_TOKENS, content_tokens, is_emoji, is_emoticon, normalize, stopwords


@dataclass(frozen=True)
class ThemeComment:
    text: str
    sentiment: str | None = None
    intents: Mapping[str, bool] | None = None
    id: str | None = None
    #: likely bot, duplicate-cluster member or spam (decided elsewhere): never counted or quoted
    excluded: bool = False
    created_at: datetime | None = None
    #: a grouping key for :func:`compare_groups`, e.g. the KOL whose note it is under
    group: str | None = None


@dataclass
class Theme:
    label: str
    keywords: list[str]
    n_comments: int
    share: float
    sentiment_mix: dict[str, float]
    intent_mix: dict[str, float]
    representatives: list[dict[str, Any]]
    kind: str = "topic"  # aspect | candidate | topic | other | reactions
    aspect: str | None = None
    title: dict[str, str] = field(default_factory=dict)  # {"zh": ..., "en": ...}
    summary: dict[str, str] = field(default_factory=dict)
    #: whole-comment sentiment of the theme's comments (``sentiment_mix`` is about the aspect)
    comment_sentiment_mix: dict[str, float] = field(default_factory=dict)
    focus: list[dict[str, Any]] = field(default_factory=list)  # [{"term", "en", "n_comments"}]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ThemeSummary:
    n_comments: int
    themes: list[Theme] = field(default_factory=list)
    top_keywords: list[str] = field(default_factory=list)
    note: str | None = None
    n_excluded: int = 0
    method: str = "keywords"  # aspects | keywords
    vertical: str | None = None
    #: per aspect: comments mentioning it and their aspect-level polarity counts (all aspects found)
    aspects: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Words the classifiers need (question particles, degree words) but that name no theme.
THEME_STOPWORDS = frozenset(
    [
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "好",
        "很",
        "太",
        "超",
        "真",
        "最",
        "更",
        "也",
        "都",
        "还",
        "不",
        "没",
        "没有",
        "什么",
        "怎么",
        "这么",
        "那么",
        "一个",
        "有没有",
        "是不是",
        "可以",
        "知道",
    ]
)


def theme_tokens(text: str) -> list[str]:
    return [t for t in content_tokens(text) if t not in THEME_STOPWORDS]


@lru_cache(maxsize=1)
def _jieba_idf() -> tuple[dict[str, float], float]:
    import jieba

    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    idf: dict[str, float] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            word, _, value = line.partition(" ")
            try:
                idf[word] = float(value)
            except ValueError:
                continue
    median = float(np.median(list(idf.values()))) if idf else 10.0
    return idf, median


def keywords(token_lists: Sequence[Sequence[str]], top: int = 8) -> list[str]:
    """jieba-style TF-IDF keywords of a group of comments (each comment counts a term once)."""
    idf, median = _jieba_idf()
    tf: Counter[str] = Counter()
    for toks in token_lists:
        tf.update({t for t in toks if len(t) > 1 or (t.isalpha() and not t.isascii())})
    scored = {t: c * idf.get(t, median) for t, c in tf.items() if c >= 1}
    return [t for t, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def _mixes(items: Sequence[ThemeComment]) -> tuple[dict[str, float], dict[str, float]]:
    n_s = sum(1 for c in items if c.sentiment in SENTIMENTS)
    sent = {s: round(sum(1 for c in items if c.sentiment == s) / n_s, 4) if n_s else 0.0 for s in SENTIMENTS}
    n_i = sum(1 for c in items if c.intents is not None)
    intents = {
        i: round(sum(1 for c in items if c.intents and c.intents.get(i)) / n_i, 4) if n_i else 0.0
        for i in INTENTS
    }
    return sent, intents


def _theme(
    label: str,
    words: list[str],
    items: Sequence[ThemeComment],
    n: int,
    weights: Sequence[float] | None = None,
    kind: str = "topic",
) -> Theme:
    """A theme of ``items`` (of ``n`` comments in all); representatives by ``weights``, else in order."""
    representatives = _representatives(items, weights if weights is not None else [0.0] * len(items))
    return replace(_bare_theme(kind, label, words, items, n), representatives=representatives)


def _bare_theme(kind: str, label: str, words: list[str], items: Sequence[ThemeComment], n: int) -> Theme:
    """What every theme of ``items`` (of ``n`` comments in all) says of them, quotes aside: its
    share and the sentiment and intent mixes of the whole comments."""
    sentiment_mix, intent_mix = _mixes(items)
    return Theme(
        label=label,
        keywords=words,
        n_comments=len(items),
        share=round(len(items) / n, 4),
        sentiment_mix=sentiment_mix,
        intent_mix=intent_mix,
        representatives=[],
        kind=kind,
    )


def _representatives(
    items: Sequence[ThemeComment], weights: Sequence[float], k: int = 3
) -> list[dict[str, Any]]:
    order = sorted(range(len(items)), key=lambda i: (-weights[i], -len(items[i].text), i))
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for i in order:
        key = normalize(items[i].text)
        if key in seen or not key:
            continue
        seen.add(key)
        out.append({"id": items[i].id, "text": items[i].text, "sentiment": items[i].sentiment})
        if len(out) == k:
            break
    return out


def _attach_by_characters(
    texts: Sequence[str], assign: np.ndarray, k: int, min_similarity: float = 0.12
) -> np.ndarray:
    """Give comments that share no repeated word with any theme the theme closest in character bigrams.

    Short comments often share meaning but no whole word with others (显白 / 很白); character bigram
    TF-IDF against each theme's centroid recovers most of them. Below ``min_similarity`` a comment
    stays unassigned (the "other" group).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    missing = np.flatnonzero(assign < 0)
    if len(missing) == 0 or (assign >= 0).sum() == 0:
        return assign
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), preprocessor=normalize, sublinear_tf=True)
    C = vec.fit_transform(texts)
    centroids = np.vstack(
        [
            np.asarray(C[assign == t].mean(axis=0)).ravel() if (assign == t).any() else np.zeros(C.shape[1])
            for t in range(k)
        ]
    )
    norms = np.linalg.norm(centroids, axis=1)
    norms[norms == 0] = 1.0
    sims = (C[missing] @ centroids.T) / norms
    out = assign.copy()
    best = sims.argmax(axis=1)
    ok = sims.max(axis=1) >= min_similarity
    out[missing[ok]] = best[ok]
    return out


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _nmf_topics(
    texts: Sequence[str],
    token_lists: Sequence[list[str]],
    *,
    max_themes: int,
    comments_per_theme: int,
    random_state: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """NMF of the TF-IDF matrix: each text's topic (-1: none) and the weights; None when too few terms.

    The number of topics grows with the number of texts (one per ``comments_per_theme``, at most
    ``max_themes``); texts sharing no repeated word join a topic by character bigrams.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True)
    try:
        X = vec.fit_transform(token_lists)
    except ValueError:  # no term appears twice
        return None
    if X.shape[1] < 2:
        return None
    k = max(2, min(max_themes, math.ceil(len(texts) / comments_per_theme), X.shape[1] - 1))
    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400)
    # On a near-perfect fit sklearn takes the square root of a reconstruction error that rounding
    # made slightly negative (a NaN error, a RuntimeWarning); the factors themselves are fine.
    with np.errstate(invalid="ignore"):
        W = nmf.fit_transform(X)
    assign = np.where(W.max(axis=1) > 0, W.argmax(axis=1), -1)
    return _attach_by_characters(texts, assign, k), W


def summarize_keyword_themes(
    comments: Sequence[ThemeComment],
    *,
    max_themes: int = 6,
    comments_per_theme: int = 25,
    min_comments: int = 10,
    random_state: int = 0,
) -> ThemeSummary:
    """Keyword themes (NMF topics titled by their top words, typical comments): the summary RedLens
    gave before aspect themes, kept as the benchmark baseline and for sections without product talk.
    Fewer than ``min_comments`` comments give a summary with a note and no themes."""
    n = len(comments)
    if n < min_comments:
        return ThemeSummary(n_comments=n, note=f"{n} comments: at least {min_comments} are needed for themes")
    tokens = [theme_tokens(c.text) for c in comments]
    topical = [i for i, t in enumerate(tokens) if t]
    reactions = [i for i, t in enumerate(tokens) if not t]
    summary = ThemeSummary(n_comments=n, top_keywords=keywords([tokens[i] for i in topical], top=12))
    unassigned = list(topical)
    if len(topical) >= min_comments:
        topics = _nmf_topics(
            [comments[i].text for i in topical],
            [tokens[i] for i in topical],
            max_themes=max_themes,
            comments_per_theme=comments_per_theme,
            random_state=random_state,
        )
        if topics is not None:
            assign, W = topics
            unassigned = [topical[j] for j in range(len(topical)) if assign[j] < 0]
            for topic in range(W.shape[1]):
                members = [j for j in range(len(topical)) if assign[j] == topic]
                if not members:
                    continue
                items = [comments[topical[j]] for j in members]
                kw = keywords([tokens[topical[j]] for j in members])
                label = " / ".join(kw[:3]) if kw else f"theme {topic + 1}"
                weights = [float(W[j, topic]) for j in members]
                summary.themes.append(_theme(label, kw, items, n, weights))
    if unassigned:
        items = [comments[i] for i in unassigned]
        kw = keywords([tokens[i] for i in unassigned])
        summary.themes.append(_theme("other", kw, items, n, kind="other"))
    if reactions:
        items = [comments[i] for i in reactions]
        summary.themes.append(_theme("reactions (emoji, 哈哈, @mentions)", [], items, n, kind="reactions"))
    summary.themes.sort(key=lambda t: (-t.n_comments, t.label))
    return summary


# --- Aspect themes -------------------------------------------------------------------------------

POLARITY_TO_SENTIMENT = {"pos": "positive", "neu": "neutral", "neg": "negative"}
MAX_QUOTE_CHARS = 60
NEAR_DUPLICATE_JACCARD = 0.5
MAJORITY = 0.6  # 正面为主 / mostly positive from this share on
MIXED = 0.25  # 褒贬不一 / mixed when both sides reach this share
QUESTIONS = 0.5  # 多为提问 / mostly questions
SECOND_POLARITY = 0.15  # quote the minority polarity too from this share on
_POOL = 200  # quote candidates looked at per polarity


def format_share(share: float) -> tuple[str, str]:
    """A share as a whole percentage in Chinese and English (``"38%"``; ``"不到 1%"`` / ``"under 1%"``)."""
    pct = math.floor(share * 100 + 0.5)
    if share > 0 and pct == 0:
        return "不到 1%", "under 1%"
    return f"{pct}%", f"{pct}%"


def describe_tone(
    positive: float, neutral: float, negative: float, questions: float = 0.0
) -> tuple[str, str]:
    """The sentiment of a theme in a few words, Chinese and English, by fixed thresholds."""
    if questions >= QUESTIONS:
        return "多为提问", "mostly questions"
    if positive >= MAJORITY:
        return "正面为主", "mostly positive"
    if negative >= MAJORITY:
        return "负面为主", "mostly negative"
    if positive >= MIXED and negative >= MIXED:
        return "褒贬不一", "mixed"
    if neutral >= MAJORITY or positive == negative:
        return "中性为主", "mostly neutral"
    return ("偏正面", "leaning positive") if positive > negative else ("偏负面", "leaning negative")


def _join_zh(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


def _join_en(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def aspect_summary(
    name: tuple[str, str], share: float, tone: tuple[str, str], focus: Sequence[tuple[str, str]] = ()
) -> tuple[dict[str, str], dict[str, str]]:
    """Title and one-sentence summary, ``{"zh", "en"}`` each, of an aspect theme.

    ``name`` is the aspect's (Chinese, English) name, ``focus`` (term, English gloss) pairs:
    "安装：38% 的评论提到，负面为主，集中在打孔和说明书" /
    "Installation: 38% of comments, mostly negative: drilling and the manual".
    """
    zh_share, en_share = format_share(share)
    title = {"zh": f"{name[0]}：{tone[0]}", "en": f"{name[1]}: {tone[1]}"}
    zh = f"{name[0]}：{zh_share} 的评论提到，{tone[0]}"
    en = f"{name[1]}: {en_share} of comments, {tone[1]}"
    if focus:
        zh += f"，集中在{_join_zh([t for t, _ in focus])}"
        en += f": {_join_en([g or f'“{t}”' for t, g in focus])}"
    return title, {"zh": zh, "en": en}


_STICKERS = re.compile(r"\[[^\[\]\s]{1,12}\]")
_NOT_WORDS = re.compile(r"[\W\d_]+")


def quote_skeleton(text: str) -> str:
    """A comment without stickers ([笑哭R]), emoji, punctuation, digits and spaces: near-copies that
    differ only in those ("承重还可以[笑哭R]", "承重还可以[吧唧R]") share it."""
    return _NOT_WORDS.sub("", _STICKERS.sub("", normalize(text)))


@lru_cache(maxsize=200_000)
def _is_theme_token(token: str) -> bool:
    return (
        token not in stopwords()
        and token not in THEME_STOPWORDS
        and token not in TYPED_TOKENS
        and any(ch.isalnum() for ch in token)
        and not is_emoticon(token)
        and not is_emoji(token)
    )


def _analysis_tokens(analysis: CommentAspects) -> list[str]:
    """:func:`theme_tokens` of a comment from the tokens its aspect analysis already has."""
    return [t for c in analysis.clauses for t in c.tokens if _is_theme_token(t)]


@dataclass
class _Quote:
    index: int
    comment: ThemeComment
    text: str
    truncated: bool
    polarity: str | None
    terms: frozenset[str]
    has_opinion: bool
    skeleton: str

    @classmethod
    def of(
        cls,
        index: int,
        comment: ThemeComment,
        analysis: CommentAspects | None = None,
        aspect: str | None = None,
        *,
        polarity: str | None = None,
        terms: frozenset[str],
        has_opinion: bool = True,
    ) -> _Quote:
        """The candidate quote of one comment: its display text (cut to ``aspect``) and skeleton.
        Without ``aspect`` the whole comment is the quote, and it counts as giving an opinion."""
        text, cut = _display_text(comment, analysis, aspect)
        return cls(
            index=index,
            comment=comment,
            text=text,
            truncated=cut,
            polarity=polarity,
            terms=terms,
            has_opinion=has_opinion,
            skeleton=quote_skeleton(text),
        )

    def rank(self, covered: set[str]) -> tuple[int, int, int, int, int]:
        length = len(self.text)
        return (
            0 if self.terms - covered else 1,
            0 if len(self.skeleton) >= 3 else 1,
            0 if self.has_opinion else 1,
            0 if 8 <= length <= 40 else (1 if length < 8 else 2),
            self.index,
        )

    def to_dict(self) -> dict[str, Any]:
        intents = sorted(k for k, v in (self.comment.intents or {}).items() if v)
        return {
            "id": self.comment.id,
            "text": self.text,
            "truncated": self.truncated,
            "sentiment": self.comment.sentiment,
            "aspect_sentiment": POLARITY_TO_SENTIMENT.get(self.polarity or ""),
            "intents": intents,
        }


def _display_text(
    comment: ThemeComment, analysis: CommentAspects | None, aspect: str | None
) -> tuple[str, bool]:
    """The comment, or for a long one the clauses about ``aspect`` (with … where cut)."""
    text = " ".join(comment.text.split())
    if len(text) <= MAX_QUOTE_CHARS:
        return text, False
    if analysis is None or not analysis.clauses:
        return text[: MAX_QUOTE_CHARS - 1] + "…", True
    clauses = analysis.clauses
    first = next((m.clause for m in analysis.mentions if m.aspect == aspect), 0)
    last = first
    while (
        last + 1 < len(clauses) and clauses[last + 1].span[1] - clauses[first].span[0] <= MAX_QUOTE_CHARS - 2
    ):
        last += 1
    body = analysis.text[clauses[first].span[0] : clauses[last].span[1]].strip()
    if len(body) > MAX_QUOTE_CHARS - 2:
        body = body[: MAX_QUOTE_CHARS - 3] + "…"
    return ("…" if first > 0 else "") + body + ("…" if last + 1 < len(clauses) else ""), True


def _near_duplicate(q: _Quote, chosen: Sequence[_Quote], cache: dict[int, frozenset[str]]) -> bool:
    mine = cache.setdefault(q.index, shingles(q.skeleton or normalize(q.text)))
    for c in chosen:
        if q.skeleton and q.skeleton == c.skeleton:
            return True
        if jaccard(mine, cache[c.index]) >= NEAR_DUPLICATE_JACCARD:
            return True
    return False


def select_quotes(quotes: Sequence[_Quote], k: int, polarity_order: Sequence[str | None]) -> list[_Quote]:
    """Up to ``k`` quotes for coverage: the polarities of ``polarity_order`` in turn (others only when
    those run out), each pick covering a focus term not quoted yet where it can, never a
    near-duplicate of an earlier pick."""
    pools: dict[str | None, list[_Quote]] = {}
    for q in quotes:
        pools.setdefault(q.polarity, []).append(q)
    for pol, pool in pools.items():
        pool.sort(key=lambda q: q.rank(set()))
        pools[pol] = pool[:_POOL]
    main = [p for p in polarity_order if p in pools]
    rest = [p for p in pools if p not in main]
    chosen: list[_Quote] = []
    covered: set[str] = set()
    cache: dict[int, frozenset[str]] = {}
    for order in (main, rest):  # the minor polarities only when the main ones run out
        exhausted: set[str | None] = set()
        turn = 0
        while order and len(chosen) < k and len(exhausted) < len(order):
            pol = order[turn % len(order)]
            turn += 1
            if pol in exhausted:
                continue
            pick = None
            for q in sorted(pools[pol], key=lambda q: q.rank(covered)):
                if not _near_duplicate(q, chosen, cache):
                    pick = q
                    break
            if pick is None:
                exhausted.add(pol)
                continue
            pools[pol].remove(pick)
            chosen.append(pick)
            covered |= pick.terms
    return chosen


def _polarity_order(counts: Mapping[str, int]) -> list[str]:
    """Polarities to quote in turn: those of at least ``SECOND_POLARITY`` of the comments, opinions
    (the more common of positive and negative first) before neutral mentions and questions."""
    total = sum(counts.values()) or 1
    ranked = sorted(
        (p for p in ("neg", "pos", "neu") if counts.get(p)), key=lambda p: (p == "neu", -counts[p])
    )
    return [p for p in ranked if counts[p] / total >= SECOND_POLARITY]


def _sentiment_mix(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.get(p, 0) for p in ("pos", "neu", "neg"))
    return {
        POLARITY_TO_SENTIMENT[p]: round(counts.get(p, 0) / total, 4) if total else 0.0
        for p in ("pos", "neu", "neg")
    }


def _comment_tone(mix: Mapping[str, float]) -> tuple[str, str] | None:
    if not any(mix.values()):
        return None
    return describe_tone(mix.get("positive", 0.0), mix.get("neutral", 0.0), mix.get("negative", 0.0))


#: Analyses of comments already read, kept by a caller that summarises overlapping sets of comments
#: (a campaign's themes, then the same comments by KOL and before / after): ``(lexicon, opinion
#: lexicon, vertical, text)`` identify an analysis (:func:`models.aspects.analyze_comment` is pure).
AspectMemo = dict[tuple[int, int, str | None, str], CommentAspects]


def _analyze(
    texts: Sequence[str],
    vertical: str | None,
    lexicon: AspectLexicon,
    opinions: OpinionLexicon,
    memo: AspectMemo | None = None,
) -> list[CommentAspects]:
    seen: AspectMemo = {} if memo is None else memo
    out = []
    for t in texts:
        key = (id(lexicon), id(opinions), vertical, t)
        found = seen.get(key)
        if found is None:
            found = analyze_comment(t, vertical=vertical, lexicon=lexicon, opinions=opinions)
            seen[key] = found
        out.append(found)
    return out


def aspect_counts(labels: Sequence[Mapping[str, str]]) -> dict[str, dict[str, int]]:
    """Per aspect: comments mentioning it (``n``) and how many were ``pos``, ``neu``, ``neg`` about it."""
    out: dict[str, dict[str, int]] = {}
    for lab in labels:
        for aspect, pol in lab.items():
            c = out.setdefault(aspect, {"n": 0, "pos": 0, "neu": 0, "neg": 0})
            c["n"] += 1
            c[pol] += 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1]["n"], kv[0])))


def _is_generic(term: str, *, lexicon: AspectLexicon, vertical: str | None, name: tuple[str, str]) -> bool:
    """A term that only names the aspect (安装 for installation, 价钱 for price): no focus of its own."""
    gloss = _gloss(lexicon, term, vertical).lower().removeprefix("the ")
    return term in name[0] or term.startswith("<") or gloss == name[1].lower()


def _no_gloss(term: str) -> str:
    return ""


def _gloss(lexicon: AspectLexicon, term: str, vertical: str | None) -> str:
    entry = lexicon.entry_for(term, vertical)
    return entry.en if entry is not None else ""


def _mention_theme(
    *,
    kind: str,
    key: str,
    name: tuple[str, str],
    label: str,
    members: Sequence[int],
    polarities: Sequence[str],
    questions: int,
    terms_by_member: Sequence[Iterable[str]],
    generic: Callable[[str], bool],
    gloss: Callable[[str], str],
    comments: Sequence[ThemeComment],
    analyses: Sequence[CommentAspects],
    n_total: int,
    quotes_per_theme: int,
) -> Theme:
    """A theme of comments that mention one aspect (or one candidate cluster)."""
    counts = Counter(polarities)
    mix = _sentiment_mix(counts)
    tone = describe_tone(mix["positive"], mix["neutral"], mix["negative"], questions / len(members))
    dominant = {
        "mostly positive": "pos",
        "leaning positive": "pos",
        "mostly negative": "neg",
        "leaning negative": "neg",
    }
    focus_from = dominant.get(tone[1])
    term_counts: Counter[str] = Counter()
    all_terms: Counter[str] = Counter()
    for terms, pol in zip(terms_by_member, polarities, strict=True):
        distinct = set(terms)
        all_terms.update(distinct)
        if focus_from is None or pol == focus_from:
            term_counts.update(t for t in distinct if not generic(t))
    considered = sum(1 for p in polarities if focus_from is None or p == focus_from)
    focus: list[tuple[str, int]] = []
    glosses: set[str] = set()
    for t, c in sorted(term_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if c < 2 or c < 0.1 * considered or len(focus) == 3:
            break
        g = gloss(t)
        if g and g in glosses:  # 坏了 and 会坏 are both "breaking"
            continue
        glosses.add(g)
        focus.append((t, c))
    share = len(members) / n_total
    title, summary = aspect_summary(name, share, tone, [(t, gloss(t)) for t, _ in focus])
    quotes = [
        _Quote.of(
            i,
            comments[i],
            analyses[i],
            key,
            polarity=pol,
            terms=frozenset(t for t in terms if not generic(t)),
            has_opinion=any(m.opinions for m in analyses[i].mentions if m.aspect == key),
        )
        for i, pol, terms in zip(members, polarities, terms_by_member, strict=True)
    ]
    top_terms = [t for t, _ in sorted(all_terms.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
    theme = _bare_theme(kind, label, top_terms, [comments[i] for i in members], n_total)
    return replace(
        theme,
        sentiment_mix=mix,
        comment_sentiment_mix=theme.sentiment_mix,
        representatives=_chosen(quotes, quotes_per_theme, _polarity_order(counts)),
        aspect=key,
        title=title,
        summary=summary,
        focus=[{"term": t, "en": gloss(t), "n_comments": c} for t, c in focus],
    )


def _chosen(quotes: Sequence[_Quote], k: int, polarity_order: Sequence[str | None]) -> list[dict[str, Any]]:
    return [q.to_dict() for q in select_quotes(quotes, k, polarity_order)]


@dataclass(frozen=True)
class _Group:
    """Comments that name no aspect and make one theme: a keyword topic, the others, the reactions."""

    kind: str
    label: str
    title: tuple[str, str]
    keywords: list[str]
    members: list[int]


def _group_theme(group: _Group, data: _Analysed, quotes_per_theme: int) -> Theme:
    """The theme of a :class:`_Group`: titled by its first keywords, quoting its comments whole."""
    members, comments, title = group.members, data.comments, group.title
    theme = _bare_theme(group.kind, group.label, group.keywords, [comments[i] for i in members], data.n)
    zh_share, en_share = format_share(len(members) / data.n)
    tone = _comment_tone(theme.sentiment_mix)
    kw = group.keywords[:3]
    zh = f"{title[0]}{'「' + '、'.join(kw) + '」' if kw else ''}：{zh_share} 的评论"
    en = f"{title[1]}{' “' + ' / '.join(kw) + '”' if kw else ''}: {en_share} of comments"
    if tone is not None:
        zh += f"，{tone[0]}"
        en += f", {tone[1]}"
    quotes = [
        _Quote.of(i, comments[i], terms=frozenset(t for t in kw if t in comments[i].text)) for i in members
    ]
    return replace(
        theme,
        representatives=_chosen(quotes, quotes_per_theme, [None]),
        comment_sentiment_mix=theme.sentiment_mix,
        title={
            "zh": title[0] + (f"「{' / '.join(kw)}」" if kw else ""),
            "en": title[1] + (f" “{' / '.join(kw)}”" if kw else ""),
        },
        summary={"zh": zh, "en": en},
    )


@dataclass(frozen=True)
class _Analysed:
    """The included comments of one summary with their aspect analyses, labels and theme tokens."""

    comments: Sequence[ThemeComment]
    analyses: Sequence[CommentAspects]
    labels: list[dict[str, str]]
    tokens: list[list[str]]

    @property
    def n(self) -> int:
        return len(self.comments)


def _aspect_themes(
    data: _Analysed,
    aspects: Mapping[str, Mapping[str, int]],
    *,
    vertical: str | None,
    lexicon: AspectLexicon,
    max_themes: int,
    min_theme_comments: int,
    quotes_per_theme: int,
) -> list[Theme]:
    """One theme per lexicon aspect, largest first, while an aspect has ``min_theme_comments``."""
    themes = []
    labels, analyses = data.labels, data.analyses
    for aspect, c in list(aspects.items())[:max_themes]:
        if c["n"] < min_theme_comments:
            break
        info = lexicon.aspects.get(aspect)
        name = (info.zh, info.en) if info is not None else (aspect, aspect)
        members = [i for i, lab in enumerate(labels) if aspect in lab]
        themes.append(
            _mention_theme(
                kind="aspect",
                key=aspect,
                name=name,
                label=f"{name[0]} / {name[1]}",
                members=members,
                polarities=[labels[i][aspect] for i in members],
                questions=sum(
                    1 for i in members if all(m.question for m in analyses[i].mentions if m.aspect == aspect)
                ),
                terms_by_member=[
                    [t for m in analyses[i].mentions if m.aspect == aspect for t in m.terms] for i in members
                ],
                generic=partial(_is_generic, lexicon=lexicon, vertical=vertical, name=name),
                gloss=lambda t: _gloss(lexicon, t, vertical),
                comments=data.comments,
                analyses=analyses,
                n_total=data.n,
                quotes_per_theme=quotes_per_theme,
            )
        )
    return themes


def _topic_groups(
    data: _Analysed,
    topical: list[int],
    *,
    max_topics: int,
    comments_per_theme: int,
    random_state: int,
) -> tuple[list[_Group], list[int]]:
    """Keyword topics (NMF) of the comments in ``topical``, largest first, and the comments no topic took."""
    found = _nmf_topics(
        [data.comments[i].text for i in topical],
        [data.tokens[i] for i in topical],
        max_themes=max_topics,
        comments_per_theme=comments_per_theme,
        random_state=random_state,
    )
    if found is None:
        return [], topical
    assign, W = found
    unassigned = [topical[j] for j in range(len(topical)) if assign[j] < 0]
    groups = []
    for topic in range(W.shape[1]):
        members = [topical[j] for j in range(len(topical)) if assign[j] == topic]
        if not members:
            continue
        kw = keywords([data.tokens[i] for i in members])
        label = " / ".join(kw[:3]) if kw else f"topic {topic + 1}"
        groups.append(_Group("topic", label, ("话题", "Topic"), kw, members))
    return sorted(groups, key=lambda g: (-len(g.members), g.label)), unassigned


def _leftover_groups(data: _Analysed, unassigned: list[int], reactions: list[int]) -> list[_Group]:
    """The "other comments" (topical but in no theme) and the reactions (no theme token)."""
    groups = []
    if unassigned:
        other_keywords = keywords([data.tokens[i] for i in unassigned])
        groups.append(_Group("other", "other", ("其他评论", "Other comments"), other_keywords, unassigned))
    if reactions:
        label = "reactions (emoji, 哈哈, @mentions)"
        groups.append(
            _Group(
                "reactions", label, ("表情与简短回应", "Reactions (emoji, 哈哈, @mentions)"), [], reactions
            )
        )
    return groups


def summarize_themes(
    comments: Sequence[ThemeComment],
    *,
    vertical: str | None = None,
    max_themes: int = 8,
    quotes_per_theme: int = 3,
    min_comments: int = 10,
    min_theme_comments: int = 2,
    discover: bool = True,
    topics: bool = True,
    max_topics: int = 4,
    comments_per_theme: int = 25,
    lexicon: AspectLexicon | None = None,
    opinions: OpinionLexicon | None = None,
    random_state: int = 0,
    memo: AspectMemo | None = None,
) -> ThemeSummary:
    """Aspect themes of a set of comments (see the module docstring).

    Comments flagged ``excluded`` are left out before anything is counted. Fewer than
    ``min_comments`` remaining comments give a summary with a note and no themes. At most
    ``max_themes`` aspect themes (those of at least ``min_theme_comments`` comments), then candidate
    themes (``discover``), then up to ``max_topics`` keyword topics of the comments that name no
    aspect (``topics``), the other comments, and reactions. ``memo`` keeps the comments' aspect
    analyses for the caller's next summaries (:data:`AspectMemo`).
    """
    lexicon = lexicon or load_aspect_lexicon()
    opinions = opinions or load_opinion_lexicon()
    included = [c for c in comments if not c.excluded]
    n = len(included)
    summary = ThemeSummary(n_comments=n, n_excluded=len(comments) - n, method="aspects", vertical=vertical)
    if n < min_comments:
        summary.note = f"{n} comments: at least {min_comments} are needed for themes"
        return summary
    analyses = _analyze([c.text for c in included], vertical, lexicon, opinions, memo)
    data = _Analysed(
        comments=included,
        analyses=analyses,
        labels=[a.labels() for a in analyses],
        tokens=[_analysis_tokens(a) for a in analyses],
    )
    summary.aspects = aspect_counts(data.labels)
    summary.top_keywords = keywords([t for t in data.tokens if t], top=12)
    mentioned = {i for i, lab in enumerate(data.labels) if lab}
    summary.themes.extend(
        _aspect_themes(
            data,
            summary.aspects,
            vertical=vertical,
            lexicon=lexicon,
            max_themes=max_themes,
            min_theme_comments=min_theme_comments,
            quotes_per_theme=quotes_per_theme,
        )
    )
    if discover:
        summary.themes.extend(
            _candidate_themes(included, analyses, mentioned, vertical, lexicon, opinions, quotes_per_theme)
        )
    rest = [i for i in range(n) if i not in mentioned]
    reactions = [i for i in rest if not data.tokens[i]]
    unassigned = [i for i in rest if data.tokens[i]]
    groups: list[_Group] = []
    if topics and len(unassigned) >= min_comments:
        groups, unassigned = _topic_groups(
            data,
            unassigned,
            max_topics=max_topics,
            comments_per_theme=comments_per_theme,
            random_state=random_state,
        )
    groups += _leftover_groups(data, unassigned, reactions)
    summary.themes.extend(_group_theme(g, data, quotes_per_theme) for g in groups)
    return summary


def leading_themes(comments: Sequence[ThemeComment], top: int, **options: Any) -> ThemeSummary:
    """A summary whose first ``top`` themes are those of :func:`summarize_themes` (for a page that
    shows only those, e.g. the compare page's top themes); the themes after them may differ.

    Aspect themes come first and depend on nothing after them, so when at least ``top`` of them
    are found, candidate and keyword-topic themes (the costly part) are not computed.
    """
    light = summarize_themes(comments, **{**options, "discover": False, "topics": False})
    if sum(t.kind == "aspect" for t in light.themes) >= top:
        return light
    return summarize_themes(comments, **options)


def _candidate_themes(
    comments: Sequence[ThemeComment],
    analyses: Sequence[CommentAspects],
    mentioned: set[int],
    vertical: str | None,
    lexicon: AspectLexicon,
    opinions: OpinionLexicon,
    quotes_per_theme: int,
) -> list[Theme]:
    """Themes of discovered terms: clusters mentioned by at least 3 comments and 2% of all comments.

    Their comments join ``mentioned`` (they are no longer "other")."""
    n = len(comments)
    found = discover_aspect_terms(
        [c.text for c in comments], vertical=vertical, lexicon=lexicon, opinions=opinions
    )
    clusters: dict[int, list[str]] = {}
    for cand in found:
        clusters.setdefault(cand.cluster, []).append(cand.term)
    if not clusters:
        return []
    pattern = re.compile("|".join(re.escape(c.term) for c in sorted(found, key=lambda c: -len(c.term))))
    containing: dict[str, set[int]] = {}
    for i, a in enumerate(analyses):
        for m in pattern.finditer(a.text):
            containing.setdefault(m.group(0), set()).add(i)
    themes: list[Theme] = []
    for _cluster, terms in sorted(clusters.items()):
        key = f"candidate:{terms[0]}"
        ad_hoc = AspectLexicon(
            aspects=lexicon.aspects, entries=tuple(LexiconEntry(t, key, ("all",), False, "") for t in terms)
        )
        members = sorted(set().union(*(containing.get(t, set()) for t in terms)))
        if len(members) < max(3, math.ceil(0.02 * n)):
            continue
        cand_analyses = {
            i: analyze_comment(comments[i].text, lexicon=ad_hoc, opinions=opinions) for i in members
        }
        members = [i for i in members if key in cand_analyses[i].labels()]
        if len(members) < max(3, math.ceil(0.02 * n)):
            continue
        mentioned.update(members)
        theme = _mention_theme(
            kind="candidate",
            key=key,
            name=(f"「{terms[0]}」", f"“{terms[0]}”"),
            label=terms[0],
            members=members,
            polarities=[cand_analyses[i].labels()[key] for i in members],
            questions=sum(1 for i in members if all(m.question for m in cand_analyses[i].mentions)),
            terms_by_member=[[t for m in cand_analyses[i].mentions for t in m.terms] for i in members],
            generic=terms[0].__eq__,
            gloss=_no_gloss,
            comments=comments,
            analyses=[cand_analyses.get(i, analyses[i]) for i in range(n)],
            n_total=n,
            quotes_per_theme=quotes_per_theme,
        )
        themes.append(theme)
    return sorted(themes, key=lambda t: (-t.n_comments, t.label))


# --- Comparisons -------------------------------------------------------------------------------


@dataclass
class ThemeComparison:
    """Aspect themes of several sides (before / after, or one per KOL) and, per aspect, how they differ."""

    sides: dict[str, ThemeSummary]
    rows: list[dict[str, Any]]
    pivot: datetime | None = None
    n_undated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pivot": self.pivot.isoformat() if self.pivot is not None else None,
            "n_undated": self.n_undated,
            "sides": {k: v.to_dict() for k, v in self.sides.items()},
            "rows": self.rows,
        }


def _side_stats(summary: ThemeSummary, aspect: str) -> dict[str, Any]:
    c = summary.aspects.get(aspect, {"n": 0, "pos": 0, "neu": 0, "neg": 0})
    n = summary.n_comments
    mix = _sentiment_mix(c)
    return {
        "n_comments": c["n"],
        "share": round(c["n"] / n, 4) if n else 0.0,
        "sentiment_mix": mix,
        "net_sentiment": round(mix["positive"] - mix["negative"], 4) if c["n"] else None,
    }


def _aspect_name(lexicon: AspectLexicon, aspect: str) -> tuple[str, str]:
    info = lexicon.aspects.get(aspect)
    return (info.zh, info.en) if info is not None else (aspect, aspect)


def _tone_of(stats: Mapping[str, Any]) -> tuple[str, str]:
    mix = stats["sentiment_mix"]
    return describe_tone(mix["positive"], mix["neutral"], mix["negative"])


def _as_utc(moment: datetime) -> datetime:
    from models.authenticity.data import as_naive_utc

    return as_naive_utc(moment)


def compare_before_after(
    comments: Sequence[ThemeComment],
    pivot: datetime,
    *,
    lexicon: AspectLexicon | None = None,
    **summary_options: Any,
) -> ThemeComparison:
    """Aspect themes of the comments posted before ``pivot`` (e.g. a campaign's first note) and after it.

    Comments without ``created_at`` are left out and counted in ``n_undated``; naive times are
    taken as UTC. Each row is one aspect found on either side: its share and sentiment before and
    after, the change in percentage points, and a line in Chinese and English
    ("安装：提及率 5% → 38%（+33 个百分点），负面为主"). Rows are ordered by the size of the change.
    """
    lexicon = lexicon or load_aspect_lexicon()
    at = _as_utc(pivot)
    dated = [c for c in comments if c.created_at is not None]
    before = [c for c in dated if c.created_at is not None and _as_utc(c.created_at) < at]
    after = [c for c in dated if c.created_at is not None and _as_utc(c.created_at) >= at]
    sides = {
        "before": summarize_themes(before, lexicon=lexicon, **summary_options),
        "after": summarize_themes(after, lexicon=lexicon, **summary_options),
    }
    rows = []
    for aspect in sorted(set(sides["before"].aspects) | set(sides["after"].aspects)):
        b, a = _side_stats(sides["before"], aspect), _side_stats(sides["after"], aspect)
        pts = round((a["share"] - b["share"]) * 100, 1)
        zh, en = _aspect_name(lexicon, aspect)
        b_zh, b_en = format_share(b["share"])
        a_zh, a_en = format_share(a["share"])
        sign = "+" if pts > 0 else ("−" if pts < 0 else "±")
        tone = _tone_of(a) if a["n_comments"] else ("之后未再提及", "no longer mentioned")
        rows.append(
            {
                "aspect": aspect,
                "name": {"zh": zh, "en": en},
                "before": b,
                "after": a,
                "change_pts": pts,
                "line": {
                    "zh": f"{zh}：提及率 {b_zh} → {a_zh}（{sign}{abs(pts):g} 个百分点），{tone[0]}",
                    "en": f"{en}: {b_en} → {a_en} of comments ({sign}{abs(pts):g} pts), {tone[1]}",
                },
            }
        )
    rows.sort(key=lambda r: (-abs(r["change_pts"]), r["aspect"]))
    return ThemeComparison(sides=sides, rows=rows, pivot=pivot, n_undated=len(comments) - len(dated))


def compare_groups(
    comments: Sequence[ThemeComment],
    *,
    key: Callable[[ThemeComment], str | None] | None = None,
    lexicon: AspectLexicon | None = None,
    **summary_options: Any,
) -> ThemeComparison:
    """Aspect themes per group of comments (by default ``ThemeComment.group``, e.g. the KOL).

    Each row is one aspect found in any group, with its share and sentiment in every group and a
    line per language ("价格：KOL A 12%（负面为主），KOL B 30%（多为提问）"); rows are ordered by the
    largest share in any group.
    """
    lexicon = lexicon or load_aspect_lexicon()
    key = key or (lambda c: c.group)
    groups: dict[str, list[ThemeComment]] = {}
    for c in comments:
        groups.setdefault(key(c) or "(none)", []).append(c)
    sides = {
        g: summarize_themes(items, lexicon=lexicon, **summary_options) for g, items in sorted(groups.items())
    }
    rows: list[dict[str, Any]] = []
    for aspect in sorted({a for s in sides.values() for a in s.aspects}):
        zh, en = _aspect_name(lexicon, aspect)
        per = {g: _side_stats(s, aspect) for g, s in sides.items()}
        zh_parts, en_parts = [], []
        for g, st in per.items():
            sz, se = format_share(st["share"])
            if st["n_comments"]:
                tz, te = _tone_of(st)
                zh_parts.append(f"{g} {sz}（{tz}）")
                en_parts.append(f"{g} {se} ({te})")
            else:
                zh_parts.append(f"{g} 0%")
                en_parts.append(f"{g} 0%")
        rows.append(
            {
                "aspect": aspect,
                "name": {"zh": zh, "en": en},
                "groups": per,
                "line": {"zh": f"{zh}：" + "，".join(zh_parts), "en": f"{en}: " + "; ".join(en_parts)},
            }
        )
    rows.sort(key=lambda r: (-max(st["share"] for st in r["groups"].values()), r["aspect"]))
    return ThemeComparison(sides=sides, rows=rows)
