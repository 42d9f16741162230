"""Splits by note: deterministic, never straddling, and frozen once models are trained on them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from training.datasets import (
    assign_splits,
    group_sides,
    read_frozen_splits,
    write_frozen_splits,
)


def _rows(corpus: str, notes: dict[str, int], start: int = 0) -> pd.DataFrame:
    """``notes`` maps a note key to how many labelled comments it has; texts are all distinct."""
    rows = []
    n = start
    for note, count in notes.items():
        for _ in range(count):
            rows.append(
                {
                    "provenance": f"real:{corpus}:{n}",
                    "corpus": corpus,
                    "note_key": note,
                    "text": f"第{n}条评论 {note} 独一无二的内容编号{n * 7919}",
                    "sentiment": "negative" if n % 9 == 0 else "neutral",
                    "skepticism": "1" if n % 31 == 0 else "0",
                    "paid_suspicion": "0",
                    "spam": "1" if n % 47 == 0 else "0",
                }
            )
            n += 1
    return pd.DataFrame(rows)


def _sides(df: pd.DataFrame, frozen: dict[str, str] | None = None) -> dict[str, str]:
    """Each group's side in the split :func:`assign_splits` makes (texts here are all distinct)."""
    split = assign_splits(df, frozen=frozen)
    return {f"{c}:{n}": s for c, n, s in zip(df["corpus"], df["note_key"], split, strict=True)}


def test_new_labels_under_known_notes_move_them_without_frozen_sides_but_not_with_them() -> None:
    for corpus in ("xhs_plant_care_comments", "xhs_silver_kol_vlogs_trumpmax"):  # plain and stratified
        before = _rows(corpus, {f"note{i}": 5 + 3 * i for i in range(12)})
        frozen = _sides(before)
        # A later labelling round adds many comments under two notes and a new note appears.
        grown = pd.concat(
            [before, _rows(corpus, {"note0": 120, "note5": 80, "fresh": 10}, start=len(before))],
            ignore_index=True,
        )
        moved = {k for k, s in _sides(grown).items() if k in frozen and frozen[k] != s}
        assert moved, corpus  # the greedy placement alone re-deals known notes
        kept = _sides(grown, frozen)
        assert {k: kept[k] for k in frozen} == frozen, corpus
        assert kept[f"{corpus}:fresh"] in ("train", "val", "test")


def test_freezing_a_corpus_own_sides_changes_nothing(tmp_path: Path) -> None:
    df = pd.concat(
        [
            _rows("xhs_plant_care_comments", {f"p{i}": 2 + i for i in range(10)}),
            _rows("xhs_brand_account_threads_bradleon", {f"b{i}": 4 + 2 * i for i in range(10)}, start=500),
        ],
        ignore_index=True,
    )
    df["split"] = assign_splits(df)
    path = write_frozen_splits(df, tmp_path)
    assert path.name == "splits.tsv" and "第" not in path.read_text(encoding="utf-8")  # ids only, no text
    frozen = read_frozen_splits(tmp_path)
    assert frozen == group_sides(df) == _sides(df)
    assert (assign_splits(df.drop(columns=["split"]), frozen=frozen) == df["split"]).all()
    assert read_frozen_splits(tmp_path / "missing") == {}
