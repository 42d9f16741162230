"""Real comments for the benchmarks, read from the public corpora (``default_shared_dir()``)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from training.datasets import default_shared_dir


def real_comments(
    folders: Iterable[str], n: int, *, max_chars: int | None = None, minimum: int = 1
) -> list[str]:
    """Up to ``n`` non-blank comments of ``folders`` in order (those over ``max_chars`` left out);
    exits with a message when fewer than ``minimum`` are found."""
    texts: list[str] = []
    for folder in folders:
        path = default_shared_dir() / folder / "comments.csv"
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        texts.extend(t for t in df["text"] if t.strip() and (max_chars is None or len(t) <= max_chars))
        if len(texts) >= n:
            break
    if len(texts) < minimum:
        raise SystemExit(
            f"only {len(texts)} real comments found under {default_shared_dir()}; {minimum} needed"
        )
    return texts[:n]
