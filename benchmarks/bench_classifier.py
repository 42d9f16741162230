"""Comment-analysis speed and accuracy, next to SnowNLP measured in the same run.

Run: ``python -m benchmarks.bench_classifier [--comments 20000] [--snownlp-sample 2000]``

* Speed: 20,000 real comments (Douyin consumption-downgrade, XHS citywalk and plant-care folders of
  ../shared/corpora, in that order), one process: full analysis (normalise, tokenise, sentiment and
  all five intents, low_effort) in comments/s, cold (empty token caches) and warm; SnowNLP's
  sentiment-only rate on a sample of the same comments; their ratio.
* Start-up: model load time (verify + unpickle both pipelines + tokenizer ready), in a fresh
  process, and the peak RSS of a fresh process that loads the models and analyses the 20,000
  comments.
* Accuracy: the figures of the current model cards (held-back real XHS test rows, public review
  sets) next to SnowNLP's on the same rows, as recorded by training.

Targets (issue 3): >= 5,000 comments/s, load < 2 s, RSS < 600 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpora import real_comments

FOLDERS = (
    "douyin_consumption_downgrade_comments",
    "xhs_citywalk_chengdu_comments",
    "xhs_plant_care_comments",
)


_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from models.comments import load_comment_models
from models.text import tokenize
models = load_comment_models()
tokenize("预热")
load_s = time.perf_counter() - t0
texts = json.load(open(sys.argv[1], encoding="utf-8"))
if sys.argv[2] == "analyse":
    models.predict(texts)
print(json.dumps({"load_s": load_s, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(texts_file: Path, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _CHILD, str(texts_file), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--snownlp-sample", type=int, default=2_000)
    args = parser.parse_args()

    from models.artifacts import current_version, read_card
    from models.comments import _tokens, load_comment_models
    from models.text import _normalize_cached
    from training.evaluate import snownlp_sentiment

    texts = real_comments(FOLDERS, args.comments, max_chars=2000)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        loads = [_child(texts_file, "load")["load_s"] for _ in range(3)]
        rss = _child(texts_file, "analyse")["max_rss_mb"]

    models = load_comment_models()
    models.predict(texts[:200])  # tokenizer and caches initialised
    _tokens.cache_clear()
    _normalize_cached.cache_clear()
    t0 = time.perf_counter()
    models.predict(texts)
    cold = len(texts) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    models.predict(texts)
    warm = len(texts) / (time.perf_counter() - t0)

    sample = texts[: args.snownlp_sample]
    t0 = time.perf_counter()
    snownlp_sentiment(sample)
    snow = len(sample) / (time.perf_counter() - t0)

    print(
        f"\nComment analysis on {len(texts):,} real comments, one process (RedLens: full analysis; SnowNLP: sentiment only)"
    )
    print(f"{'':38s}{'RedLens':>14s}{'SnowNLP':>14s}{'ratio':>10s}")
    print(f"{'comments/s (cold caches)':38s}{cold:>14,.0f}{snow:>14,.0f}{cold / snow:>9.1f}x")
    print(f"{'comments/s (repeated texts, warm)':38s}{warm:>14,.0f}{'':>14s}")
    print(f"{'model load, fresh process (median of 3)':38s}{sorted(loads)[1]:>13.2f}s")
    print(f"{'peak RSS, load + 20k comments':38s}{rss:>11,.0f} MB")
    print("targets: >= 5,000 comments/s, load < 2 s, RSS < 600 MB\n")

    print(
        "Accuracy from the current model cards (held-back rows; SnowNLP scored on the same rows in training):"
    )
    for task in ("sentiment", "intents"):
        version = current_version(task)
        if version is None:
            continue
        card = read_card(task, version)
        for set_name, res in card["metrics"].items():
            if task == "sentiment" and "sentiment" in res:
                b = (res.get("baseline_snownlp") or {}).get("sentiment", {})
                print(
                    f"  sentiment {set_name:24s} n={res['n']:>5}  macro-F1 {res['sentiment']['macro_f1']:.3f}"
                    f"  (SnowNLP {b.get('macro_f1', float('nan')):.3f})"
                )
            elif task == "sentiment" and "binary_accuracy" in res:
                print(
                    f"  sentiment {set_name[:60]:60s} accuracy {res['binary_accuracy']:.3f}"
                    f"  (SnowNLP {res.get('baseline_snownlp_binary_accuracy', float('nan')):.3f})"
                )
            elif task == "intents":
                per = res["intents"]["per_intent"]
                kw = ((res.get("baseline_keywords") or {}).get("intents") or {}).get("per_intent", {})
                cells = "  ".join(
                    f"{k} {v['f1']:.2f} (kw {kw.get(k, {}).get('f1', float('nan')):.2f}, n+={v['support']})"
                    for k, v in per.items()
                )
                print(f"  intents {set_name:18s} F1: {cells}")


if __name__ == "__main__":
    main()
