"""Theme-extraction throughput on real comments, next to the previous keyword themes in the same run.

Run: ``python -m benchmarks.bench_themes [--comments 10000] [--repeats 3]``

The comments are real XHS comments from the six commercial folders of ../shared/corpora (the
folders of :data:`training.datasets.COMMERCIAL_FOLDERS`, in that order, up to ``--comments``),
one theme summary over all of them, one process. Timed:

* ``keyword themes (baseline)``: :func:`models.themes.summarize_keyword_themes`, the NMF keyword
  clusters the campaign report used before aspect themes;
* ``aspect themes``: :func:`models.themes.summarize_themes` as the service calls it (aspect
  themes, candidate-term discovery, keyword topics of the comments that name no aspect);
* ``aspect themes, no topics or discovery``: the same with ``topics=False, discover=False``;
* ``aspect analysis only``: :func:`models.aspects.analyze_comment` on every comment.

Each is run once to warm up (segmenter, lexicons, imports; the normaliser's cache then holds these
texts for every method alike) and then ``--repeats`` times; the median is reported with the first
(cold) run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from benchmarks.corpora import real_comments
from models.aspects import analyze_comment
from models.text import tokenize
from models.themes import ThemeComment, summarize_keyword_themes, summarize_themes
from training.datasets import COMMERCIAL_FOLDERS


def _time(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return cold, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = real_comments(COMMERCIAL_FOLDERS, args.comments, minimum=args.comments)
    comments = [ThemeComment(text=t, id=str(i)) for i, t in enumerate(texts)]
    tokenize("预热")
    methods: list[tuple[str, Callable[[], object]]] = [
        ("keyword themes (baseline)", lambda: summarize_keyword_themes(comments)),
        ("aspect themes", lambda: summarize_themes(comments)),
        (
            "aspect themes, no topics or discovery",
            lambda: summarize_themes(comments, topics=False, discover=False),
        ),
        ("aspect analysis only", lambda: [analyze_comment(t) for t in texts]),
    ]
    n = len(texts)
    print(f"{n:,} real comments from {', '.join(COMMERCIAL_FOLDERS)}")
    print(f"{'method':<40} {'cold s':>8} {'median s':>9} {'comments/s':>11}")
    results = {}
    for name, fn in methods:
        cold, median = _time(fn, args.repeats)
        results[name] = median
        print(f"{name:<40} {cold:>8.2f} {median:>9.2f} {n / median:>11,.0f}")
    base = results["keyword themes (baseline)"]
    print(f"aspect themes take {results['aspect themes'] / base:.2f}x the time of the keyword themes")
    summary = summarize_themes(comments)
    kinds: dict[str, int] = {}
    for theme in summary.themes:
        kinds[theme.kind] = kinds.get(theme.kind, 0) + 1
    print(f"themes found: {kinds}; aspects mentioned by any comment: {len(summary.aspects)}")


if __name__ == "__main__":
    main()
