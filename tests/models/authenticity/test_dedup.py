from __future__ import annotations

import numpy as np

from models.authenticity.config import CommentConfig
from models.authenticity.dedup import (
    jaccard,
    minhash_signatures,
    naive_near_duplicate_groups,
    near_duplicate_groups,
    shingle_text,
    shingles,
)
from models.text import normalize

ITEMS = ("面霜", "口红", "粉底", "裙子", "包包", "精华")
VERBS = ("下单", "回购", "种草", "收藏")


def _texts() -> list[str]:
    rng = np.random.default_rng(0)
    texts = [f"这个{ITEMS[i % 6]}真的太好用了已经{VERBS[i % 4]}了" for i in range(24)]
    # distinct texts: random CJK strings that share nothing systematic
    for _ in range(60):
        texts.append("".join(chr(int(c)) for c in rng.integers(0x4E00, 0x9FA5, size=12)))
    return texts


def test_shingle_text_drops_punctuation_and_spaces() -> None:
    assert shingle_text(normalize("好看！！ 真的 👍")) == "好看真的"


def test_shingles_short_and_long_texts() -> None:
    assert shingles("好看吗", k=3, short_k=2, short_chars=8) == frozenset({"好看", "看吗"})
    assert len(shingles("这个面霜真的太好用了", k=3)) == 8
    assert shingles("好", k=3, short_k=2) == frozenset({"好"})


def test_minhash_agreement_estimates_jaccard() -> None:
    a = shingles("这个面霜真的太好用了已经回购三次了")
    b = shingles("这个面霜真的太好用了已经回购两次了")
    sig = minhash_signatures([a, b], num_perm=256)
    estimate = float(np.mean(sig[0] == sig[1]))
    assert abs(estimate - jaccard(a, b)) < 0.1


def test_near_duplicate_groups_match_the_naive_baseline() -> None:
    texts = [shingle_text(normalize(t)) for t in _texts()]
    lsh = sorted(sorted(g) for g in near_duplicate_groups(texts, threshold=0.5))
    naive = sorted(sorted(g) for g in naive_near_duplicate_groups(texts, threshold=0.5))
    assert lsh == naive
    assert lsh and all(max(g) < 24 for g in lsh)  # only the template texts group together


def test_a_comment_configs_similarity_serves_the_lsh_and_the_naive_grouping() -> None:
    cfg = CommentConfig(near_dup_jaccard=0.6, near_dup_min_chars=5, shingle_size=2)
    options = cfg.near_duplicate_similarity()
    assert (options["threshold"], options["min_chars"], options["k"]) == (0.6, 5, 2)
    texts = [shingle_text(normalize(t)) for t in _texts()]
    lsh = near_duplicate_groups(texts, num_perm=cfg.minhash_permutations, bands=cfg.minhash_bands, **options)
    naive = naive_near_duplicate_groups(texts, **options)
    assert sorted(map(sorted, lsh)) == sorted(map(sorted, naive))
    assert lsh and all(max(g) < 24 for g in lsh)


def test_near_duplicate_groups_identical_texts_and_short_ones() -> None:
    texts = ["完全一样的一句话", "完全一样的一句话", "好看", "好看", "另外一句完全不同的话"]
    groups = near_duplicate_groups(texts, min_chars=4)
    assert groups == [[0, 1]]  # short texts are left to the exact-duplicate check
