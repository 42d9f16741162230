"""Sentiment and intent pipelines for XHS comments, and prediction helpers.

Every learned transform lives inside one scikit-learn ``Pipeline`` per task, so training and serving
run the same code on raw strings:

* TF-IDF word unigrams and bigrams over :func:`models.text.tokenize` (XHS user dictionary,
  emoticons and emoji as tokens, typed placeholders);
* TF-IDF character 1-3-grams over :func:`models.text.normalize` output;
* a small dense block of lexicon and surface features (:class:`LexiconFeatures`): HowNet and NTUSD
  polarity words plus the project's XHS lexicon with negation flipping and degree words, emoticon
  and emoji polarity, question and exclamation marks, length, mentions, replies.

Sentiment is a multinomial logistic regression over positive / neutral / negative. Intents use
:class:`IntentClassifier`: one logistic regression per intent, Platt-calibrated and thresholded on a
validation split that the training code passes in, so ``predict`` returns flags with tuned thresholds.
training/train.py fits one feature union (:func:`build_features`) and puts it in both pipelines, so
serving computes a comment's features once for both tasks.
"""

from __future__ import annotations

import math
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from models.labels import INTENTS, SENTIMENTS
from models.text import LEXICON_DIR, TYPED_TOKENS, is_emoji, is_emoticon, normalize, tokenize

XHS_LEXICON_PATH = LEXICON_DIR / "xhs_sentiment.txt"

MAX_TEXT_CHARS = 2000
"""The longest comment text the models analyse; a longer one is refused, never cut (a cut comment
can read as the opposite of the whole one)."""

NEGATIONS = frozenset(
    [
        "不",
        "没",
        "没有",
        "别",
        "无",
        "未",
        "非",
        "不是",
        "不会",
        "不要",
        "不太",
        "不算",
        "并不",
        "从不",
        "毫无",
        "绝不",
        "不用",
        "不够",
        "不能",
    ]
)
DEGREE = {
    **dict.fromkeys(
        [
            "太",
            "超",
            "超级",
            "巨",
            "贼",
            "特别",
            "非常",
            "十分",
            "极其",
            "真的",
            "好",
            "最",
            "很",
            "超级无敌",
            "绝对",
            "简直",
            "相当",
        ],
        1.5,
    ),
    **dict.fromkeys(["有点", "有些", "稍微", "略", "一点", "还算", "比较"], 0.6),
}
_QUESTION_WORDS = frozenset(
    [
        "吗",
        "么",
        "呢",
        "什么",
        "怎么",
        "怎样",
        "哪",
        "哪里",
        "哪儿",
        "哪个",
        "哪家",
        "多少",
        "几",
        "为啥",
        "为什么",
        "咋",
        "啥",
        "是否",
        "能不能",
        "可不可以",
        "有没有",
    ]
)
_REPLY_RE = re.compile(r"^\s*回复\s*@|^\s*@[^\s]+\s*[:：]")


@lru_cache(maxsize=200_000)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(tokenize(text))


def cached_tokens(text: Any) -> tuple[str, ...]:
    """Tokens of ``text``, memoised so the sentiment and intent pipelines tokenise a comment once."""
    return _tokens(text if isinstance(text, str) else normalize(text))


NEGATION_SCOPE = 2  # tokens after a negation word that are read as negated
_SCOPE_BREAKS = frozenset(",.!?;:~，。！？；：、")


def mark_negation(tokens: Sequence[str]) -> list[str]:
    """Tokens with the ones in a negation's scope prefixed by ``¬`` (不是广告 -> 不是 ¬广告).

    The classic negation marking of sentiment analysis (Das and Chen 2001; Pang et al. 2002): a
    negated word becomes a different feature, so "不是广告" no longer fires the "广告" feature.
    The scope is the next :data:`NEGATION_SCOPE` tokens, cut short by punctuation.
    """
    out: list[str] = []
    remaining = 0
    for tok in tokens:
        if tok in NEGATIONS:
            out.append(tok)
            remaining = NEGATION_SCOPE
            continue
        if remaining and (tok[0] in _SCOPE_BREAKS or tok in TYPED_TOKENS):
            remaining = 0
        if remaining:
            out.append("¬" + tok)
            remaining -= 1
        else:
            out.append(tok)
    return out


