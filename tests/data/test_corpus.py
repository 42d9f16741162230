"""Validate the project's labelled corpus (corpora/xhs_comments) and its splits."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from models.labels import INTENTS, SENTIMENTS
from models.text import normalize
from tests.utils.corpora import REAL_ROW_ID
from training.datasets import (
    CORPUS_COLUMNS,
    PROJECT_CORPUS_DIR,
    REAL_SOURCES,
    VERTICALS,
    assign_splits,
    default_shared_dir,
    group_sides,
    load_project_corpus,
    read_frozen_splits,
    read_project_labels,
)

PROVENANCE = re.compile(rf"written|{REAL_ROW_ID.pattern}")  # a fullmatch: written, or a real row


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return read_project_labels()


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    if not (default_shared_dir() / "xhs_citywalk_chengdu_comments").exists():
        pytest.skip(f"public corpora not found at {default_shared_dir()} (set REDLENS_SHARED_CORPORA_DIR)")
    df = load_project_corpus()
    df["split"] = assign_splits(df, frozen=read_frozen_splits(PROJECT_CORPUS_DIR))
    return df


def test_corpus_schema_and_allowed_values(labels: pd.DataFrame) -> None:
    assert list(labels.columns[: len(CORPUS_COLUMNS)]) == list(CORPUS_COLUMNS)
    assert labels["sentiment"].isin(SENTIMENTS).all()
    for name in INTENTS:
        assert labels[name].isin(["0", "1"]).all(), name
    assert labels["vertical"].isin(VERTICALS).all()
    bad = [p for p in labels["provenance"] if not PROVENANCE.fullmatch(p)]
    assert bad == []
    folders = {
        m.group("folder")
        for p in labels["provenance"]
        if (m := PROVENANCE.fullmatch(p)) and m.group("folder")
    }
    assert folders <= set(REAL_SOURCES)


def test_real_rows_store_no_text(labels: pd.DataFrame) -> None:
    real = labels[labels["provenance"].str.startswith("real:")]
    assert (real["text"] == "").all()
    assert (real["id"] == real["provenance"]).all()


def test_written_rows_have_text_and_note(labels: pd.DataFrame) -> None:
    written = labels[labels["provenance"] == "written"]
    assert (written["text"].str.strip() != "").all()
    assert (written["note_key"] != "").all()


def test_ids_are_unique(labels: pd.DataFrame) -> None:
    assert labels["id"].is_unique


def test_corpus_size_and_coverage(labels: pd.DataFrame) -> None:
    assert len(labels) >= 6000
    assert labels["provenance"].str.startswith("real:").sum() >= 2000
    assert labels["vertical"].nunique() >= 8
    for name in INTENTS:
        assert (labels[name] == "1").sum() >= 600, name


def test_no_duplicate_texts(corpus: pd.DataFrame) -> None:
    norm = corpus["text"].map(normalize).str.replace(r"\s+", "", regex=True)
    dup = corpus[norm.duplicated(keep=False) & (norm != "")]
    assert dup.empty, dup[["id", "text"]].head(10).to_string()


def test_real_texts_join_and_are_not_empty(corpus: pd.DataFrame) -> None:
    real = corpus[corpus["source"] == "real"]
    assert (real["text"].str.strip() != "").all()


def test_splits_keep_texts_and_notes_on_one_side(corpus: pd.DataFrame) -> None:
    kept = corpus[corpus["split"] != "excluded"]
    skeleton = kept["text"].map(normalize).str.replace(r"[^\w\u4e00-\u9fff]+", "", regex=True)
    train_texts = set(skeleton[kept["split"] == "train"])
    test_texts = set(skeleton[kept["split"] == "test"])
    assert not (train_texts & test_texts)
    with_note = kept[kept["note_key"] != ""]
    sides = with_note.groupby(["corpus", "note_key"])["split"].nunique()
    assert (sides == 1).all(), sides[sides > 1].head()


def test_test_split_holds_enough_real_comments(corpus: pd.DataFrame) -> None:
    test = corpus[corpus["split"] == "test"]
    assert (test["source"] == "real").sum() >= 600
    for folder in REAL_SOURCES:
        assert (test["corpus"] == folder).sum() > 0, folder


def test_splits_are_deterministic(corpus: pd.DataFrame) -> None:
    again = assign_splits(corpus.drop(columns=["split"]), frozen=read_frozen_splits(PROJECT_CORPUS_DIR))
    assert (again == corpus["split"]).all()


def test_frozen_splits_name_only_groups_of_the_corpus(corpus: pd.DataFrame) -> None:
    """corpora/xhs_comments/splits.tsv holds the sides the shipped models were trained with: every
    group it names is in the corpus, on that side."""
    frozen = read_frozen_splits(PROJECT_CORPUS_DIR)
    assert frozen, "splits.tsv is missing: `redlens train` writes it"
    sides = group_sides(corpus, frozen)
    assert set(frozen) <= set(sides)
    assert all(sides[k] == s for k, s in frozen.items())


def test_second_annotator_sample_refers_to_labelled_rows(labels: pd.DataFrame) -> None:
    from pathlib import Path

    second = pd.read_csv(
        Path(__file__).resolve().parents[2] / "corpora" / "agreement" / "second_annotator.csv", dtype=str
    )
    assert set(second["provenance"]) <= set(labels["provenance"])
    assert second["sentiment"].isin(SENTIMENTS).all()


def _count_table(text: str) -> dict[str, list[int]]:
    """The "Label counts" table of GUIDELINES.md: row name -> its numbers."""
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in ("real", "written", "all") and len(cells) == 10:
            out[cells[0]] = [int(c.replace(",", "")) for c in cells[1:]]
    return out


def test_guidelines_label_counts_match_the_corpus(labels: pd.DataFrame) -> None:
    """The counts GUIDELINES.md publishes are the corpus's, so they cannot silently go stale."""
    table = _count_table((PROJECT_CORPUS_DIR.parent / "GUIDELINES.md").read_text(encoding="utf-8"))
    is_real = labels["provenance"].str.startswith("real:")
    for name, rows in (("real", labels[is_real]), ("written", labels[~is_real]), ("all", labels)):
        sentiments = [int((rows["sentiment"] == s).sum()) for s in ("positive", "neutral", "negative")]
        intents = [int((rows[i] == "1").sum()) for i in INTENTS]
        assert table[name] == [len(rows), *sentiments, *intents], name


