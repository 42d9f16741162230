"""``redlens train`` and ``redlens evaluate`` on a small part of the project's written corpus."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()
WRITTEN = Path(__file__).resolve().parents[3] / "corpora" / "xhs_comments" / "written.csv"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    from service.config import get_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with WRITTEN.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, columns = list(reader), list(reader.fieldnames or [])
    keep = set(sorted({r["note_key"] for r in rows})[::5])
    with (corpus / "written.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(r for r in rows if r["note_key"] in keep)
    models = tmp_path / "models"
    monkeypatch.setenv("REDLENS_MODELS_DIR", str(models))
    get_settings.cache_clear()
    yield models, corpus
    get_settings.cache_clear()


def _train(corpus: Path) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            "--promote",
            "--no-grid",
            "--no-cross-corpus",
            "--no-baselines",
            "--corpus-dir",
            str(corpus),
        ],
    )
    assert result.exit_code == 0, result.output


def test_train_saves_both_tasks_with_one_base_and_evaluate_compares_with_the_replaced(
    env: tuple[Path, Path],
) -> None:
    models, corpus = env
    _train(corpus)
    first = json.loads((models / "registry.json").read_text())
    cards = [
        json.loads((models / t / first[t]["current"] / "card.json").read_text())
        for t in ("sentiment", "intents")
    ]
    assert cards[0]["base"] == cards[1]["base"] and (models / cards[0]["base"]["path"]).exists()
    frozen = (corpus / "splits.tsv").read_text(encoding="utf-8")
    assert frozen.startswith("group\tsplit\n") and frozen.count("\n") > 10
    _train(corpus)
    assert (corpus / "splits.tsv").read_text(encoding="utf-8") == frozen  # same corpus: sides unchanged
    second = json.loads((models / "registry.json").read_text())
    assert second["sentiment"]["history"] == [first["sentiment"]["current"]]
    result = runner.invoke(app, ["evaluate", "--json", "--corpus-dir", str(corpus)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for task in ("sentiment", "intents"):
        assert out[task]["current"]["version"] == second[task]["current"]
        assert out[task]["previous"]["version"] == first[task]["current"]
        assert out[task]["current"]["metrics"].keys() == out[task]["previous"]["metrics"].keys()
