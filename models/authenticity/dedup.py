"""Near-duplicate comments: MinHash with locality-sensitive hashing over character shingles.

Texts are the output of :func:`models.text.normalize` with whitespace and punctuation removed
(:func:`shingle_text`). A text of at least ``short_chars`` characters is cut into character
``k``-grams, a shorter one into ``short_k``-grams. Two texts are near-duplicates when the Jaccard
similarity of their shingle sets is at least ``threshold``; groups are the connected components.

MinHash: for each of ``num_perm`` universal hash functions ``h(x) = (a*x + b) mod p`` over the
CRC-32 of each shingle (``p = 2**32 + 15``, a prime), a text's signature keeps the minimum. The
probability that two signatures agree in one position equals their Jaccard similarity. LSH cuts
the signature into ``bands`` bands of ``r = num_perm / bands`` rows; texts sharing a whole band
become candidates, which happens with probability ``1 - (1 - J**r)**bands``: with 32 bands of 2
rows, 0.9999 at ``J = 0.5`` and 0.08 at ``J = 0.05`` (16 bands of 4 rows would miss a third of
the pairs at 0.5). Candidates are then verified with the exact Jaccard, so LSH only ever loses
pairs, it never invents them. Cost is about linear in the
number of texts, against the quadratic all-pairs check of :func:`naive_near_duplicate_groups`.
"""

from __future__ import annotations

import functools
import itertools
import re
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

_PRIME = np.uint64(4294967311)  # 2**32 + 15
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


_STICKER = re.compile(r"\[[^\[\]]{1,16}\]")  # XHS stickers such as [哭惹R], [doge]
_MENTION = re.compile(r"@\S+")


def shingle_text(normalized: str) -> str:
    """The normalised text without whitespace, punctuation and symbols (emoji included)."""
    return _DROP.sub("", normalized)


def content_text(normalized: str) -> str:
    """What a comment says in words: :func:`shingle_text` without stickers and @mentions. Replies
    made only of stickers, emoji or a mention have none."""
    return shingle_text(_MENTION.sub("", _STICKER.sub("", normalized)))


def shingles(text: str, *, k: int = 3, short_k: int = 2, short_chars: int = 8) -> frozenset[str]:
    """Character ``k``-grams of ``text`` (``short_k``-grams when it is shorter than ``short_chars``)."""
    size = k if len(text) >= short_chars else short_k
    if len(text) < size:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + size] for i in range(len(text) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return [g for g in out.values() if len(g) > 1]


def _permutations(num_perm: int, seed: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**32 - 1, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_signatures(
    sets: Sequence[frozenset[str]], *, num_perm: int = 64, seed: int = 1
) -> NDArray[np.uint64]:
    """MinHash signatures, one row per non-empty shingle set (``num_perm`` columns)."""
    if not sets:
        return np.zeros((0, num_perm), dtype=np.uint64)
    lengths = np.array([len(s) for s in sets], dtype=np.int64)
    if np.any(lengths == 0):
        raise ValueError("minhash_signatures got an empty shingle set; drop empty texts first")
    flat = np.fromiter(
        (zlib.crc32(sh.encode("utf-8")) for s in sets for sh in s), dtype=np.uint64, count=int(lengths.sum())
    )
    a, b = _permutations(num_perm, seed)
    # a, x < 2**32 so a*x + b < 2**64: no overflow in uint64.
    hashed = (flat[:, None] * a[None, :] + b[None, :]) % _PRIME
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.minimum.reduceat(hashed, offsets, axis=0)


def _lsh_pairs(signatures: NDArray[np.uint64], bands: int) -> set[tuple[int, int]]:
    _n, num_perm = signatures.shape
    if num_perm % bands:
        raise ValueError(f"num_perm={num_perm} is not a multiple of bands={bands}")
    rows = num_perm // bands
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        block = np.ascontiguousarray(signatures[:, band * rows : (band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        for bucket in np.flatnonzero(counts > 1):
            members = np.flatnonzero(inverse == bucket)
            # Star plus chain: linear in the bucket size, and enough to connect a true cluster.
            first = int(members[0])
            prev = first
            for m in members[1:]:
                m = int(m)
                pairs.add((first, m))
                pairs.add((prev, m))
                prev = m
    return pairs


def near_duplicate_groups(
    texts: Sequence[str],
    *,
    threshold: float = 0.5,
    k: int = 3,
    short_k: int = 2,
    short_chars: int = 8,
    min_chars: int = 4,
    num_perm: int = 64,
    bands: int = 32,
    seed: int = 1,
    exhaustive: bool = False,
) -> list[list[int]]:
    """Groups (indices into ``texts``) of texts that are near-duplicates, via MinHash LSH.

    ``texts`` should already be :func:`shingle_text` output; texts shorter than ``min_chars`` are
    left out (identical texts of at least ``min_chars`` always land in one group). With
    ``exhaustive`` every pair is a candidate instead of the LSH ones (O(n**2)): the exact baseline.
    """
    keep = [i for i, t in enumerate(texts) if len(t) >= min_chars]
    sets = [shingles(texts[i], k=k, short_k=short_k, short_chars=short_chars) for i in keep]
    uf = _UnionFind(len(texts))
    if len(keep) < 2:
        return []
    # Identical texts first (cheap), then one representative each goes through MinHash.
    first_of: dict[str, int] = {}
    reps: list[int] = []
    for pos, i in enumerate(keep):
        j = first_of.setdefault(texts[i], i)
        if j != i:
            uf.union(j, i)
        else:
            reps.append(pos)
    rep_sets = [sets[p] for p in reps]
    candidates: Iterable[tuple[int, int]] = (
        itertools.combinations(range(len(reps)), 2)
        if exhaustive
        else _lsh_pairs(minhash_signatures(rep_sets, num_perm=num_perm, seed=seed), bands)
    )
    for x, y in candidates:
        if jaccard(rep_sets[x], rep_sets[y]) >= threshold:
            uf.union(keep[reps[x]], keep[reps[y]])
    return uf.groups()


naive_near_duplicate_groups = functools.partial(near_duplicate_groups, exhaustive=True)
"""The all-pairs baseline: exact Jaccard for every pair (O(n**2)); same output contract."""
