"""Brand mentions per ISO week, share of voice, UGC re-creation and branded search lift.

Pure functions over :class:`Mention` rows (the service matches stored notes and comments with
:class:`models.market.brands.BrandMatcher` and passes what matched).

Definitions

* A **mention** is a note or a comment whose text (note: title, description and tags) names the
  brand at least once; a text naming two brands is a mention of each. Weeks are ISO weeks
  (Monday to Sunday) in China time, keyed by their Monday.
* **Sentiment and intents** of a brand count only its mentioning comments that are analysed and
  written by real commenters (``real``: the authenticity screen of issue #11 did not reject them
  as bots, coordinated copies or spam).
* **Share of voice** (:func:`models.kpi.formulas.share_of_voice`) = the brand's mentions (notes +
  comments) / the mentions of every tracked brand, per week and over the period.
* **UGC re-creation**: notes mentioning the brand by creators who are not in the campaign, in the
  ``window_days`` before the campaign's first note and the ``window_days`` from it;
  ``ugc_lift = after / before - 1``.
* **Branded search lift**: the search index (or volume) of the brand's keywords summed over the
  same two windows; ``branded_search_lift = after / before - 1``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, NamedTuple

from models.kpi import formulas as f
from models.labels import INTENTS, SENTIMENTS

__all__ = [
    "Mention",
    "SearchPoint",
    "brand_weeks",
    "search_lift",
    "ugc_recreation",
    "week_of",
]

CHINA = timezone(timedelta(hours=8))
TOP_CREATORS = 5
MAX_WINDOW_DAYS = 365


@dataclass(frozen=True)
class Mention:
    """One note or comment mentioning one brand."""

    brand: str
    kind: Literal["note", "comment"]
    doc_id: str  # platform id of the note or comment
    at: datetime | None  # when it was published (notes) or posted (comments)
    note_id: str  # the note itself, or the note a comment is under
    #: the terms that matched, as normalised
    terms: tuple[str, ...] = ()
    #: the note's author or the commenter
    creator: str | None = None
    creator_name: str | None = None
    #: comments only: whether a real commenter wrote it, and the stored analysis
    real: bool = True
    sentiment: str | None = None
    intents: Mapping[str, bool] = field(default_factory=dict)
    #: notes only
    title: str | None = None
    url: str | None = None


class SearchPoint(NamedTuple):
    """The search index (or volume) of one keyword on one day."""

    day: date
    keyword: str
    value: int


def week_of(moment: datetime | date) -> date:
    """The Monday of the ISO week holding ``moment`` (China time for a datetime)."""
    day = moment.astimezone(CHINA).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _net(counts: Mapping[str, int]) -> float | None:
    known = counts["positive"] + counts["neutral"] + counts["negative"]
    return None if known == 0 else (counts["positive"] - counts["negative"]) / known


def _block(mentions: Sequence[Mention]) -> dict[str, Any]:
    """Counts of one brand over some mentions: notes, comments, real commenters' sentiment and intents."""
    sentiment = dict.fromkeys(SENTIMENTS, 0)
    intents = dict.fromkeys(INTENTS, 0)
    comments = [m for m in mentions if m.kind == "comment"]
    rated = [m for m in comments if m.real and m.sentiment in sentiment]
    for m in rated:
        sentiment[str(m.sentiment)] += 1
        for name, flag in m.intents.items():
            if flag and name in intents:
                intents[name] += 1
    return {
        "mentions": len(mentions),
        "note_mentions": len(mentions) - len(comments),
        "comment_mentions": len(comments),
        "comments_rated": len(rated),
        "comments_left_out": sum(not m.real for m in comments),
        "sentiment": sentiment,
        "net_sentiment": _net(sentiment),
        "intents": intents,
        "intent_shares": {k: (v / len(rated) if rated else None) for k, v in intents.items()},
    }


def _top_creators(mentions: Iterable[Mention], n: int = TOP_CREATORS) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    names: dict[str, str | None] = {}
    for m in mentions:
        if m.kind == "note" and m.creator:
            counts[m.creator] += 1
            names[m.creator] = m.creator_name or names.get(m.creator)
    return [{"creator": c, "name": names.get(c), "notes": k} for c, k in counts.most_common(n)]


