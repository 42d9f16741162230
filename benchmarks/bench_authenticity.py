"""Authenticity scoring throughput, next to a baseline measured in the same run.

Run: ``python -m benchmarks.bench_authenticity [--accounts N] [--comments N] [--naive N]``

Accounts are simulated (``training/simulate.py``, eval-half comment pools when the shared
corpora exist): about 90 days of follower snapshots, 20 notes and up to ``--comments`` collected
comments each (mid and macro tiers, so that enough comments exist). It prints:

* ``score_account``: whole accounts scored per second (all signals, evidence, chart series);
* near-duplicate detection on the same comment sets (the unique normalised texts of each
  account, as the score uses them): MinHash LSH (``near_duplicate_groups``) against the naive
  all-pairs Jaccard baseline (``naive_near_duplicate_groups``), time per account and whether the
  two found the same groups. The naive baseline runs on the first ``--naive`` accounts only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from models.authenticity import load_calibration, score_account
from models.authenticity.config import CommentConfig
from models.authenticity.dedup import naive_near_duplicate_groups, near_duplicate_groups, shingle_text
from models.text import normalize
from training.simulate import DEFAULT_CORPORA_DIR, load_comment_pools, simulate_accounts


def _unique_texts(texts: list[str]) -> list[str]:
    return sorted({shingle_text(normalize(t)) for t in texts} - {""})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--naive", type=int, default=5, help="accounts to run the naive baseline on")
    parser.add_argument("--seed", type=int, default=77)
    args = parser.parse_args()

    pools = load_comment_pools(DEFAULT_CORPORA_DIR if DEFAULT_CORPORA_DIR.is_dir() else None, "eval")
    t0 = time.perf_counter()
    sims = simulate_accounts(
        args.seed,
        args.accounts,
        pools=pools,
        max_comments=args.comments,
        missing_data=False,
        days=90,
        notes=20,
        tiers=["mid", "macro"],
    )
    simulate_s = time.perf_counter() - t0
    calibration = load_calibration()
    score_account(sims[0].account, calibration=calibration)  # warm-up: segmenter, caches

    comments = [len(s.account.comments) for s in sims]
    snapshots = [len(s.account.follower_snapshots) for s in sims]
    t0 = time.perf_counter()
    for s in sims:
        score_account(s.account, calibration=calibration)
    score_s = time.perf_counter() - t0

    cfg = CommentConfig()
    kwargs = cfg.near_duplicate_similarity()
    texts = [_unique_texts([c.text for c in s.account.comments]) for s in sims]
    lsh_times, naive_times, same = [], [], 0
    for i, unique in enumerate(texts):
        t0 = time.perf_counter()
        lsh = near_duplicate_groups(
            unique, num_perm=cfg.minhash_permutations, bands=cfg.minhash_bands, **kwargs
        )
        lsh_times.append(time.perf_counter() - t0)
        if i < args.naive:
            t0 = time.perf_counter()
            naive = naive_near_duplicate_groups(unique, **kwargs)
            naive_times.append(time.perf_counter() - t0)
            same += sorted(map(sorted, lsh)) == sorted(map(sorted, naive))

    print(f"accounts: {len(sims)} (simulated in {simulate_s:.1f} s, comment pools '{pools.source}')")
    print(
        f"per account: {statistics.mean(snapshots):.0f} follower snapshots over 90 days, 20 notes, "
        f"{statistics.mean(comments):.0f} comments (min {min(comments)}, max {max(comments)}), "
        f"{statistics.mean(len(t) for t in texts):.0f} unique texts"
    )
    print()
    print(f"{'what':<44}{'per account':>14}{'accounts/s':>12}")
    print(
        f"{'score_account (everything)':<44}{1000 * score_s / len(sims):>11.1f} ms{len(sims) / score_s:>12.2f}"
    )
    lsh_mean = statistics.mean(lsh_times)
    print(f"{'near-duplicates: MinHash LSH':<44}{1000 * lsh_mean:>11.1f} ms{1 / lsh_mean:>12.1f}")
    if naive_times:
        naive_mean = statistics.mean(naive_times)
        print(
            f"{'near-duplicates: naive all-pairs (baseline)':<44}{1000 * naive_mean:>11.1f} ms{1 / naive_mean:>12.1f}"
        )
        print()
        print(
            f"MinHash LSH is {naive_mean / lsh_mean:.0f}x faster than the all-pairs check and found the same "
            f"groups on {same} of {len(naive_times)} accounts"
        )


if __name__ == "__main__":
    main()