def word_ngrams(text: Any) -> list[str]:
    """Analyzer for the word vectorizer: negation-marked tokens and adjacent token pairs."""
    toks = mark_negation(cached_tokens(text))
    grams = list(toks)
    grams.extend(f"{a}\x01{b}" for a, b in pairwise(toks))
    return grams


def char_preprocess(text: Any) -> str:
    """Preprocessor for the character vectorizer: the canonical normalised text."""
    return normalize(text)


def _read_word_list(path: Path) -> set[str]:
    words: set[str] = set()
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        word = raw.strip().split("\t")[0].split(",")[0].strip()
        if word and not word.startswith("#") and not word.startswith("中文") and len(word) <= 8:
            words.add(word)
    return words


def read_polarity_lexicon(path: Path) -> dict[str, float]:
    """``term<TAB>polarity`` lines (``#`` comments allowed)."""
    out: dict[str, float] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        term, _, value = raw.partition("\t")
        out[normalize(term) if not is_emoticon(term.strip()) else term.strip()] = float(value)
    return out


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Dense lexicon and surface features.

    Parameters
    ----------
    positive_paths, negative_paths : sequence of str
        Word lists (one word per line) read at ``fit`` time; their content is stored in the fitted
        transformer, so serving does not need the files.
    xhs_lexicon_path : str or None
        The project's XHS polarity lexicon (terms, emoticons and emoji with -2..2 scores).
    """

    FEATURES: tuple[str, ...] = (
        "pos_words",
        "neg_words",
        "negated_pos",
        "negated_neg",
        "xhs_polarity",
        "xhs_pos",
        "xhs_neg",
        "emo_pos",
        "emo_neg",
        "emo_neutral",
        "emo_share",
        "question_mark",
        "question_word",
        "exclaim",
        "negation",
        "log_len",
        "short",
        "mention",
        "reply",
        "url",
        "number_or_price",
    )

    def __init__(
        self,
        positive_paths: Sequence[str] = (),
        negative_paths: Sequence[str] = (),
        xhs_lexicon_path: str | None = str(XHS_LEXICON_PATH),
    ) -> None:
        self.positive_paths = positive_paths
        self.negative_paths = negative_paths
        self.xhs_lexicon_path = xhs_lexicon_path

    def fit(self, X: Iterable[Any], y: Any = None) -> LexiconFeatures:
        pos: set[str] = set()
        neg: set[str] = set()
        for p in self.positive_paths:
            pos |= _read_word_list(Path(p))
        for p in self.negative_paths:
            neg |= _read_word_list(Path(p))
        both = pos & neg
        self.positive_ = frozenset(normalize(w) for w in pos - both)
        self.negative_ = frozenset(normalize(w) for w in neg - both)
        self.xhs_ = read_polarity_lexicon(Path(self.xhs_lexicon_path)) if self.xhs_lexicon_path else {}
        self.n_features_out_ = len(self.FEATURES)
        return self

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"lex__{f}" for f in self.FEATURES], dtype=object)

    def _row(self, text: Any) -> list[float]:
        toks = cached_tokens(text)
        n = len(toks)
        pos = neg = neg_pos = neg_neg = 0.0
        xhs = xhs_pos = xhs_neg = 0.0
        emo_pos = emo_neg = emo_neu = emo = 0.0
        qmark = qword = excl = negation = mention = url = num = 0.0
        negate_until = -1
        weight = 1.0
        for i, tok in enumerate(toks):
            if tok in NEGATIONS:
                negation += 1
                negate_until = i + 3
                continue
            if tok in DEGREE:
                weight = DEGREE[tok]
                continue
            negated = i <= negate_until
            pol = self.xhs_.get(tok)
            emoji_like = is_emoticon(tok) or is_emoji(tok)
            if emoji_like:
                emo += 1
                if pol is None or pol == 0:
                    emo_neu += 1
                elif pol > 0:
                    emo_pos += pol
                else:
                    emo_neg += -pol
            elif pol is not None:
                signed = -pol if negated else pol
                xhs += signed * weight
                if signed > 0:
                    xhs_pos += 1
                elif signed < 0:
                    xhs_neg += 1
            if tok in self.positive_:
                if negated:
                    neg_pos += weight
                else:
                    pos += weight
            elif tok in self.negative_:
                if negated:
                    neg_neg += weight
                else:
                    neg += weight
            if "?" in tok:
                qmark += 1
            elif "!" in tok:
                excl += 1
            if tok in _QUESTION_WORDS:
                qword += 1
            if tok in TYPED_TOKENS:
                if tok == "<mention>":
                    mention += 1
                elif tok == "<url>":
                    url += 1
                else:
                    num += 1
            weight = 1.0
        raw = text if isinstance(text, str) else normalize(text)
        scale = 1.0 / math.sqrt(max(n, 1))
        return [
            pos * scale,
            neg * scale,
            neg_pos * scale,
            neg_neg * scale,
            xhs * scale,
            min(xhs_pos, 3.0),
            min(xhs_neg, 3.0),
            min(emo_pos, 6.0) / 2,
            min(emo_neg, 6.0) / 2,
            min(emo_neu, 6.0) / 2,
            emo / max(n, 1),
            min(qmark, 2.0),
            min(qword, 2.0),
            min(excl, 2.0),
            min(negation, 2.0),
            math.log1p(len(raw)) / 5,
            1.0 if len(raw) <= 8 else 0.0,
            min(mention, 2.0),
            1.0 if _REPLY_RE.search(raw) else 0.0,
            min(url, 1.0),
            min(num, 2.0),
        ]

    def transform(self, X: Iterable[Any]) -> sparse.csr_matrix:
        check_is_fitted(self, "positive_")
        rows = [self._row(t) for t in X]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(self.FEATURES)))


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose vocabulary pickles as one string and one integer array.

    joblib unpickles with a pure-Python unpickler, which spends about a second per 100,000-entry
    vocabulary dict; stored as ``"\\n".join(terms)`` plus an index array it loads in milliseconds.
    Terms never contain a newline: both analyzers see :func:`models.text.normalize` output, which
    turns every whitespace run into one space.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vocab = state.pop("vocabulary_", None)
        if vocab is not None:
            terms = list(vocab)
            state["_vocab_terms"] = "\n".join(terms)
            state["_vocab_index"] = np.fromiter((vocab[t] for t in terms), dtype=np.int64, count=len(terms))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        terms = state.pop("_vocab_terms", None)
        index = state.pop("_vocab_index", None)
        if terms is not None and index is not None:
            state["vocabulary_"] = dict(zip(terms.split("\n") if terms else [], index.tolist(), strict=True))
        super().__setstate__(state)


def build_features(
    positive_paths: Sequence[str] = (),
    negative_paths: Sequence[str] = (),
    *,
    max_word_features: int = 100_000,
    max_char_features: int = 100_000,
    min_df: int = 2,
    lexicon_weight: float = 1.0,
) -> FeatureUnion:
    """The unfitted feature union: TF-IDF word n-grams, TF-IDF character n-grams, lexicon block.

    Vocabularies are capped so a saved pipeline stays small; call :func:`mark_fitted_features` after
    fitting to drop the pruned-terms set scikit-learn keeps only for introspection.
    """
    tfidf: dict[str, Any] = {"min_df": min_df, "sublinear_tf": True, "dtype": np.float32}
    words = CompactTfidfVectorizer(analyzer=word_ngrams, max_features=max_word_features, **tfidf)
    chars = CompactTfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        preprocessor=char_preprocess,
        lowercase=False,
        max_features=max_char_features,
        **tfidf,
    )
    return FeatureUnion(
        [
            ("words", words),
            ("chars", chars),
            ("lexicon", LexiconFeatures(positive_paths, negative_paths)),
        ],
        transformer_weights={"words": 1.0, "chars": 1.0, "lexicon": lexicon_weight},
    )


def mark_fitted_features(features: FeatureUnion) -> FeatureUnion:
    """Prepare a fitted feature union for saving and sharing.

    Drops the pruned-terms sets scikit-learn keeps only for introspection (``stop_words_`` can hold
    millions of terms) and stamps the union with a random ``fitted_id_``: two pipelines whose
    unions carry the same id were given the very same fitted features, so serving may compute
    them once for both.
    """
    for _, step in features.transformer_list:
        if isinstance(step, TfidfVectorizer) and hasattr(step, "stop_words_"):
            delattr(step, "stop_words_")
    features.fitted_id_ = uuid.uuid4().hex
    return features


class IntentClassifier(ClassifierMixin, BaseEstimator):
    """One logistic regression per intent, Platt-calibrated, with a tuned threshold per intent.

    ``fit(X, Y)`` takes a feature matrix and a 0/1 matrix with one column per intent (in
    ``intents`` order). Calibration and threshold tuning need held-out rows: pass them as
    ``X_val``/``Y_val`` (the training code gives a validation split). Without them, the raw
    probabilities are used and every threshold is 0.5.

    Parameters
    ----------
    intents : sequence of str
        Column names of ``Y``.
    C : float
        Inverse regularisation strength of every per-intent model.
    min_precision : float
        Threshold tuning maximises F1 among thresholds whose validation precision is at least this.
    random_state : int
    """

    def __init__(
        self,
        intents: Sequence[str] = INTENTS,
        C: float = 4.0,
        min_precision: float = 0.0,
        random_state: int = 0,
    ) -> None:
        self.intents = intents
        self.C = C
        self.min_precision = min_precision
        self.random_state = random_state

    def fit(
        self,
        X: Any,
        Y: Any,
        sample_weight: Any = None,
        X_val: Any = None,
        Y_val: Any = None,
    ) -> IntentClassifier:
        Y = np.asarray(Y, dtype=int)
        if Y.ndim != 2 or Y.shape[1] != len(self.intents):
            raise ValueError(
                f"Y must have one 0/1 column per intent {list(self.intents)}, got shape {Y.shape}"
            )
        self.models_: list[LogisticRegression] = []
        self.platt_: list[tuple[float, float]] = []
        self.thresholds_: list[float] = []
        for j, _name in enumerate(self.intents):
            y = Y[:, j]
            if len(np.unique(y)) < 2:
                raise ValueError(f"intent {self.intents[j]!r} has only one class in the training data")
            model = LogisticRegression(
                C=self.C, max_iter=2000, class_weight="balanced", random_state=self.random_state
            )
            model.fit(X, y, sample_weight=sample_weight)
            self.models_.append(model)
            if X_val is not None and Y_val is not None:
                yv = np.asarray(Y_val, dtype=int)[:, j]
                margin = model.decision_function(X_val)
                a, b = _fit_platt(margin, yv)
                self.platt_.append((a, b))
                self.thresholds_.append(_tune_threshold(_sigmoid(a * margin + b), yv, self.min_precision))
            else:
                self.platt_.append((1.0, 0.0))
                self.thresholds_.append(0.5)
        self.classes_ = np.asarray(list(self.intents))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probability per intent, shape (n_samples, n_intents)."""
        check_is_fitted(self, "models_")
        cols = [
            _sigmoid(a * m.decision_function(X) + b)
            for m, (a, b) in zip(self.models_, self.platt_, strict=True)
        ]
        return np.column_stack(cols) if cols else np.zeros((X.shape[0], 0))

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return (proba >= np.asarray(self.thresholds_)[None, :]).astype(int)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _fit_platt(margin: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: a logistic regression of the label on the margin (Platt 1999 target smoothing)."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 1.0, 0.0
    hi = (n_pos + 1.0) / (n_pos + 2.0)
    lo = 1.0 / (n_neg + 2.0)
    target = np.where(y == 1, hi, lo)
    a, b = 1.0, 0.0
    for _ in range(100):  # Newton iterations on the smoothed log loss
        p = _sigmoid(a * margin + b)
        g_a = float(np.sum((p - target) * margin))
        g_b = float(np.sum(p - target))
        w = p * (1 - p) + 1e-12
        h_aa = float(np.sum(w * margin * margin)) + 1e-9
        h_ab = float(np.sum(w * margin))
        h_bb = float(np.sum(w)) + 1e-9
        det = h_aa * h_bb - h_ab * h_ab
        if det <= 0:
            break
        da = (h_bb * g_a - h_ab * g_b) / det
        db = (h_aa * g_b - h_ab * g_a) / det
        a, b = a - da, b - db
        if abs(da) < 1e-8 and abs(db) < 1e-8:
            break
    return float(a), float(b)


def _tune_threshold(proba: np.ndarray, y: np.ndarray, min_precision: float) -> float:
    best_t, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        pred = proba >= t
        tp = float(np.sum(pred & (y == 1)))
        fp = float(np.sum(pred & (y == 0)))
        fn = float(np.sum(~pred & (y == 1)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        if precision < min_precision:
            continue
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1 + 1e-9:
            best_t, best_f1 = float(t), f1
    return round(best_t, 2)


@dataclass(frozen=True)
class CommentPrediction:
    """What RedLens says about one comment (rates are fractions, probabilities in [0, 1])."""

    sentiment: str
    sentiment_proba: dict[str, float]
    intents: dict[str, float]
    flags: dict[str, bool]
    low_effort: bool
    model_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentiment": self.sentiment,
            "sentiment_proba": self.sentiment_proba,
            "intents": {
                name: {"probability": self.intents[name], "flag": self.flags[name]} for name in self.intents
            },
            "low_effort": self.low_effort,
            "model_version": self.model_version,
        }


@dataclass
class CommentModels:
    """The fitted sentiment and intent pipelines that serve together, with their versions."""

    sentiment: Pipeline
    intents: Pipeline
    sentiment_version: str
    intents_version: str

    @property
    def version(self) -> str:
        return f"sentiment:{self.sentiment_version}+intents:{self.intents_version}"

    @property
    def thresholds(self) -> dict[str, float]:
        """The intent model's decision threshold per intent name."""
        clf = self.intents.named_steps["clf"]
        return {str(name): float(t) for name, t in zip(clf.intents, clf.thresholds_, strict=True)}

    def version_of(self, task: str) -> str:
        """The version serving ``task`` ("sentiment" or "intents")."""
        if task == "sentiment":
            return self.sentiment_version
        if task == "intents":
            return self.intents_version
        raise ValueError(f"unknown task {task!r}: expected 'sentiment' or 'intents'")

    @property
    def shares_features(self) -> bool:
        """True when both pipelines were trained on one fitted feature union (computed once per batch)."""
        a = getattr(self.sentiment.named_steps.get("features"), "fitted_id_", None)
        b = getattr(self.intents.named_steps.get("features"), "fitted_id_", None)
        return a is not None and a == b

    def predict(self, texts: Sequence[Any]) -> list[CommentPrediction]:
        """Batch prediction; features are computed once per pipeline over the whole batch."""
        from models.low_effort import is_low_effort

        if len(texts) == 0:
            return []
        docs = [t if isinstance(t, str) else normalize(t) for t in texts]
        clf: IntentClassifier = self.intents.named_steps["clf"]
        if self.shares_features:
            X = self.sentiment.named_steps["features"].transform(docs)
            s_proba = self.sentiment.named_steps["clf"].predict_proba(X)
        else:
            s_proba = self.sentiment.predict_proba(docs)
            X = self.intents[:-1].transform(docs)
        i_proba = clf.predict_proba(X)
        i_flags = clf.predict(X)
        s_classes = [str(c) for c in self.sentiment.classes_]
        order = [s_classes.index(c) for c in SENTIMENTS]
        names = list(clf.intents)
        version = self.version
        out: list[CommentPrediction] = []
        for k, doc in enumerate(docs):
            sp = {SENTIMENTS[j]: round(float(s_proba[k, order[j]]), 4) for j in range(len(SENTIMENTS))}
            ip = {names[j]: round(float(i_proba[k, j]), 4) for j in range(len(names))}
            flags = {names[j]: bool(i_flags[k, j]) for j in range(len(names))}
            out.append(
                CommentPrediction(
                    sentiment=max(sp, key=lambda c: sp[c]),
                    sentiment_proba=sp,
                    intents=ip,
                    flags=flags,
                    low_effort=is_low_effort(doc),
                    model_version=version,
                )
            )
        return out


class ModelCache:
    """Loaded comment-model pairs of one models folder, for serving and for worker processes.

    A new pair reuses every pipeline of the same version already loaded (by this cache or passed
    as ``reuse``), so each version is read from disk once; beyond ``capacity`` pairs the least
    recently used one is dropped (a pair costs about 100 MB). Safe to share between threads.
    """

    def __init__(self, models_dir: Path, capacity: int = 4) -> None:
        self.models_dir = models_dir
        self.capacity = capacity
        self._pairs: OrderedDict[tuple[str, str], CommentModels] = OrderedDict()
        self._lock = threading.RLock()

    def get(
        self,
        sentiment_version: str,
        intents_version: str,
        *,
        reuse: Iterable[CommentModels] = (),
        folders: Sequence[Path] = (),
        keep: bool = True,
    ) -> CommentModels:
        """The cached pair of these versions, loaded and kept on first use; with ``keep`` false, a new
        pair not kept (reusing the loaded pipelines of ``reuse`` and the cache). Versions not loaded yet
        are read from the first of ``folders`` that holds them (default: the cache's folder)."""
        key = (sentiment_version, intents_version)
        with self._lock:
            cached = self._pairs.get(key) if keep else None
            if cached is not None:
                self._pairs.move_to_end(key)
                return cached
            models = self._load(key, [*reuse, *self._pairs.values()], list(folders) or [self.models_dir])
            if keep:
                self._pairs[key] = models
                while len(self._pairs) > self.capacity:
                    self._pairs.popitem(last=False)
            return models

    @staticmethod
    def _load(key: tuple[str, str], loaded: list[CommentModels], search: list[Path]) -> CommentModels:
        from models.artifacts import find_version, load_pipeline

        pipes: dict[str, Pipeline] = {}
        for task, version in zip(("sentiment", "intents"), key, strict=True):
            found = next((getattr(m, task) for m in loaded if m.version_of(task) == version), None)
            if found is None:
                found, _ = load_pipeline(task, version, find_version(task, version, search))
            pipes[task] = found
        return CommentModels(pipes["sentiment"], pipes["intents"], *key)


@lru_cache(maxsize=8)
def process_cache(models_dir: str) -> ModelCache:
    """This process's cache of ``models_dir`` (worker processes and Dask workers load a pair once)."""
    return ModelCache(Path(models_dir))


def load_comment_models(
    models_dir: Path | None = None,
    *,
    sentiment_version: str | None = None,
    intents_version: str | None = None,
) -> CommentModels:
    """Load the current (or the named) verified sentiment and intent artifacts."""
    from models.artifacts import MODELS_DIR, ArtifactError, current_version

    base = models_dir or MODELS_DIR
    versions: dict[str, str] = {}
    for task, wanted in (("sentiment", sentiment_version), ("intents", intents_version)):
        version = wanted or current_version(task, base)
        if version is None:
            raise ArtifactError(
                f"no current {task} model in {base}/registry.json; run `make train` or `redlens models ensure`"
            )
        versions[task] = version
    return ModelCache(base).get(versions["sentiment"], versions["intents"], keep=False)
