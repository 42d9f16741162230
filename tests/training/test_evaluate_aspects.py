"""training.evaluate_aspects on a synthetic fixture in the shape of the real inputs (tests/fixtures/aspects)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from training.evaluate_aspects import (
    AspectEvaluationError,
    note_split,
    parse_aspects,
    run,
    score,
    write_readme,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "aspects"


def always_negative(texts: Sequence[str]) -> list[str]:
    return ["negative"] * len(texts)


@pytest.fixture(scope="module")
def results() -> dict:  # type: ignore[type-arg]
    return run(
        split="all",
        shared_dir=FIXTURE / "shared",
        labels_path=FIXTURE / "labels.csv",
        second_path=FIXTURE / "second_reading.csv",
        sentiment=always_negative,
    )


def test_evaluation_runs_on_the_fixture_with_every_method(results: dict) -> None:  # type: ignore[type-arg]
    assert set(results["xhs"]) == {"set", "baseline", "lexicon + whole-comment sentiment", "aspects"}
    assert set(results["bdci"]) == {"set", "baseline", "lexicon + whole-comment sentiment", "aspects"}
    assert results["xhs"]["aspects"]["comments"] == 8 and results["bdci"]["aspects"]["comments"] == 5


def _headline(figures: dict) -> tuple[float, ...]:  # type: ignore[type-arg]
    return (figures["gold_pairs"], figures["precision"], figures["recall"], figures["sentiment_accuracy"])


def test_xhs_figures(results: dict) -> None:  # type: ignore[type-arg]
    ours, base = results["xhs"]["aspects"], results["xhs"]["baseline"]
    assert _headline(ours) == (10, 1.0, 1.0, 1.0)
    # keywords miss 多少钱 (no price keyword); whole-comment "negative" is right on 4 of 9 found pairs
    assert (base["precision"], base["recall"], base["f1"]) == (1.0, 0.9, 0.947)
    assert (base["sentiment_accuracy"], base["sentiment_pairs"]) == (0.444, 9)
    assert results["xhs"]["lexicon + whole-comment sentiment"]["sentiment_accuracy"] == 0.4
    assert ours["per_aspect"]["installation"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 2,
        "sentiment_accuracy": 1.0,
    }


def test_bdci_figures(results: dict) -> None:  # type: ignore[type-arg]
    ours, base = results["bdci"]["aspects"], results["bdci"]["baseline"]
    # 今天去提车了 is labelled 配置 (features) with nothing that names it
    assert _headline(ours) == (7, 1.0, 0.857, 1.0)
    # keywords miss 舒服 (comfort) and 配置
    assert (base["precision"], base["recall"], base["sentiment_accuracy"]) == (1.0, 0.714, 0.6)


def test_agreement_of_the_second_reading(results: dict) -> None:  # type: ignore[type-arg]
    assert results["agreement"] == {
        "rows": 4,
        "detection_f1": 0.857,
        "polarity_agreement": 0.833,
        "identical_rows": 0.25,
    }


def test_score_counts_pairs_and_polarity() -> None:
    gold = [{"price": "neg", "logistics": "pos"}, {"installation": "neu"}, {}]
    predicted = [{"price": "neg", "logistics": "neg"}, {"usability": "neu"}, {"power": "pos"}]
    s = score(gold, predicted).to_dict()
    assert (s["precision"], s["recall"], s["sentiment_accuracy"], s["sentiment_pairs"]) == (
        0.5,
        0.667,
        0.5,
        2,
    )
    kept = score(gold, predicted, keep={"price", "logistics", "installation"}).to_dict()
    assert (kept["precision"], kept["recall"]) == (1.0, 0.667)


def test_parse_aspects_and_split() -> None:
    assert parse_aspects("price:neg; logistics:neu") == {"price": "neg", "logistics": "neu"}
    assert parse_aspects("") == {}
    with pytest.raises(AspectEvaluationError, match="price:bad"):
        parse_aspects("price:bad")
    assert note_split("n1", "aspects") == note_split("n1", "aspects")
    assert {note_split(f"n{i}", "aspects") for i in range(20)} == {"dev", "test"}


def test_missing_shared_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AspectEvaluationError, match="REDLENS_SHARED_CORPORA_DIR"):
        run(shared_dir=tmp_path, labels_path=FIXTURE / "labels.csv", sentiment=always_negative, bdci=False)


def test_write_readme_replaces_only_the_marked_block(results: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    from training.evaluate_aspects import README_BEGIN, README_END

    path = tmp_path / "README.md"
    path.write_text(f"# head\n{README_BEGIN}\nstale figures\n{README_END}\ntail\n", encoding="utf-8")
    write_readme(results, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# head\n") and text.endswith(f"{README_END}\ntail\n") and "stale" not in text
    assert "| aspects | 8 | 10 | 1.000 | 1.000 | 1.000 | 1.000 (10) | 1.000 |" in text
