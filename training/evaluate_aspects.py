"""Evaluation of aspect extraction and aspect-level sentiment (:mod:`models.aspects`).

Run: ``python -m training.evaluate_aspects [--split test|dev|all] [--shared-lexicons] [--write-readme]``

Two sets, each with a baseline measured on the same rows in the same run:

* **XHS**: corpora/aspects/labels.csv (real comments from the commercial folders, aspects labelled
  by reading; text joined read-only from the shared corpora). Split by note: a note is in ``dev``
  when the first 8 hex digits of ``sha256("aspects:" + note_key)`` are even, else in ``test``. The
  lexicons were tuned on ``dev`` only; figures are reported on ``test``. The vertical is not given
  (``vertical=None``), as in serving.
* **bdci2018_car_opinion** (car forum, aspect + sentiment labels). Its only labelled file is
  train.csv; it is split the same way by ``sha256("bdci:" + content_id)``. The ten bdci aspects map
  to taxonomy keys (:data:`BDCI_ASPECTS`); predicted aspects outside them are dropped because bdci
  does not label them. Run with ``vertical="auto"``.

Metrics: aspect detection precision / recall / F1 over (comment, aspect) pairs, micro and per
aspect; aspect-sentiment accuracy over the pairs found by both the labels and the method (and the
number of such pairs); joint F1 over (comment, aspect, polarity) triples.

Methods compared:

* ``baseline``: keyword-only aspect match (each aspect's Chinese name and the examples in the
  taxonomy's ``covers`` column, as substrings) plus whole-comment sentiment from the serving
  sentiment model for every aspect found;
* ``lexicon + whole-comment sentiment``: the aspect lexicon's detection with the same whole-comment
  sentiment (isolates what clause-level sentiment adds);
* ``aspects``: :func:`models.aspects.analyze_comment` (lexicon, clauses, opinion words);
* with ``--shared-lexicons``, also ``aspects + shared lexicons``: the same plus the HowNet and NTUSD
  polarity lists from the shared corpora (as used by the sentiment model's features).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from models.aspects import (
    ASPECTS_DIR,
    OPT_IN_VERTICALS,
    POLARITIES,
    AspectLexicon,
    OpinionLexicon,
    analyze_comment,
    load_aspect_lexicon,
    load_opinion_lexicon,
)
from models.text import normalize
from training.datasets import REAL_SOURCES, default_shared_dir

LABELS_PATH = ASPECTS_DIR / "labels.csv"
SECOND_READING_PATH = ASPECTS_DIR / "second_reading.csv"
README_PATH = ASPECTS_DIR / "README.md"
RESULTS_PATH = ASPECTS_DIR / "evaluation.json"
BDCI_FOLDER = "bdci2018_car_opinion"
BDCI_ASPECTS: dict[str, str] = {
    "动力": "power",
    "价格": "price",
    "油耗": "fuel_economy",
    "操控": "handling",
    "舒适性": "comfort",
    "安全性": "safety",
    "内饰": "interior",
    "外观": "appearance",
    "空间": "space",
    "配置": "features",
}
BDCI_POLARITY = {"-1": "neg", "0": "neu", "1": "pos"}
SENTIMENT_TO_POLARITY = {"positive": "pos", "neutral": "neu", "negative": "neg"}
SHARED_LEXICONS = {
    "positive": (
        "sentiment_lexicons_cn/hownet/zh_positive_emotion_words.txt",
        "sentiment_lexicons_cn/hownet/zh_positive_evaluation_words.txt",
        "sentiment_lexicons_cn/ntusd/ntusd_positive.txt",
    ),
    "negative": (
        "sentiment_lexicons_cn/hownet/zh_negative_emotion_words.txt",
        "sentiment_lexicons_cn/hownet/zh_negative_evaluation_words.txt",
        "sentiment_lexicons_cn/ntusd/ntusd_negative.txt",
    ),
}
README_BEGIN = "<!-- evaluation:begin (written by python -m training.evaluate_aspects --write-readme) -->"
README_END = "<!-- evaluation:end -->"

Labels = dict[str, str]  # aspect -> pos | neu | neg
Predictor = Callable[[Sequence[str]], list[Labels]]
SentimentFn = Callable[[Sequence[str]], list[str]]


class AspectEvaluationError(RuntimeError):
    """Input files for the aspect evaluation are missing or malformed."""


def note_split(key: str, salt: str) -> str:
    """``dev`` or ``test`` for a note (or bdci content id), fixed by a hash."""
    return "dev" if int(hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


def parse_aspects(cell: str) -> Labels:
    """``"price:neg;logistics:neu"`` -> ``{"price": "neg", "logistics": "neu"}``."""
    out: Labels = {}
    for part in (cell or "").split(";"):
        part = part.strip()
        if not part:
            continue
        aspect, _, polarity = part.partition(":")
        if polarity not in POLARITIES:
            raise AspectEvaluationError(f"bad aspect label {part!r}: expected aspect:pos|neu|neg")
        out[aspect.strip()] = polarity
    return out


def load_xhs_labels(labels_path: Path = LABELS_PATH, shared_dir: Path | None = None) -> pd.DataFrame:
    """labels.csv with ``text`` joined from the shared corpora, ``gold`` parsed and ``split`` set."""
    shared = shared_dir or default_shared_dir()
    df = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
    for col in ("id", "note_key", "aspects"):
        if col not in df.columns:
            raise AspectEvaluationError(f"{labels_path}: missing column {col!r}")
    parts = df["id"].str.split(":", expand=True)
    if parts.shape[1] != 3 or (parts[0] != "real").any():
        raise AspectEvaluationError(f"{labels_path}: ids must be real:<folder>:<row>")
    texts: list[str] = []
    cache: dict[str, pd.Series] = {}
    for folder, row in zip(parts[1], parts[2].astype(int), strict=True):
        if folder not in cache:
            if folder not in REAL_SOURCES:
                raise AspectEvaluationError(f"unknown corpus folder {folder!r} in {labels_path}")
            file, col, _ = REAL_SOURCES[folder]
            path = shared / folder / file
            if not path.exists():
                raise AspectEvaluationError(f"{path} not found; set REDLENS_SHARED_CORPORA_DIR")
            cache[folder] = pd.read_csv(path, dtype=str, keep_default_na=False)[col]
        texts.append(cache[folder].iloc[row])
    df["text"] = texts
    df["folder"] = parts[1]
    df["gold"] = df["aspects"].map(parse_aspects)
    df["split"] = df["note_key"].map(lambda k: note_split(k, "aspects"))
    return df


def load_bdci(shared_dir: Path | None = None) -> pd.DataFrame:
    """One row per content: ``text``, ``gold`` (taxonomy keys) and ``split``."""
    path = (shared_dir or default_shared_dir()) / BDCI_FOLDER / "train.csv"
    if not path.exists():
        raise AspectEvaluationError(f"{path} not found; set REDLENS_SHARED_CORPORA_DIR")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = []
    for cid, group in raw.groupby("content_id", sort=True):
        gold = {
            BDCI_ASPECTS[s]: BDCI_POLARITY[v]
            for s, v in zip(group["subject"], group["sentiment_value"], strict=True)
        }
        rows.append({"id": str(cid), "text": group["content"].iloc[0], "gold": gold})
    df = pd.DataFrame(rows)
    df["split"] = df["id"].map(lambda k: note_split(k, "bdci"))
    return df


def agreement(labels: pd.DataFrame, second: pd.DataFrame) -> dict[str, float | int]:
    """Agreement of the blind second reading with the first: detection F1, polarity, identical rows."""
    first = dict(zip(labels["id"], labels["aspects"].map(parse_aspects), strict=True))
    tp = fp = fn = same_pol = shared = identical = 0
    for rid, cell in zip(second["id"], second["aspects"], strict=True):
        a, b = first[rid], parse_aspects(cell)
        both = set(a) & set(b)
        tp += len(both)
        fp += len(set(b) - set(a))
        fn += len(set(a) - set(b))
        shared += len(both)
        same_pol += sum(a[k] == b[k] for k in both)
        identical += int(a == b)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "rows": len(second),
        "detection_f1": round(f1, 3),
        "polarity_agreement": round(same_pol / shared, 3) if shared else 0.0,
        "identical_rows": round(identical / len(second), 3) if len(second) else 0.0,
    }


@dataclass
class Scores:
    n_comments: int
    tp: int = 0
    fp: int = 0
    fn: int = 0
    polarity_right: int = 0
    joint_tp: int = 0
    per_aspect: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        joint_fp = self.tp + self.fp - self.joint_tp
        joint_fn = self.tp + self.fn - self.joint_tp
        joint = 2 * self.joint_tp / (2 * self.joint_tp + joint_fp + joint_fn) if self.joint_tp else 0.0
        per = {}
        for aspect, c in sorted(self.per_aspect.items()):
            ap = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
            ar = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
            per[aspect] = {
                "precision": round(ap, 3),
                "recall": round(ar, 3),
                "f1": round(2 * ap * ar / (ap + ar), 3) if ap + ar else 0.0,
                "support": c["tp"] + c["fn"],
                "sentiment_accuracy": round(c["pol"] / c["tp"], 3) if c["tp"] else None,
            }
        return {
            "comments": self.n_comments,
            "gold_pairs": self.tp + self.fn,
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(f1, 3),
            "sentiment_accuracy": round(self.polarity_right / self.tp, 3) if self.tp else 0.0,
            "sentiment_pairs": self.tp,
            "joint_f1": round(joint, 3),
            "per_aspect": per,
        }


def score(gold: Sequence[Labels], predicted: Sequence[Labels], keep: Iterable[str] | None = None) -> Scores:
    """Compare per-comment labels; with ``keep``, predictions outside those aspects are ignored."""
    allowed = set(keep) if keep is not None else None
    s = Scores(n_comments=len(gold))
    for g, p in zip(gold, predicted, strict=True):
        if allowed is not None:
            p = {a: v for a, v in p.items() if a in allowed}
        for aspect in set(g) | set(p):
            c = s.per_aspect.setdefault(aspect, {"tp": 0, "fp": 0, "fn": 0, "pol": 0})
            if aspect in g and aspect in p:
                s.tp += 1
                c["tp"] += 1
                if g[aspect] == p[aspect]:
                    s.polarity_right += 1
                    s.joint_tp += 1
                    c["pol"] += 1
            elif aspect in p:
                s.fp += 1
                c["fp"] += 1
            else:
                s.fn += 1
                c["fn"] += 1
    return s


_EXAMPLES = re.compile(r"\(([^)]*)\)")


def baseline_keywords(lexicon: AspectLexicon, vertical: str | None) -> dict[str, list[str]]:
    """The trivial baseline's keywords: each aspect's Chinese name (a four-character name such as
    颜值外观 also as its two halves) and the examples in its taxonomy ``covers`` text. Aspects are
    those of the vertical, as for the method (the car aspects only with ``vertical="auto"``)."""
    out: dict[str, list[str]] = {}
    for key, info in lexicon.aspects.items():
        if vertical is not None and "all" not in info.verticals and vertical not in info.verticals:
            continue
        if vertical is None and "all" not in info.verticals and set(info.verticals) <= OPT_IN_VERTICALS:
            continue
        words = [info.zh]
        if len(info.zh) == 4:
            words += [info.zh[:2], info.zh[2:]]
        for group in _EXAMPLES.findall(info.covers):
            words.extend(w.strip() for w in re.split(r"[,;、]", group))
        out[key] = sorted({normalize(w) for w in words if w.strip() and not w.strip().isascii()})
    return out


def keyword_detect(texts: Sequence[str], keywords: Mapping[str, Sequence[str]]) -> list[set[str]]:
    out = []
    for t in texts:
        n = normalize(t)
        out.append({a for a, words in keywords.items() if any(w in n for w in words)})
    return out


def with_comment_sentiment(found: Sequence[Iterable[str]], sentiments: Sequence[str]) -> list[Labels]:
    return [
        {a: SENTIMENT_TO_POLARITY.get(s, "neu") for a in aspects}
        for aspects, s in zip(found, sentiments, strict=True)
    ]


def model_sentiment() -> SentimentFn:
    """Whole-comment sentiment from the serving sentiment model (models/registry.json)."""
    from models.comments import load_comment_models

    models = load_comment_models()

    def predict(texts: Sequence[str]) -> list[str]:
        return [p.sentiment for p in models.predict(list(texts))]

    return predict


def read_word_lists(shared_dir: Path) -> tuple[set[str], set[str]]:
    lists: dict[str, set[str]] = {"positive": set(), "negative": set()}
    for side, paths in SHARED_LEXICONS.items():
        for rel in paths:
            path = shared_dir / rel
            if not path.exists():
                raise AspectEvaluationError(f"{path} not found")
            for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
                word = raw.strip()
                if word and not word.startswith(("#", "中文")):  # HowNet files open with a count header
                    lists[side].add(word)
    return lists["positive"], lists["negative"]


def evaluate_set(
    texts: Sequence[str],
    gold: Sequence[Labels],
    *,
    vertical: str | None,
    sentiment: SentimentFn,
    keep: Iterable[str] | None = None,
    opinion_variants: Mapping[str, OpinionLexicon] | None = None,
    lexicon: AspectLexicon | None = None,
) -> dict[str, Any]:
    """Every method on one set of comments; returns ``{method: scores}``."""
    lexicon = lexicon or load_aspect_lexicon()
    keep = list(keep) if keep is not None else None
    comment_sentiment = sentiment(texts)
    results: dict[str, Any] = {}
    found = keyword_detect(texts, baseline_keywords(lexicon, vertical))
    results["baseline"] = score(gold, with_comment_sentiment(found, comment_sentiment), keep).to_dict()
    variants = dict(opinion_variants or {"aspects": load_opinion_lexicon()})
    ours: dict[str, list[Labels]] = {
        name: [analyze_comment(t, vertical=vertical, lexicon=lexicon, opinions=lex).labels() for t in texts]
        for name, lex in variants.items()
    }
    first = next(iter(ours.values()))
    results["lexicon + whole-comment sentiment"] = score(
        gold, with_comment_sentiment([set(p) for p in first], comment_sentiment), keep
    ).to_dict()
    for name, predicted in ours.items():
        results[name] = score(gold, predicted, keep).to_dict()
    return results


def run(
    *,
    split: str = "test",
    shared_dir: Path | None = None,
    labels_path: Path = LABELS_PATH,
    second_path: Path | None = SECOND_READING_PATH,
    sentiment: SentimentFn | None = None,
    shared_lexicons: bool = False,
    bdci: bool = True,
) -> dict[str, Any]:
    shared = shared_dir or default_shared_dir()
    sentiment = sentiment or model_sentiment()
    variants: dict[str, OpinionLexicon] = {"aspects": load_opinion_lexicon()}
    if shared_lexicons:
        pos, neg = read_word_lists(shared)
        variants["aspects + shared lexicons"] = load_opinion_lexicon().with_word_lists(pos, neg)
    xhs = load_xhs_labels(labels_path, shared)
    out: dict[str, Any] = {"split": split, "split_rule": "sha256(salt:key)[:8] even = dev, odd = test"}
    if second_path is not None and second_path.exists():
        out["agreement"] = agreement(xhs, pd.read_csv(second_path, dtype=str, keep_default_na=False))
    rows = xhs if split == "all" else xhs[xhs["split"] == split]
    out["xhs"] = {
        "set": f"corpora/aspects/labels.csv, {split} half by note ({rows['note_key'].nunique()} notes)",
        **evaluate_set(
            list(rows["text"]),
            list(rows["gold"]),
            vertical=None,
            sentiment=sentiment,
            opinion_variants=variants,
        ),
    }
    if bdci:
        b = load_bdci(shared)
        b = b if split == "all" else b[b["split"] == split]
        out["bdci"] = {
            "set": f"{BDCI_FOLDER}/train.csv, {split} half by content_id",
            **evaluate_set(
                list(b["text"]),
                list(b["gold"]),
                vertical="auto",
                sentiment=sentiment,
                keep=BDCI_ASPECTS.values(),
                opinion_variants=variants,
            ),
        }
    return out


def markdown(results: Mapping[str, Any]) -> str:
    lines = []
    if "agreement" in results:
        a = results["agreement"]
        lines += [
            f"Agreement of the blind second reading ({a['rows']} comments): aspect-detection F1 "
            f"{a['detection_f1']:.2f}, polarity agreement on shared aspects {a['polarity_agreement']:.2f}, "
            f"identical rows {a['identical_rows']:.1%}.",
            "",
        ]
    for key in ("xhs", "bdci"):
        if key not in results:
            continue
        block = results[key]
        lines += [f"**{block['set']}**", ""]
        lines += [
            "| method | comments | gold pairs | P | R | detection F1 | sentiment acc. (pairs) | joint F1 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, s in block.items():
            if name == "set":
                continue
            lines.append(
                f"| {name} | {s['comments']} | {s['gold_pairs']} | {s['precision']:.3f} | {s['recall']:.3f} | "
                f"{s['f1']:.3f} | {s['sentiment_accuracy']:.3f} ({s['sentiment_pairs']}) | {s['joint_f1']:.3f} |"
            )
        ours = block["aspects"]["per_aspect"]
        lines += [
            "",
            "Per aspect (`aspects`):",
            "",
            "| aspect | support | P | R | F1 | sentiment acc. |",
            "|---|---|---|---|---|---|",
        ]
        for aspect, c in sorted(ours.items(), key=lambda kv: (-kv[1]["support"], kv[0])):
            acc = "–" if c["sentiment_accuracy"] is None else f"{c['sentiment_accuracy']:.2f}"
            lines.append(
                f"| {aspect} | {c['support']} | {c['precision']:.2f} | {c['recall']:.2f} | {c['f1']:.2f} | {acc} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_readme(results: Mapping[str, Any], path: Path = README_PATH) -> None:
    text = path.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise AspectEvaluationError(f"{path}: no {README_BEGIN!r} ... {README_END!r} block to replace")
    head, _, rest = text.partition(README_BEGIN)
    _, _, tail = rest.partition(README_END)
    path.write_text(f"{head}{README_BEGIN}\n{markdown(results)}\n{README_END}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "dev", "all"), default="test")
    parser.add_argument(
        "--shared-lexicons", action="store_true", help="also run with HowNet/NTUSD word lists"
    )
    parser.add_argument("--no-bdci", action="store_true")
    parser.add_argument(
        "--write-readme", action="store_true", help="write the figures into corpora/aspects/README.md"
    )
    parser.add_argument("--json", type=Path, default=None, help="also save the results as JSON here")
    args = parser.parse_args(argv)
    results = run(split=args.split, shared_lexicons=args.shared_lexicons, bdci=not args.no_bdci)
    print(markdown(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.write_readme:
        write_readme(results)
        RESULTS_PATH.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
