"""The calibration that combines the signals, read from ``calibration.json`` beside this module.

Combination (a logistic model with non-negative weights, fitted by
:mod:`training.calibrate_authenticity` on simulated accounts of the tuning seeds)::

    L_signal = sum(w_f * x_f for the signal's features f)   # x_f: flag strength 0-1
    P(manipulated) = sigmoid(intercept + sum(L_signal))      # on the simulator's 50/50 mix
    score = 100 * (1 - P(manipulated))                       # 100 = surely authentic
    sub-score of a signal = 100 * (1 - sigmoid(intercept + L_signal))   # that signal alone

The score is the calibrated probability read the other way round, so 60 means "40 % likely
manipulated" whatever produced it; an account without any evidence gets the base rate
(``100 * (1 - sigmoid(intercept))``), not 100. Its interval comes from ``bootstrap``: the same fit
repeated on resampled tuning accounts; the 10th and 90th percentile of their scores bound the
score (how sure the calibration is of itself, not of the data). Non-negative weights mean that
stronger evidence can only lower the score. The file is plain JSON (coefficients, thresholds, the
machine-written text model); nothing is unpickled.
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


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@dataclass(frozen=True, slots=True)
class Calibration:
    version: str
    intercept: float
    weights: Mapping[str, float]
    high_risk_below: float
    medium_risk_below: float
    machine_text: MachineTextModel | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    bootstrap: tuple[tuple[float, tuple[float, ...]], ...] = ()  # (intercept, weights in ALL_FEATURES order)

    def probability(self, load: float) -> float:
        """P(manipulated) for a total evidence ``load`` (sum of weight x strength)."""
        return _sigmoid(self.intercept + load)

    def score(self, load: float) -> float:
        """The 0-100 score of a total evidence ``load``: 100 x (1 - P(manipulated))."""
        return 100.0 * (1.0 - self.probability(load))

    def grade(self, score: float) -> str:
        """``high``, ``medium`` or ``low`` manipulation risk for a score."""
        if score < self.high_risk_below:
            return "high"
        if score < self.medium_risk_below:
            return "medium"
        return "low"

    def interval(
        self, features: Mapping[str, float], *, low: float = 10.0, high: float = 90.0
    ) -> tuple[float, float]:
        """The ``low``-``high`` percentile range of the score over the bootstrap fits (the point
        score alone when the calibration has none)."""
        if not self.bootstrap:
            point = self.score(sum(self.weights.get(f, 0.0) * x for f, x in features.items()))
            return point, point
        x = [float(features.get(f, 0.0)) for f in ALL_FEATURES]
        scores = sorted(
            100.0 * (1.0 - _sigmoid(b + sum(wi * xi for wi, xi in zip(w, x, strict=True))))
            for b, w in self.bootstrap
        )
        return _percentile(scores, low), _percentile(scores, high)

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
        for b, boot in self.bootstrap:
            if (
                len(boot) != len(ALL_FEATURES)
                or not math.isfinite(b)
                or any(not math.isfinite(v) or v < 0 for v in boot)
            ):
                raise ValueError(
                    f"calibration bootstrap entries need a finite intercept and {len(ALL_FEATURES)} weights >= 0"
                )
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
            "bootstrap": [[round(b, 6), [round(v, 6) for v in w]] for b, w in self.bootstrap],
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
            bootstrap=tuple((float(b), tuple(float(v) for v in w)) for b, w in data.get("bootstrap", [])),
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


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation percentile of an already sorted list."""
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)
