"""Real comment sections as the organic baseline of the comment signals (issue #11, part 4).

Reads the shared corpora folders that hold real XHS comment sections in the *standard shape*
(``comments.csv``: comment_id, note_id, note_title, text, parent_comment_id, like_count, created,
ip_location, user_hash, nickname_is_default; optional ``notes.csv``: note_id, title, author_hash,
type, time, liked_count, ...). Their columns map onto MediaCrawler's (SOURCE.md of each folder):
text = content, created = create_time, user_hash = creator_hash; a default nickname (小红薯 + 8
hex, flagged by ``nickname_is_default`` because nicknames were hashed) is given back in that
pattern so the default-nickname check sees it. RedLens ingests the same shape through the
``xhs_hashed_comments`` format (:mod:`service.ingest.formats`).

Two views, both graded by the comment signals alone (:mod:`models.authenticity.sections`):

* **notes**: every note's comment section on its own;
* **creators**: each creator's notes (by ``author_hash``) in windows of 20 consecutive notes, as a
  vetting reads a KOL's 20 most recent notes (pods and heavy commenters only show across notes).

Run ``python -m training.real_sections [--corpora DIR] [--out FILE]`` to print the figures; the
authenticity calibration writes them into its card. Nothing row-level is written.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from models.authenticity.calibration import Calibration, load_calibration
from models.authenticity.config import AuthenticityConfig
from models.authenticity.data import AccountData, Comment, Note
from models.authenticity.sections import section_verdict, summarize
from training.simulate import DEFAULT_CORPORA_DIR

REAL_FOLDERS: tuple[str, ...] = (
    "xhs_silver_kol_vlogs_trumpmax",
    "xhs_home_window_opener_and_sidehustle_yujianwen",
    "xhs_indonesia_travel_tours_digred",
    "xhs_car_stickers_wraps_zion",
    "xhs_coupon_deal_notes_noxue",
)
CREATOR_WINDOW = 20  # notes per creator window: what a vetting reads


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _count(value: str | None) -> int:
    try:
        return max(int(float(value)), 0) if value else 0
    except ValueError:
        return 0


def comment_of(row: dict[str, str]) -> Comment | None:
    """One standard-shape row as an authenticity comment (``None`` without note or time)."""
    created = _time(row.get("created"))
    if not row.get("note_id") or not row.get("comment_id") or created is None:
        return None
    user = row.get("user_hash") or f"unknown:{row['comment_id']}"
    default = row.get("nickname_is_default") == "1"
    return Comment(
        comment_id=row["comment_id"],
        note_id=row["note_id"],
        text=row.get("text") or "",
        created_at=created,
        commenter_id=user,
        nickname=("小红薯" + user[:8].upper()) if default else "",
        like_count=_count(row.get("like_count")),
        ip_location=row.get("ip_location") or None,
        parent_comment_id=row.get("parent_comment_id") or None,
    )


def note_sections(folder: Path) -> list[tuple[str | None, AccountData]]:
    """Every note's comment section, with its author hash when ``notes.csv`` has it. A note
    without a publication time is dated by its first comment."""
    notes = {r["note_id"]: r for r in _read(folder / "notes.csv") if r.get("note_id")}
    by_note: dict[str, list[Comment]] = defaultdict(list)
    for row in _read(folder / "comments.csv"):
        c = comment_of(row)
        if c is not None:
            by_note[c.note_id].append(c)
    out = []
    for note_id, comments in sorted(by_note.items()):
        meta = notes.get(note_id, {})
        posted = _time(meta.get("time")) or min(c.created_at for c in comments)
        note = Note(
            note_id=note_id, published_at=posted, title=meta.get("title") or "", comment_count=len(comments)
        )
        author = meta.get("author_hash") or None
        out.append((author, AccountData(kol_id=note_id, notes=[note], comments=comments, kol_user_id=author)))
    return out


def creator_windows(sections: Sequence[tuple[str | None, AccountData]]) -> list[AccountData]:
    """Each creator's notes in windows of :data:`CREATOR_WINDOW` consecutive notes."""
    by_author: dict[str, list[AccountData]] = defaultdict(list)
    for author, section in sections:
        if author:
            by_author[author].append(section)
    out = []
    for author, notes in sorted(by_author.items()):
        notes.sort(key=lambda a: a.notes[0].published_at)
        for k in range(0, len(notes), CREATOR_WINDOW):
            chunk = notes[k : k + CREATOR_WINDOW]
            out.append(
                AccountData(
                    kol_id=f"{author}:{k // CREATOR_WINDOW}",
                    notes=[a.notes[0] for a in chunk],
                    comments=[c for a in chunk for c in a.comments],
                    kol_user_id=author,
                )
            )
    return out


def measure(
    corpora_dir: Path, calibration: Calibration, config: AuthenticityConfig | None = None
) -> dict[str, Any]:
    """Flag rates of the comment signals on every real folder present (absent ones are skipped)."""
    out: dict[str, Any] = {}
    for name in REAL_FOLDERS:
        folder = corpora_dir / name
        if not (folder / "comments.csv").is_file():
            continue
        sections = note_sections(folder)
        notes = [section_verdict(a, calibration, config) for _, a in sections]
        creators = [section_verdict(a, calibration, config) for a in creator_windows(sections)]
        out[name] = {
            "comments": sum(len(a.comments) for _, a in sections),
            "notes": summarize(notes),
            "creators": summarize(creators),
        }
    return out


def pooled(result: dict[str, Any], view: str) -> dict[str, Any]:
    """Rates over every folder together (``view``: ``notes`` or ``creators``), weighted by the
    sections each folder scored."""
    rows = [r[view] for r in result.values() if r[view]["scored"]]
    n = sum(r["scored"] for r in rows)

    def weighted(get: Any) -> float | None:
        return round(sum((get(r) or 0.0) * r["scored"] for r in rows) / n, 4) if n else None

    def table(key: str) -> dict[str, float | None]:
        names = sorted({k for r in rows for k in r[key]})
        return {k: weighted(lambda r, k=k: r[key].get(k)) for k in names}

    return {
        "scored": n,
        "flagged_medium_or_high": weighted(lambda r: r["flagged_medium_or_high"]),
        "flagged_high": weighted(lambda r: r["flagged_high"]),
        "feature_fires": table("feature_fires"),
        "reported_flags": table("reported_flags"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA_DIR)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = measure(args.corpora, load_calibration())
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
