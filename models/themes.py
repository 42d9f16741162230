"""Comment-theme summaries for campaign reports and KOL vetting.

Method:

1. Each comment becomes its content tokens (:func:`models.text.content_tokens`: the XHS tokenizer
   without stopwords, punctuation or placeholders). Comments with no content token (emoji only,
   哈哈, bare @mentions) are set apart as *reactions* rather than forced into a topic.
2. Themes are found by non-negative matrix factorisation (NMF) of the TF-IDF matrix of the remaining
   comments; each comment joins the theme with its largest weight. The number of themes grows with
   the number of comments (one per ~25 comments, at most ``max_themes``).
3. Each theme is described by keywords ranked with jieba's TF-IDF scheme (term frequency in the
   theme x jieba's shipped IDF table, so common words rank low), its share of comments, the mix of
   sentiments and intents among its comments, and its three most typical comments (largest theme
   weight, distinct texts).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from models.labels import INTENTS, SENTIMENTS
from models.text import content_tokens, normalize


@dataclass(frozen=True)
class ThemeComment:
    text: str
    sentiment: str | None = None
    intents: Mapping[str, bool] | None = None
    id: str | None = None


@dataclass
class Theme:
    label: str
    keywords: list[str]
    n_comments: int
    share: float
    sentiment_mix: dict[str, float]
    intent_mix: dict[str, float]
    representatives: list[dict[str, Any]]
    kind: str = "topic"  # topic | other | reactions

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "keywords": self.keywords,
            "n_comments": self.n_comments,
            "share": self.share,
            "sentiment_mix": self.sentiment_mix,
            "intent_mix": self.intent_mix,
            "representatives": self.representatives,
        }


@dataclass
class ThemeSummary:
    n_comments: int
    themes: list[Theme] = field(default_factory=list)
    top_keywords: list[str] = field(default_factory=list)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_comments": self.n_comments,
            "top_keywords": self.top_keywords,
            "themes": [t.to_dict() for t in self.themes],
            "note": self.note,
        }


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
    sentiment_mix, intent_mix = _mixes(items)
    return Theme(
        label=label,
        keywords=words,
        n_comments=len(items),
        share=round(len(items) / n, 4),
        sentiment_mix=sentiment_mix,
        intent_mix=intent_mix,
        representatives=_representatives(items, weights if weights is not None else [0.0] * len(items)),
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


def summarize_themes(
    comments: Sequence[ThemeComment],
    *,
    max_themes: int = 6,
    comments_per_theme: int = 25,
    min_comments: int = 10,
    random_state: int = 0,
) -> ThemeSummary:
    """Themes of a set of comments; fewer than ``min_comments`` gives a summary with a note, no themes."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(comments)
    if n < min_comments:
        return ThemeSummary(n_comments=n, note=f"{n} comments: at least {min_comments} are needed for themes")
    tokens = [theme_tokens(c.text) for c in comments]
    topical = [i for i, t in enumerate(tokens) if t]
    reactions = [i for i, t in enumerate(tokens) if not t]
    summary = ThemeSummary(n_comments=n, top_keywords=keywords([tokens[i] for i in topical], top=12))
    unassigned = list(topical)
    if len(topical) >= min_comments:
        vec = TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True)
        try:
            X = vec.fit_transform([tokens[i] for i in topical])
        except ValueError:  # no term appears twice
            X = None
        if X is not None and X.shape[1] >= 2:
            k = max(2, min(max_themes, math.ceil(len(topical) / comments_per_theme), X.shape[1] - 1))
            nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400)
            W = nmf.fit_transform(X)
            assign = np.where(W.max(axis=1) > 0, W.argmax(axis=1), -1)
            assign = _attach_by_characters([comments[i].text for i in topical], assign, k)
            unassigned = [topical[j] for j in range(len(topical)) if assign[j] < 0]
            for topic in range(k):
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