def brand_weeks(brands: Sequence[str], mentions: Sequence[Mention]) -> dict[str, Any]:
    """Per brand: totals, share of voice, top creators and one row per ISO week with mentions.

    Undated mentions count in the totals only. Weeks without any mention of any brand are left
    out; a week some brands have no mention in shows 0 for them.
    """
    by_brand: dict[str, list[Mention]] = {b: [] for b in brands}
    for m in mentions:
        if m.brand in by_brand:
            by_brand[m.brand].append(m)
    weeks = sorted({week_of(m.at) for m in mentions if m.at is not None and m.brand in by_brand})
    week_totals = Counter(week_of(m.at) for m in mentions if m.at is not None and m.brand in by_brand)
    everyone = sum(len(v) for v in by_brand.values())
    out = []
    for brand in brands:
        rows = by_brand[brand]
        per_week: dict[date, list[Mention]] = {w: [] for w in weeks}
        for m in rows:
            if m.at is not None:
                per_week[week_of(m.at)].append(m)
        series = []
        for week, items in per_week.items():
            block = _block(items)
            block["week"] = week.isoformat()
            block["iso_week"] = "{}-W{:02d}".format(*week.isocalendar()[:2])
            block["share_of_voice"] = f.share_of_voice(len(items), week_totals[week]).to_dict()
            series.append(block)
        total = _block(rows)
        total["share_of_voice"] = f.share_of_voice(len(rows), everyone).to_dict()
        out.append({"brand": brand, "totals": total, "weeks": series, "top_creators": _top_creators(rows)})
    return {
        "brands": out,
        "weeks": [w.isoformat() for w in weeks],
        "all_mentions": everyone,
        "definition": "a mention is a note (title, description, tags) or a comment naming the brand; "
        "sentiment and intents count analysed comments by real commenters only",
    }


def _windows(pivot: date, window_days: int) -> tuple[date, date, date]:
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"window_days={window_days} must be between 1 and {MAX_WINDOW_DAYS}")
    return pivot - timedelta(days=window_days), pivot, pivot + timedelta(days=window_days)


def _note_row(m: Mention) -> dict[str, Any]:
    return {
        "note_id": m.note_id,
        "title": m.title,
        "creator": m.creator,
        "creator_name": m.creator_name,
        "published_at": m.at.isoformat() if m.at else None,
        "url": m.url,
    }


def _when(m: Mention) -> datetime:
    return m.at or datetime.min.replace(tzinfo=CHINA)


def ugc_recreation(
    mentions: Sequence[Mention],
    brand: str,
    campaign_creators: Iterable[str],
    first_note_at: datetime,
    *,
    window_days: int = 28,
) -> dict[str, Any]:
    """Notes mentioning ``brand`` by creators outside the campaign, before and after its first note."""
    start, pivot, end = _windows(first_note_at.astimezone(CHINA).date(), window_days)
    insiders = set(campaign_creators)
    before, after = [], []
    for m in mentions:
        if m.brand != brand or m.kind != "note" or m.at is None or m.creator in insiders:
            continue
        day = m.at.astimezone(CHINA).date()
        if start <= day < pivot:
            before.append(m)
        elif pivot <= day < end:
            after.append(m)
    return {
        "brand": brand,
        "pivot": first_note_at.isoformat(),
        "window_days": window_days,
        "before": {"from": start.isoformat(), "to": pivot.isoformat(), "notes": len(before)},
        "after": {"from": pivot.isoformat(), "to": end.isoformat(), "notes": len(after)},
        "ugc_lift": f.ugc_lift(len(before), len(after)).to_dict(),
        "creators_after": len({m.creator for m in after if m.creator}),
        "notes_before": [_note_row(m) for m in sorted(before, key=_when)],
        "notes_after": [_note_row(m) for m in sorted(after, key=_when)],
        "definition": "notes naming the brand by creators not in the campaign, in equal windows "
        "before and from the campaign's first note (China time)",
    }


def search_lift(
    points: Sequence[SearchPoint], keywords: Iterable[str], pivot: date, *, window_days: int = 28
) -> dict[str, Any]:
    """Branded search index summed over the windows before and from ``pivot``, per keyword and in all."""
    start, pivot, end = _windows(pivot, window_days)
    shown = sorted({k.strip() for k in keywords})
    wanted = {k.lower() for k in shown}
    sums: dict[str, list[int]] = {}
    days: dict[str, set[date]] = {"before": set(), "after": set()}
    for p in points:
        if p.keyword.strip().lower() not in wanted:
            continue
        side = 0 if start <= p.day < pivot else 1 if pivot <= p.day < end else None
        if side is None:
            continue
        sums.setdefault(p.keyword, [0, 0])[side] += p.value
        days["before" if side == 0 else "after"].add(p.day)
    before = sum(v[0] for v in sums.values()) if days["before"] else None
    after = sum(v[1] for v in sums.values()) if days["after"] else None
    lift = f.branded_search_lift(before, after).to_dict()
    if before is None or after is None:
        lift["reason"] = (
            "no search-index values "
            + ("before" if before is None else "after")
            + f" {pivot.isoformat()} for {', '.join(shown)}: import a search-index CSV or type the values"
        )
    return {
        "keywords": shown,
        "pivot": pivot.isoformat(),
        "window_days": window_days,
        "before": {
            "from": start.isoformat(),
            "to": pivot.isoformat(),
            "total": before,
            "days": len(days["before"]),
        },
        "after": {
            "from": pivot.isoformat(),
            "to": end.isoformat(),
            "total": after,
            "days": len(days["after"]),
        },
        "per_keyword": {k: {"before": v[0], "after": v[1]} for k, v in sorted(sums.items())},
        "branded_search_lift": lift,
    }
