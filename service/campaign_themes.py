"""Aspect themes of a campaign compared across its KOLs and before / after its first note.

* **by KOL**: the campaign notes' comments (real commenters only, as in the rest of the report)
  grouped by the KOL whose note they are under (:func:`models.themes.compare_groups`);
* **before / after**: the pivot is the publication of the campaign's first note. "Before" is what
  commenters said on the same KOLs' other notes in the ``days`` before it, "after" what they said
  under the campaign's notes (:func:`models.themes.compare_before_after`). Comments of the earlier
  notes are analysed with the serving models when needed (and saved), and screened for bots,
  coordinated copies and spam like the campaign's own.

Each side keeps its counts and note; the rows carry, per aspect, the shares, sentiment and a
sentence in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.comments import CommentModels
from models.themes import AspectMemo, ThemeComparison, compare_before_after, compare_groups
from service.campaigns import load_analysed_comments, screened_by_kol, theme_comments
from service.store.repositories import list_notes_for_kol
from service.store.tables import CampaignNote, Comment, Kol

BEFORE_DAYS = 90
#: earlier notes per KOL whose comments may fall in the "before" window
BEFORE_NOTES = 50
#: The comparisons keep each side's aspect counts (its rows) and comment counts, not its themes:
#: the keyword topics and candidate aspects of each side are not computed.
SIDE_OPTIONS: dict[str, Any] = {"discover": False, "topics": False}


def kol_labels(kols: Sequence[Kol]) -> dict[int, str]:
    """A display name per KOL row id, unique: the nickname, with the platform id where two share it."""
    names = [k.nickname or k.platform_user_id for k in kols]
    return {
        k.id: name if names.count(name) == 1 else f"{name} ({k.platform_user_id})"
        for k, name in zip(kols, names, strict=True)
    }


def _comparison_dict(comparison: ThemeComparison) -> dict[str, Any]:
    """The comparison without each side's full themes (the report shows the rows)."""
    data = comparison.to_dict()
    data["sides"] = {
        name: {k: side.get(k) for k in ("n_comments", "n_excluded", "note")}
        for name, side in data["sides"].items()
    }
    return data


def _earlier_comments(
    session: Session,
    writer: sessionmaker[Session],
    workspace_id: int,
    kols: Sequence[Kol],
    pivot: datetime,
    days: int,
    models: CommentModels,
) -> tuple[list[Comment], dict[int, Kol]]:
    """Comments posted on the KOLs' notes published before ``pivot``, in the ``days`` before it,
    without those the authenticity signal rejects; and each note's KOL."""
    start = pivot - timedelta(days=days)
    kol_of: dict[int, Kol] = {}
    for kol in kols:
        for note in list_notes_for_kol(session, workspace_id, kol.id, until=pivot, limit=BEFORE_NOTES):
            kol_of[note.id] = kol
    comments, _ = load_analysed_comments(session, writer, workspace_id, list(kol_of), models)
    in_window = [c for c in comments if c.created_at is not None and start <= _aware(c.created_at) < pivot]
    rejected = screened_by_kol(kol_of, in_window)
    return [c for c in in_window if c.platform_comment_id not in rejected], kol_of


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def campaign_theme_comparison(
    session: Session,
    writer: sessionmaker[Session],
    workspace_id: int,
    rows: Sequence[CampaignNote],
    comments: Sequence[Comment],
    models: CommentModels,
    *,
    days: int = BEFORE_DAYS,
    memo: AspectMemo | None = None,
) -> dict[str, Any] | None:
    """``{"by_kol", "before_after", "first_note", "window_days"}`` for the campaign report, or
    ``None`` without a dated campaign note. ``comments`` are the campaign notes' screened comments;
    ``memo`` holds the aspect analyses of the report's own theme summary (they are read again here)."""
    kols = list({k.id: k for r in rows if (k := r.kol or r.note.kol) is not None}.values())
    labels = kol_labels(kols)
    group_of: Mapping[int, str] = {r.note_id: labels[k.id] for r in rows if (k := r.kol or r.note.kol)}
    dated = [r for r in rows if r.note.published_at is not None]
    if not dated:
        return None
    first = min(dated, key=lambda r: _aware(r.note.published_at))  # type: ignore[arg-type]
    pivot = _aware(first.note.published_at)  # type: ignore[arg-type]
    earlier, kol_of = _earlier_comments(session, writer, workspace_id, kols, pivot, days, models)
    campaign_items = theme_comments(comments, group_of=group_of)
    earlier_items = theme_comments(earlier, group_of={n: labels[k.id] for n, k in kol_of.items()})
    first_kol = first.kol or first.note.kol
    return {
        "first_note": {
            "title": first.note.title or first.note.platform_note_id,
            "kol_name": labels.get(first_kol.id) if first_kol else None,
            "published_at": pivot.isoformat(),
        },
        "window_days": days,
        "by_kol": _comparison_dict(compare_groups(campaign_items, memo=memo, **SIDE_OPTIONS)),
        "before_after": _comparison_dict(
            compare_before_after([*earlier_items, *campaign_items], pivot, memo=memo, **SIDE_OPTIONS)
        ),
    }