def test_second_pass_agrees_with_the_final_label_unless_adjudicated(labels: pd.DataFrame) -> None:
    """Final labels are the two passes' shared label, or the adjudicator's where they differed."""
    second = pd.read_csv(PROJECT_CORPUS_DIR.parent / "agreement" / "second_pass.csv", dtype=str)
    assert second["id"].is_unique
    final = labels.set_index("provenance").loc[second["id"]]
    assert second["sentiment"].isin(SENTIMENTS).all()
    columns = ["sentiment", *INTENTS]
    same = (final[columns].to_numpy() == second[columns].to_numpy()).all(axis=1)
    adjudicated = final["labeller"].str.contains("+adjudicated:", regex=False).to_numpy()
    assert final["labeller"].str.contains("+second:", regex=False).all()
    assert (same | adjudicated).all()
    assert adjudicated.sum() > 0


def test_commercial_double_reading_matches_the_published_agreement(labels: pd.DataFrame) -> None:
    """GUIDELINES.md's commercial agreement table is recomputed from the stored readings."""
    import re

    from sklearn.metrics import cohen_kappa_score, f1_score

    double = pd.read_csv(PROJECT_CORPUS_DIR.parent / "agreement" / "commercial_double_read.csv", dtype=str)
    assert len(double) >= 1000 and double["id"].is_unique
    final = labels.set_index("id")
    assert set(double["id"]) <= set(final.index)
    text = (PROJECT_CORPUS_DIR.parent / "GUIDELINES.md").read_text(encoding="utf-8")
    assert f"(n = {len(double):,})" in text
    row = re.search(r"^\| sentiment \| ([\d.]+)% \| ([\d.]+) \| macro-F1 ([\d.]+) \|", text, re.M)
    assert row is not None
    first, second = double["sentiment_first"], double["sentiment_second"]
    assert float(row.group(1)) == round(100 * float((first == second).mean()), 1)
    assert float(row.group(2)) == round(cohen_kappa_score(first, second), 2)
    assert float(row.group(3)) == round(f1_score(first, second, average="macro"), 2)
    for name in INTENTS:
        m = re.search(rf"^\| {name} \| \| ([\d.]+) \| ([\d.]+) \| (\d+) \|", text, re.M)
        assert m is not None, name
        a, b = double[f"{name}_first"], double[f"{name}_second"]
        assert float(m.group(1)) == round(cohen_kappa_score(a, b), 2), name
        assert float(m.group(2)) == round(f1_score(a == "1", b == "1"), 2), name
        assert int(m.group(3)) == int((a == "1").sum()), name
    # Where both blind readings agree and nobody re-read the row, the final label is theirs.
    agreed = double[
        (double["sentiment_first"] == double["sentiment_second"])
        & (
            double[[f"{n}_first" for n in INTENTS]].to_numpy()
            == double[[f"{n}_second" for n in INTENTS]].to_numpy()
        ).all(axis=1)
    ].set_index("id")
    plain = agreed[~final.loc[agreed.index, "labeller"].str.contains("reread|adj")]
    assert (final.loc[plain.index, "sentiment"] == plain["sentiment_first"]).all()
