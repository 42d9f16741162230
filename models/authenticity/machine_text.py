"""A small logistic model for machine-written (LLM-style) comments, stored as JSON coefficients.

Features of the normalised text (:func:`models.text.normalize`):

* hashed character 1- to 3-grams: bucket ``crc32(gram) % n_buckets``, binary presence, scaled to
  unit L2 norm (so long texts do not win by length alone);
* a few dense style features, standardised with the training mean and scale: log length,
  punctuation share, comma density, clause separators (；、：), emoji count, XHS sticker presence,
  question mark, Latin share, digit share.

``p = sigmoid(intercept + sum(w_hashed[b]) / sqrt(#buckets) + dense_std . w_dense)``.

The coefficients are fitted by :mod:`training.calibrate_authenticity` on the tuning split of
``xhs_llm_generated_comments`` (positives) against real XHS/Douyin comments (negatives) and
stored in ``calibration.json``; nothing is unpickled. The positives come from one LLM persona
tool, so the model recognises that register, not machine writing in general.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.text import normalize

DENSE_FEATURES: tuple[str, ...] = (
    "log_length",
    "punct_share",
    "comma_density",
    "clause_separators",
    "emoji_count",
    "has_sticker",
    "has_question",
    "latin_share",
    "digit_share",
)

_STICKER = re.compile(r"\[[^\[\]]{1,10}\]")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_LATIN = re.compile(r"[a-z]")
_DIGIT = re.compile(r"\d")


def hashed_buckets(norm: str, *, n_buckets: int, ngram_max: int = 3) -> NDArray[np.int64]:
    """Sorted unique bucket ids of the character 1..``ngram_max``-grams of a normalised text."""
    text = norm.replace(" ", "")
    buckets = {
        zlib.crc32(text[i : i + n].encode("utf-8")) % n_buckets
        for n in range(1, ngram_max + 1)
        for i in range(len(text) - n + 1)
    }
    return np.array(sorted(buckets), dtype=np.int64)


def dense_features(norm: str) -> NDArray[np.float64]:
    """The dense style features (see :data:`DENSE_FEATURES`), unstandardised."""
    length = max(len(norm), 1)
    return np.array(
        [
            math.log1p(len(norm)),
            len(_PUNCT.findall(norm)) / length,
            (norm.count("，") + norm.count(",")) / length * 10.0,
            float(sum(norm.count(ch) for ch in "；;、：:")),
            float(len(_EMOJI.findall(norm))),
            1.0 if _STICKER.search(norm) else 0.0,
            1.0 if ("?" in norm or "？" in norm) else 0.0,
            len(_LATIN.findall(norm)) / length,
            len(_DIGIT.findall(norm)) / length,
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class MachineTextModel:
    """Coefficients of the machine-written comment model (see the module docstring)."""

    n_buckets: int
    ngram_max: int
    intercept: float
    hashed: NDArray[np.float64]
    dense_coef: NDArray[np.float64]
    dense_mean: NDArray[np.float64]
    dense_scale: NDArray[np.float64]
    threshold: float = 0.5

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MachineTextModel:
        try:
            n_buckets = int(data["n_buckets"])
            hashed = np.asarray(data["hashed"], dtype=np.float64)
            names = tuple(data["dense_features"])
            model = cls(
                n_buckets=n_buckets,
                ngram_max=int(data["ngram_max"]),
                intercept=float(data["intercept"]),
                hashed=hashed,
                dense_coef=np.asarray(data["dense_coef"], dtype=np.float64),
                dense_mean=np.asarray(data["dense_mean"], dtype=np.float64),
                dense_scale=np.asarray(data["dense_scale"], dtype=np.float64),
                threshold=float(data.get("threshold", 0.5)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"machine_text calibration is malformed: {exc!r}") from exc
        if names != DENSE_FEATURES:
            raise ValueError(f"machine_text dense_features {names} do not match this code's {DENSE_FEATURES}")
        if hashed.shape != (n_buckets,):
            raise ValueError(
                f"machine_text has {hashed.shape[0]} hashed weights, expected n_buckets={n_buckets}"
            )
        n_dense = len(DENSE_FEATURES)
        for name in ("dense_coef", "dense_mean", "dense_scale"):
            if getattr(model, name).shape != (n_dense,):
                raise ValueError(f"machine_text {name} must have {n_dense} values")
        if not np.all(np.isfinite(hashed)) or not np.all(model.dense_scale > 0):
            raise ValueError("machine_text coefficients must be finite and scales positive")
        return model

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_buckets": self.n_buckets,
            "ngram_max": self.ngram_max,
            "intercept": round(self.intercept, 6),
            "dense_features": list(DENSE_FEATURES),
            "dense_coef": [round(float(x), 6) for x in self.dense_coef],
            "dense_mean": [round(float(x), 6) for x in self.dense_mean],
            "dense_scale": [round(float(x), 6) for x in self.dense_scale],
            "threshold": self.threshold,
            "hashed": [round(float(x), 5) for x in self.hashed],
        }

    def logit_normalized(self, norm: str) -> float:
        buckets = hashed_buckets(norm, n_buckets=self.n_buckets, ngram_max=self.ngram_max)
        z = self.intercept
        if buckets.size:
            z += float(self.hashed[buckets].sum()) / math.sqrt(buckets.size)
        dense = (dense_features(norm) - self.dense_mean) / self.dense_scale
        return z + float(dense @ self.dense_coef)

    def predict_proba_normalized(self, norms: Sequence[str]) -> NDArray[np.float64]:
        """P(machine-written) for already-normalised texts; identical texts are scored once."""
        cache: dict[str, float] = {}
        out = np.empty(len(norms), dtype=np.float64)
        for i, norm in enumerate(norms):
            p = cache.get(norm)
            if p is None:
                z = self.logit_normalized(norm)
                p = 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))
                cache[norm] = p
            out[i] = p
        return out

    def predict_proba(self, texts: Sequence[Any]) -> NDArray[np.float64]:
        return self.predict_proba_normalized([normalize(t) for t in texts])
