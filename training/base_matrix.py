"""The base training set in the fitted feature space, shipped next to the default models.

A workspace's training job adds a few hundred labelled comments to what the default models learnt.
Refitting everything needs ../shared/corpora (the real comments' text is joined from there) and
takes minutes; a fresh install may not have the corpora at all. So a full training run also saves
its training, validation and test rows *as feature vectors* (not text) with their labels and
weights, in ``<models_dir>/bases/<features id>.npz``. A retrain then keeps the fitted feature union
and refits only the classifier heads on base plus new rows, in seconds, anywhere; both the new and
the current heads are scored on the same held-back rows.

The file holds only numbers and fixed-width label strings and is read with
``numpy.load(allow_pickle=False)`` after its sha256 is checked against the model card, so loading it
runs no code. Public review rows are a stratified sample per domain whose weights keep each
domain's budget, which keeps the file at a few MB.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from models.labels import INTENTS

BASES_DIR = "bases"
FORMAT_VERSION = 1


class BaseMatrixError(RuntimeError):
    """The base file is missing, altered or of another feature space; the message says which."""


@dataclass
class Split:
    X: sparse.csr_matrix
    sentiment: np.ndarray  # '' where the row carries no sentiment label
    sentiment_weight: np.ndarray  # 0 where the row does not train sentiment
    Y: np.ndarray  # int8 (n, len(INTENTS)); -1 where the row carries no intent labels
    intent_weight: np.ndarray
    group: np.ndarray  # test set name (test), corpus (train/val)


@dataclass
class BaseMatrix:
    features_id: str
    params: dict[str, float]
    train: Split
    val: Split
    test: Split


def _pack(prefix: str, split: Split, out: dict[str, np.ndarray]) -> None:
    X = split.X.tocsr().astype(np.float32)
    out[f"{prefix}_data"] = X.data.astype(np.float16)
    out[f"{prefix}_indices"] = X.indices.astype(np.int32)
    out[f"{prefix}_indptr"] = X.indptr.astype(np.int64)
    out[f"{prefix}_shape"] = np.asarray(X.shape, dtype=np.int64)
    out[f"{prefix}_sentiment"] = split.sentiment.astype("<U8")
    out[f"{prefix}_sentiment_weight"] = split.sentiment_weight.astype(np.float32)
    out[f"{prefix}_Y"] = split.Y.astype(np.int8)
    out[f"{prefix}_intent_weight"] = split.intent_weight.astype(np.float32)
    out[f"{prefix}_group"] = split.group.astype("<U64")


def _unpack(prefix: str, z: Any) -> Split:
    X = sparse.csr_matrix(
        (z[f"{prefix}_data"].astype(np.float32), z[f"{prefix}_indices"], z[f"{prefix}_indptr"]),
        shape=tuple(int(v) for v in z[f"{prefix}_shape"]),
    )
    return Split(
        X=X,
        sentiment=z[f"{prefix}_sentiment"],
        sentiment_weight=z[f"{prefix}_sentiment_weight"].astype(float),
        Y=z[f"{prefix}_Y"].astype(int),
        intent_weight=z[f"{prefix}_intent_weight"].astype(float),
        group=z[f"{prefix}_group"],
    )


def base_path(features_id: str, models_dir: Path) -> Path:
    if not features_id.isalnum():
        raise BaseMatrixError(f"invalid features id {features_id!r}")
    return models_dir / BASES_DIR / f"{features_id}.npz"


def save_base(base: BaseMatrix, models_dir: Path) -> dict[str, Any]:
    """Write the base file atomically; returns the card entry (relative path, sha256, bytes)."""
    arrays: dict[str, np.ndarray] = {
        "format_version": np.asarray([FORMAT_VERSION]),
        "features_id": np.asarray([base.features_id]),
        "intents": np.asarray(list(INTENTS)),
        "param_names": np.asarray(sorted(base.params)),
        "param_values": np.asarray([base.params[k] for k in sorted(base.params)], dtype=float),
    }
    for prefix, split in (("train", base.train), ("val", base.val), ("test", base.test)):
        _pack(prefix, split, arrays)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    payload = buf.getvalue()
    path = base_path(base.features_id, models_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".base.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {
        "path": f"{BASES_DIR}/{path.name}",
        "sha256": hashlib.sha256(payload).hexdigest(),
        "bytes": len(payload),
        "rows": {"train": base.train.X.shape[0], "val": base.val.X.shape[0], "test": base.test.X.shape[0]},
    }


def load_base(entry: dict[str, Any], models_dir: Path) -> BaseMatrix:
    """Read the base file a model card names, after checking its sha256."""
    rel = str(entry.get("path", ""))
    path = (models_dir / rel).resolve()
    if models_dir.resolve() / BASES_DIR not in path.parents:
        raise BaseMatrixError(f"base file {rel!r} is outside {models_dir / BASES_DIR}")
    if not path.exists():
        raise BaseMatrixError(f"base training file {path} is missing")
    payload = path.read_bytes()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != entry.get("sha256"):
        raise BaseMatrixError(f"{path}: sha256 {digest[:12]}... does not match the model card")
    with np.load(io.BytesIO(payload), allow_pickle=False) as z:
        if int(z["format_version"][0]) != FORMAT_VERSION or list(z["intents"]) != list(INTENTS):
            raise BaseMatrixError(f"{path}: written by another version of RedLens")
        params = {str(k): float(v) for k, v in zip(z["param_names"], z["param_values"], strict=True)}
        return BaseMatrix(
            features_id=str(z["features_id"][0]),
            params=params,
            train=_unpack("train", z),
            val=_unpack("val", z),
            test=_unpack("test", z),
        )


def stack(a: Split, b: Split) -> Split:
    return Split(
        X=sparse.vstack([a.X, b.X]).tocsr(),
        sentiment=np.concatenate([a.sentiment, b.sentiment]),
        sentiment_weight=np.concatenate([a.sentiment_weight, b.sentiment_weight]),
        Y=np.vstack([a.Y, b.Y]),
        intent_weight=np.concatenate([a.intent_weight, b.intent_weight]),
        group=np.concatenate([a.group, b.group]),
    )
