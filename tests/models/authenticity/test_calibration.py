from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.authenticity.calibration import (
    ALL_FEATURES,
    CALIBRATION_PATH,
    Calibration,
    calibration_from_dict,
    load_calibration,
)
from models.authenticity.machine_text import DENSE_FEATURES, MachineTextModel

CARD_PATH = CALIBRATION_PATH.parent / "card.json"


def test_calibration_json_loads_and_is_valid() -> None:
    cal = load_calibration()
    assert cal.version.startswith("auth-")
    assert set(cal.weights) == set(ALL_FEATURES)
    assert all(w >= 0 for w in cal.weights.values())
    assert 0 < cal.high_risk_below <= cal.medium_risk_below <= 100
    assert cal.machine_text is not None
    assert cal.machine_text.hashed.shape == (cal.machine_text.n_buckets,)
    assert json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))["version"] == cal.version


def test_card_agrees_with_the_calibration() -> None:
    cal = load_calibration()
    card = json.loads(CARD_PATH.read_text(encoding="utf-8"))
    assert card["version"] == cal.version
    assert card["weights"]["features"] == pytest.approx(dict(cal.weights))
    assert card["risk_thresholds"] == {
        "high_below": cal.high_risk_below,
        "medium_below": cal.medium_risk_below,
    }
    assert card["seeds"]["eval"] not in card["seeds"]["tuning"]
    assert card["metrics"]["eval"]["roc_auc"] is not None
    assert (
        (CALIBRATION_PATH.parent / "CARD.md")
        .read_text(encoding="utf-8")
        .startswith("# Audience authenticity")
    )


def _valid() -> dict[str, Any]:
    return json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["weights"].update({"growth.unsupported_spike": -1.0}), "must be a finite number >= 0"),
        (lambda d: d["weights"].update({"growth.bogus": 1.0}), "unknown features"),
        (
            lambda d: d["risk_thresholds"].update({"high_below": 90.0, "medium_below": 50.0}),
            "0 < high <= medium",
        ),
        (lambda d: d.pop("intercept"), "malformed"),
        (lambda d: d["machine_text"].update({"hashed": [0.0, 1.0]}), "hashed weights"),
        (lambda d: d["machine_text"].update({"dense_features": ["x"]}), "do not match"),
    ],
)
def test_calibration_rejects_bad_files(mutate: Callable[[dict[str, Any]], object], message: str) -> None:
    data = _valid()
    mutate(data)
    with pytest.raises(ValueError, match=message):
        calibration_from_dict(data)


def test_load_calibration_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="calibrate_authenticity"):
        load_calibration(tmp_path / "nope.json")


def test_calibration_round_trips_through_json(tmp_path: Path) -> None:
    cal = load_calibration()
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cal.to_dict()), encoding="utf-8")
    again = load_calibration(path)
    assert isinstance(again, Calibration)
    assert again.weights == pytest.approx(dict(cal.weights))
    model = again.machine_text
    assert isinstance(model, MachineTextModel) and len(model.dense_coef) == len(DENSE_FEATURES)
    texts = ["请问这个色号是多少", "从性价比角度看，这款产品兼顾了实用性与颜值，值得入手。"]
    assert model.predict_proba(texts) == pytest.approx(cal.machine_text.predict_proba(texts))  # type: ignore[union-attr]
