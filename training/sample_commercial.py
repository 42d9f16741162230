"""Draw the commercial labelling sample from the six product / sponsored / brand folders.

Half the rows are random within notes (notes visited round-robin in a seeded order, one comment at
a time, so every note, every sponsored note and as many brand threads as the quota allows are
represented); half are the rows the current models are least sure about (:mod:`training.active`),
at most a few per note. Exact and near-exact duplicates (same skeleton) are drawn once.

    python -m training.sample_commercial --out /tmp/labelling

writes ``sample.csv`` (provenance, sample, note_key and the text for the annotators' batches:
a working file, never committed) and prints the counts per folder and kind.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from training.datasets import COMMERCIAL_FOLDERS, default_shared_dir, skeleton

SEED = 20261207
# folder: ((random quota, active quota) of the first round, the same of later rounds); later rounds
# take what is left of the small folders and more of the large ones.
QUOTAS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "xhs_brand_account_threads_bradleon": ((950, 950), (1000, 1000)),
    "xhs_silver_kol_vlogs_trumpmax": ((1100, 1000), (1200, 1200)),
    "xhs_home_window_opener_and_sidehustle_yujianwen": ((550, 550), (450, 450)),
    "xhs_indonesia_travel_tours_digred": ((420, 420), (350, 350)),
    "xhs_car_stickers_wraps_zion": ((150, 130), (20, 20)),
    "xhs_coupon_deal_notes_noxue": ((100, 80), (15, 15)),
}
SPONSORED_NOTES = {
    "681196db00000000230127a5",
    "682d4003000000002202d4fa",
    "6841733f000000000c0395f7",
    "684e73360000000023013c64",
    "684bec73000000002202c4c7",
    "684794f7000000002202c764",
    "67fa41d1000000001c0068bf",
}
BRAND_REPLY_SHARE = 0.15  # of the brand folder's random quota; the rest are commenters
MAX_ACTIVE_PER_NOTE = 12
MAX_ACTIVE_PER_SPONSORED_NOTE = 80  # seven sponsored notes carry half the folder's active quota


def load_pool(shared: Path) -> pd.DataFrame:
    frames = []
    for folder in COMMERCIAL_FOLDERS:
        df = pd.read_csv(shared / folder / "comments.csv", dtype=str, keep_default_na=False)
        df["row"] = np.arange(len(df))
        df["folder"] = folder
        if "thread_id" in df.columns:
            df["note_key"] = df["thread_id"]
        else:
            df["note_key"] = df["note_id"]
        if "author_role" not in df.columns:
            df["author_role"] = "commenter"
        frames.append(
            df[
                [
                    "folder",
                    "row",
                    "note_key",
                    "note_title",
                    "text",
                    "author_role",
                    "parent_comment_id",
                    "comment_id",
                ]
            ]
        )
    pool = pd.concat(frames, ignore_index=True)
    pool = pool[pool["text"].str.strip() != ""]
    pool["skeleton"] = [skeleton(t) for t in pool["text"]]
    pool = pool[pool["skeleton"] != ""].drop_duplicates("skeleton")
    return pool.reset_index(drop=True)


def round_robin(df: pd.DataFrame, k: int, rng: np.random.Generator) -> list[int]:
    """Up to ``k`` row indices of ``df``: one random comment per note per round."""
    by_note = {str(key): list(rng.permutation(idx)) for key, idx in df.groupby("note_key").indices.items()}
    keys = list(rng.permutation(sorted(by_note)))
    picked: list[int] = []
    while len(picked) < k and keys:
        nxt = []
        for key in keys:
            if len(picked) >= k:
                break
            picked.append(int(df.index[by_note[key].pop()]))
            if by_note[key]:
                nxt.append(key)
        keys = nxt
    return picked


def random_half(
    pool: pd.DataFrame, quotas: dict[str, tuple[int, int]], rng: np.random.Generator
) -> list[int]:
    picked: list[int] = []
    for folder, (k, _) in quotas.items():
        sub = pool[pool["folder"] == folder]
        if folder == "xhs_brand_account_threads_bradleon":
            replies = sub[sub["author_role"] == "brand_account"]
            n_reply = int(k * BRAND_REPLY_SHARE)
            picked += round_robin(replies, n_reply, rng)
            picked += round_robin(sub[sub["author_role"] != "brand_account"], k - n_reply, rng)
        elif folder == "xhs_silver_kol_vlogs_trumpmax":
            sponsored = sub["note_key"].isin(SPONSORED_NOTES)
            n_sp = int(k * 0.6)
            picked += round_robin(sub[sponsored], n_sp, rng)
            picked += round_robin(sub[~sponsored], k - n_sp, rng)
        else:
            picked += round_robin(sub, k, rng)
    return picked


def active_half(
    pool: pd.DataFrame,
    taken: set[int],
    quotas: dict[str, tuple[int, int]],
    models_dir: Path | None,
    max_per_note: int = MAX_ACTIVE_PER_NOTE,
    rare_weight: float = 0.0,
) -> list[int]:
    from snownlp import SnowNLP

    from models.comments import load_comment_models
    from training.active import rare_class_score, usefulness

    models = load_comment_models(models_dir)
    cand = pool[~pool.index.isin(taken) & (pool["author_role"] != "brand_account")]
    texts = cand["text"].tolist()
    # Favour the classes the corpus has few of (negatives, skepticism, paid suspicion, spam).
    rare = rare_class_score(models, texts) if rare_weight else np.zeros(len(texts))
    first = (1.0 - rare_weight) * usefulness(models, texts).score + rare_weight * rare
    cand = cand.assign(u=first, u_rare=rare)
    picked: list[int] = []
    for folder, (_, k) in quotas.items():
        sub = cand[cand["folder"] == folder]
        if folder == "xhs_silver_kol_vlogs_trumpmax":
            # Sponsored notes get half the active quota despite being a small part of the folder.
            parts = [
                (sub[sub["note_key"].isin(SPONSORED_NOTES)], k // 2),
                (sub[~sub["note_key"].isin(SPONSORED_NOTES)], k - k // 2),
            ]
        else:
            parts = [(sub, k)]
        for part, quota in parts:
            # Second opinion (SnowNLP) on the most uncertain candidates only: it reads ~300/s.
            top = part.nlargest(min(len(part), quota * 3), "u")
            second = [SnowNLP(t).sentiments for t in top["text"]]
            scores = usefulness(models, top["text"].tolist(), second_opinion=second).score
            if rare_weight:
                scores = (1.0 - rare_weight) * scores + rare_weight * top["u_rare"].to_numpy()
            top = top.assign(s=scores).sort_values("s", ascending=False, kind="stable")
            per_note: dict[str, int] = {}
            for idx, key in zip(top.index, top["note_key"], strict=True):
                cap = MAX_ACTIVE_PER_SPONSORED_NOTE if key in SPONSORED_NOTES else max_per_note
                if per_note.get(key, 0) >= cap:
                    continue
                per_note[key] = per_note.get(key, 0) + 1
                picked.append(int(idx))
                quota -= 1
                if quota == 0:
                    break
    return picked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--round", type=int, default=1, help="labelling round; later rounds skip labelled rows")
    ap.add_argument("--models-dir", type=Path, default=None, help="models that score the active half")
    ap.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="FOLDER=RANDOM,ACTIVE",
        help="override one folder's quotas (repeatable); folders not named keep the round's defaults",
    )
    ap.add_argument("--max-active-per-note", type=int, default=MAX_ACTIVE_PER_NOTE)
    ap.add_argument(
        "--rare-weight",
        type=float,
        default=0.0,
        help="share of the active score given to the rare classes (training.active.rare_class_score)",
    )
    args = ap.parse_args()
    rng = np.random.default_rng(SEED + args.round - 1)
    pool = load_pool(args.shared or default_shared_dir())
    quotas = {folder: rounds[0 if args.round == 1 else 1] for folder, rounds in QUOTAS.items()}
    for spec in args.quota:
        folder, _, counts = spec.partition("=")
        if folder not in quotas or counts.count(",") != 1:
            ap.error(f"--quota {spec!r}: expected FOLDER=RANDOM,ACTIVE with FOLDER one of {sorted(quotas)}")
        r, a = counts.split(",")
        quotas[folder] = (int(r), int(a))
    if args.round > 1:
        from training.datasets import read_project_labels

        done = set(read_project_labels()["provenance"])
        pool = pool[~("real:" + pool["folder"] + ":" + pool["row"].astype(str)).isin(done)]
    rand = random_half(pool, quotas, rng)
    act = active_half(pool, set(rand), quotas, args.models_dir, args.max_active_per_note, args.rare_weight)
    sample = pd.concat([pool.loc[rand].assign(sample="random_note"), pool.loc[act].assign(sample="active")])
    sample["provenance"] = "real:" + sample["folder"] + ":" + sample["row"].astype(str)
    args.out.mkdir(parents=True, exist_ok=True)
    sample.to_csv(args.out / "sample.csv", index=False)
    print(sample.groupby(["folder", "sample"]).size().to_string())
    print("total", len(sample))


if __name__ == "__main__":
    main()
