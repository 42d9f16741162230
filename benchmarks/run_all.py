"""`make bench`: every benchmark, each printing its figures next to a baseline measured in the same run."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = ("bench_classifier", "bench_ingest", "bench_authenticity", "bench_themes")


def main() -> None:
    failed = []
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError:
            print(f"== {name}: not present, skipped")
            continue
        print(f"\n== {name} " + "=" * (70 - len(name)))
        started = time.perf_counter()
        argv, sys.argv = sys.argv, [name]
        try:
            module.main()
        except SystemExit as exc:
            if exc.code not in (0, None):
                failed.append(name)
        finally:
            sys.argv = argv
        print(f"({name} took {time.perf_counter() - started:.0f} s)")
    if failed:
        raise SystemExit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
