"""The calibration that combines the signals, read from ``calibration.json`` beside this module.

Combination (a logistic model with non-negative weights, fitted by
:mod:`training.calibrate_authenticity` on simulated accounts of the tuning seeds)::

    L_signal = sum(w_f * x_f for the signal's features f)   # x_f: flag strength 0-1
    sub-score of a signal = 100 * exp(-L_signal)
    score = 100 * exp(-sum(L_signal))                        # = product of the sub-scores / 100**(k-1)
    P(manipulated) = sigmoid(intercept + sum(L_signal))      # log-odds on the simulator's 50/50 mix

An account without any evidence scores 100; each signal multiplies the score by its sub-score.
The score is a monotone function of the fitted log-odds, so ranking (ROC-AUC) is the same as the
logistic model's. Non-negative weights mean that stronger evidence can only lower the score. The file is plain
JSON (coefficients, thresholds, the machine-written text model); nothing is unpickled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.authenticity import comments, engagement, growth, intents
from models.authenticity.machine_text import MachineTextModel

CALIBRATION_PATH = Path(__file__).resolve().parent / "calibration.json"
ALL_FEATURES: tuple[str, ...] = growth.FEATURES + engagement.FEATURES + comments.FEATURES + intents.FEATURES


@dataclass(frozen=True, slots=True)
class Calibration:
    version: str
    intercept: float
    weights: Mapping[str, float]
    high_risk_below: float
    medium_risk_below: float
    machine_text: MachineTextModel | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(ALL_FEATURES)
        if unknown:
            raise ValueError(
                f"calibration weights name unknown features {sorted(unknown)}; known: {', '.join(ALL_FEATURES)}"
            )
        for name, w in self.weights.items():
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"calibration weight {name}={w!r} must be a finite number >= 0")
        if not math.isfinite(self.intercept):
            raise ValueError(f"calibration intercept={self.intercept!r} is not finite")
        if not 0 < self.high_risk_below <= self.medium_risk_below <= 100:
            raise ValueError(
                f"risk thresholds high_risk_below={self.high_risk_below}, medium_risk_below="
                f"{self.medium_risk_below} must satisfy 0 < high <= medium <= 100"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "intercept": round(self.intercept, 6),
            "weights": {k: round(float(self.weights.get(k, 0.0)), 6) for k in ALL_FEATURES},
            "risk_thresholds": {"high_below": self.high_risk_below, "medium_below": self.medium_risk_below},
            "meta": dict(self.meta),
            "machine_text": None if self.machine_text is None else self.machine_text.to_dict(),
        }


def calibration_from_dict(data: Mapping[str, Any]) -> Calibration:
    try:
        thresholds = data["risk_thresholds"]
        machine = data.get("machine_text")
        return Calibration(
            version=str(data["version"]),
            intercept=float(data["intercept"]),
            weights={str(k): float(v) for k, v in data["weights"].items()},
            high_risk_below=float(thresholds["high_below"]),
            medium_risk_below=float(thresholds["medium_below"]),
            machine_text=None if machine is None else MachineTextModel.from_dict(machine),
            meta=dict(data.get("meta", {})),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"calibration JSON is malformed ({exc!r}); expected keys version, intercept, weights, risk_thresholds"
        ) from exc


def load_calibration(path: Path | None = None) -> Calibration:
    """Read and validate a calibration file (default: ``calibration.json`` beside this module)."""
    if path is None:
        return _load_default()
    return _read(path)


def _read(path: Path) -> Calibration:
    if not path.is_file():
        raise FileNotFoundError(
            f"authenticity calibration {path} not found; run `python -m training.calibrate_authenticity` to create it"
        )
    return calibration_from_dict(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _load_default() -> Calibration:
    return _read(CALIBRATION_PATH)


def provisional_calibration(machine_text: MachineTextModel | None = None) -> Calibration:
    """Hand-set weights used only to bootstrap a calibration run (every feature weight 2)."""
    return Calibration(
        version="provisional",
        intercept=-3.0,
        weights=dict.fromkeys(ALL_FEATURES, 2.0),
        high_risk_below=40.0,
        medium_risk_below=70.0,
        machine_text=machine_text,
    )
