"""Validate corpora/aspects: labels, second reading, taxonomy, lexicons."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from models.aspects import (
    ASPECTS_DIR,
    LEXICON_PATH,
    NOT_AN_ASPECT,
    OPINIONS_PATH,
    load_aspect_lexicon,
    not_aspects,
    read_taxonomy,
)
from tests.utils.corpora import REAL_ROW_ID
from training.datasets import COMMERCIAL_FOLDERS
from training.evaluate_aspects import parse_aspects


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(ASPECTS_DIR / "labels.csv", dtype=str, keep_default_na=False)


def test_labels_are_real_commercial_rows_without_text(labels: pd.DataFrame) -> None:
    assert list(labels.columns) == ["id", "note_key", "aspects", "labeller"]
    assert len(labels) >= 500 and labels["id"].is_unique
    matches = [REAL_ROW_ID.fullmatch(i) for i in labels["id"]]
    assert all(matches)
    assert {m.group("folder") for m in matches if m} <= set(COMMERCIAL_FOLDERS)


def test_label_aspects_are_taxonomy_keys(labels: pd.DataFrame) -> None:
    keys = set(read_taxonomy())
    for cell in labels["aspects"]:
        assert set(parse_aspects(cell)) <= keys, cell


def test_second_reading_covers_200_labelled_rows(labels: pd.DataFrame) -> None:
    second = pd.read_csv(ASPECTS_DIR / "second_reading.csv", dtype=str, keep_default_na=False)
    assert len(second) == 200 and set(second["id"]) <= set(labels["id"])
    marked = set(labels.loc[labels["labeller"].str.contains("second:"), "id"])
    assert set(second["id"]) == marked


def test_lexicon_rows_are_valid_and_unambiguous() -> None:
    taxonomy = read_taxonomy()
    with Path(LEXICON_PATH).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    seen: set[tuple[str, str]] = set()
    for row in rows:
        assert row["aspect"] in taxonomy or row["aspect"] == NOT_AN_ASPECT, row
        assert row["kind"] in ("explicit", "implicit"), row
        # a term may name different aspects only for different sets of verticals (the narrower wins)
        key = (row["term"], row["vertical"])
        assert key not in seen, key
        seen.add(key)
        if row["aspect"] != NOT_AN_ASPECT and row["kind"] == "explicit":
            assert row["en"], f"{row['term']}: an English gloss is needed for summaries"


def test_opinion_rows_are_valid() -> None:
    taxonomy = read_taxonomy()
    terms = {e.term for e in load_aspect_lexicon().entries}
    with Path(OPINIONS_PATH).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 400
    for row in rows:
        assert row["polarity"] in ("1", "-1"), row
        scope = row["scope"]
        assert scope == "*" or scope in taxonomy or scope.removeprefix("term=") in terms, row


def test_not_aspects_do_not_hide_lexicon_terms() -> None:
    lexicon_terms = {e.term for e in load_aspect_lexicon().entries if e.aspect != NOT_AN_ASPECT}
    assert not (not_aspects() & lexicon_terms)
