"""Aspect themes of a real KOL comment section before and after a campaign's first note, and per KOL.

Run: ``python -m training.compare_themes [--author fcc025cb56] [--days 60] [--no-models] [--json PATH]``

Reads xhs_silver_kol_vlogs_trumpmax from the shared corpora (read-only): the comments under every
note of one creator, the campaign being that creator's sponsored notes (listed in the folder's
SOURCE.md, :data:`SPONSORED_NOTES`). The pivot is the publication of the first sponsored note;
"before" is the comments posted on any of the creator's notes in the ``days`` before it, "after"
the comments posted under the sponsored notes in the ``days`` after it. Comments are flagged ``excluded`` the way the
authenticity score flags them (:func:`models.authenticity.comments.analyze_comments`: spam
phrases, coordinated duplicate clusters), so they are neither counted nor quoted. With the
serving models, each comment also carries its whole-comment sentiment and intents.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from models.authenticity.comments import analyze_comments
from models.authenticity.config import CommentConfig
from models.authenticity.data import AccountData, Comment, Note
from models.themes import ThemeComment, ThemeComparison, compare_before_after, compare_groups
from training.datasets import default_shared_dir

FOLDER = "xhs_silver_kol_vlogs_trumpmax"
SPONSORED_NOTES: dict[str, str] = {
    "681196db00000000230127a5": "海信电视",
    "682d4003000000002202d4fa": "追觅洗地机",
    "6841733f000000000c0395f7": "追觅 T50",
    "684e73360000000023013c64": "自然堂小紫瓶",
    "684bec73000000002202c4c7": "高爷家猫粮",
    "684794f7000000002202c764": "友望除螨仪",
    "67fa41d1000000001c0068bf": "书亦烧仙草",
}
EXCLUDING_FLAGS = frozenset({"spam", "duplicate_coordinated", "machine"})


def load_section(shared_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = (shared_dir or default_shared_dir()) / FOLDER
    notes = pd.read_csv(base / "notes.csv", dtype=str, keep_default_na=False)
    comments = pd.read_csv(base / "comments.csv", dtype=str, keep_default_na=False)
    notes["published_at"] = pd.to_datetime(notes["time"], utc=True)
    comments["created_at"] = pd.to_datetime(comments["created"], utc=True, errors="coerce")
    return notes, comments


def _times(series: pd.Series) -> list[datetime]:
    return [t.to_pydatetime() for t in series]


def excluded_flags(notes: pd.DataFrame, comments: pd.DataFrame) -> list[bool]:
    """Per comment: flagged by the authenticity comment analysis (spam, coordinated duplicate, machine)."""
    account = AccountData(
        kol_id="section",
        notes=[
            Note(note_id=str(nid), published_at=t)
            for nid, t in zip(notes["note_id"], _times(notes["published_at"]), strict=True)
        ],
        comments=[
            Comment(
                comment_id=str(cid),
                note_id=str(nid),
                text=str(text),
                created_at=created,
                commenter_id=str(user) or f"unknown-{cid}",
                nickname=f"小红薯{user}" if default == "1" else "",
                parent_comment_id=str(parent) or None,
            )
            for cid, nid, text, created, user, default, parent in zip(
                comments["comment_id"],
                comments["note_id"],
                comments["text"],
                _times(comments["created_at"]),
                comments["user_hash"],
                comments["nickname_is_default"],
                comments["parent_comment_id"],
                strict=True,
            )
        ],
    )
    analysis = analyze_comments(account, CommentConfig(), None)
    flagged = {
        c.comment_id: bool(f & EXCLUDING_FLAGS)
        for c, f in zip(analysis.comments, analysis.flags, strict=True)
    }
    return [flagged.get(str(cid), False) for cid in comments["comment_id"]]


def theme_comments(
    comments: pd.DataFrame, excluded: Sequence[bool], *, with_models: bool
) -> list[ThemeComment]:
    texts = [str(t) for t in comments["text"]]
    sentiments: list[str | None] = [None] * len(texts)
    intents: list[dict[str, bool] | None] = [None] * len(texts)
    if with_models:
        from models.comments import load_comment_models

        predictions = load_comment_models().predict(texts)
        sentiments = [p.sentiment for p in predictions]
        intents = [dict(p.flags) for p in predictions]
    return [
        ThemeComment(
            text=texts[k],
            sentiment=sentiments[k],
            intents=intents[k],
            id=str(cid),
            excluded=bool(excluded[k]),
            created_at=created,
            group=str(group),
        )
        for k, (cid, created, group) in enumerate(
            zip(comments["comment_id"], _times(comments["created_at"]), comments["group"], strict=True)
        )
    ]


def run(author: str, days: int, *, with_models: bool, shared_dir: Path | None = None) -> dict[str, Any]:
    notes, comments = load_section(shared_dir)
    mine = notes[notes["author_hash"] == author]
    campaign = mine[mine["note_id"].isin(list(SPONSORED_NOTES))]
    if campaign.empty:
        raise SystemExit(f"creator {author} has no sponsored note in {FOLDER}")
    pivot: datetime = campaign["published_at"].min().to_pydatetime()
    section = comments[comments["note_id"].isin(set(mine["note_id"]))].copy()
    window = (section["created_at"] >= pivot - timedelta(days=days)) & (
        section["created_at"] < pivot + timedelta(days=days)
    )
    # After the pivot, the campaign's own notes: what commenters said under the sponsored notes.
    on_campaign = section["note_id"].isin(set(campaign["note_id"])) | (section["created_at"] < pivot)
    section = section[window & on_campaign & (section["text"].str.strip() != "")].reset_index(drop=True)
    section["group"] = section["note_id"].map(lambda n: SPONSORED_NOTES.get(n, "organic notes"))
    excluded = excluded_flags(mine, section)
    items = theme_comments(section, excluded, with_models=with_models)
    before_after = compare_before_after(items, pivot)
    after = [c for c in items if c.created_at is not None and c.created_at >= pivot]
    by_note = compare_groups(after)
    return {
        "author": author,
        "pivot": pivot.isoformat(),
        "first_note": SPONSORED_NOTES[str(campaign.sort_values("published_at")["note_id"].iloc[0])],
        "days": days,
        "comments": len(items),
        "excluded": sum(excluded),
        "before_after": before_after,
        "after_by_note": by_note,
    }


def _print_summary(name: str, comparison: ThemeComparison, key: str) -> None:
    side = comparison.sides[key]
    print(f"\n-- {name}: {side.n_comments} comments counted, {side.n_excluded} excluded")
    for theme in side.themes:
        if theme.kind in ("aspect", "candidate"):
            print(f"   {theme.summary['zh']}")
            print(f"   {theme.summary['en']}")
            for q in theme.representatives:
                print(f"      “{q['text']}” [{q['aspect_sentiment']}; comment {q['sentiment']}]")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--author", default="fcc025cb56", help="creator hash (notes.csv author_hash)")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--no-models", action="store_true", help="skip whole-comment sentiment and intents")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    out = run(args.author, args.days, with_models=not args.no_models)
    ba: ThemeComparison = out["before_after"]
    print(
        f"{FOLDER}, creator {out['author']}: campaign's first note ({out['first_note']}) at {out['pivot']}; "
        f"{out['comments']} comments within {out['days']} days either side, {out['excluded']} excluded "
        f"(spam, coordinated duplicates)"
    )
    _print_summary("before", ba, "before")
    _print_summary("after", ba, "after")
    print("\n-- change per aspect (the eight largest)")
    for row in ba.rows[:8]:
        print(f"   {row['line']['zh']}\n   {row['line']['en']}")
    print("\n-- after the pivot, by sponsored note (the five most mentioned aspects)")
    for row in out["after_by_note"].rows[:5]:
        print(f"   {row['line']['zh']}\n   {row['line']['en']}")
    if args.json is not None:
        payload = {**out, "before_after": ba.to_dict(), "after_by_note": out["after_by_note"].to_dict()}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
