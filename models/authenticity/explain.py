"""What can explain a follower spike: the content the account published around it.

A spike (the change between two follower snapshots above the local baseline, see
:mod:`models.authenticity.growth`) is *explained* by as many followers as the content of those
days can plausibly bring. Three kinds of explainer, each with the numbers a person can check:

* **note metrics** (creator-centre snapshots of a note, cumulative per day): the note's gain in
  views, likes, saves, comments, shares and follows over the spike's days. A note whose views
  (or interactions) surged in those days, i.e. gained at least ``surge_factor`` times what the
  account's typical note gets in total, or doubled its own earlier count, can bring up to
  ``follows_per_view_max`` followers per view gained; follows the export attributes to the note
  count in full (divided by ``metrics_follow_support``, as they undercount follows that arrive
  through the profile). Without a surge, ``followers_per_interaction_max`` per interaction.
* **notes** (public counters as last seen) published from ``support_days_before`` days before the
  spike to its last day, or up to ``surge_lookback_days`` before when the note surged (XHS pushes
  notes again days after posting): up to ``followers_per_interaction_max`` followers per
  interaction, ``viral_followers_per_interaction_max`` for a note with ``surge_factor`` times the
  account's median interactions (a viral note reaches people outside the audience, who follow at
  a higher rate).
* **the profile counter** 获赞与收藏 (likes and collects) when the snapshots carry it: a gain over
  the spike's days of ``surge_factor`` times its usual pace or more, and above ``surge_factor``
  times the likes and saves of the account's median note (posting as usual is no surge), at
  ``viral_followers_per_interaction_max`` followers per like or collect above that pace. It
  covers notes that the export misses.
* **the profile's note count** (笔记) when the snapshots carry it: notes posted during the spike or
  shortly before that the notes export does not have, each counted as a typical note of the
  account (``followers_per_interaction_max`` times the median interactions per note).

Days are calendar days in the time zone of the snapshots (``utc_offset_hours``, China time for
XHS): a note posted at 23:30 on the 15th in Shanghai belongs to the 15th, not to the 15th UTC.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from models.authenticity.config import GrowthConfig
from models.authenticity.data import AccountData, Note, NoteMetricsSnapshot
from models.authenticity.series import DailySeries, daily_series

_COUNTS: tuple[str, ...] = ("views", "likes", "saves", "comments", "shares", "follows")
_INTERACTIONS: tuple[str, ...] = ("likes", "saves", "comments", "shares")


def local_day(moment: datetime, utc_offset_hours: float) -> date:
    """The calendar day of a naive-UTC moment in the snapshots' time zone."""
    return (moment + timedelta(hours=utc_offset_hours)).date()


def _compact(x: float) -> str:
    x = float(x)
    if abs(x) >= 1_000_000:
        return f"{x / 1_000_000:.1f}M"
    if abs(x) >= 10_000:
        return f"{x / 1_000:.0f}k"
    return f"{round(x):,}"


@dataclass(frozen=True, slots=True)
class Explainer:
    """One piece of content that can explain (part of) a spike, with its numbers."""

    kind: str  # "note_metrics", "note", "unexported_notes" or "profile"
    capacity: float  # followers it can plausibly bring
    surging: bool
    text: str
    note_id: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "note_id": self.note_id,
            "capacity_followers": round(self.capacity),
            "surging": self.surging,
            "numbers": self.numbers,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Support:
    """How much of a spike its explainers cover. ``support`` in words: ``none`` (no content in
    those days), ``note_without_surge`` (ordinary content), ``disproportionate`` (a surge, but
    too small for the spike) or ``supported``."""

    explained: float
    support: str
    explainers: tuple[Explainer, ...]

    @property
    def data_gap(self) -> bool:
        """Notes of those days are missing from the export: what they brought cannot be checked."""
        return any(e.kind == "unexported_notes" for e in self.explainers)

    @property
    def note_ids(self) -> tuple[str, ...]:
        return tuple(e.note_id for e in self.explainers if e.note_id)


class SpikeExplainer:
    """Built once per account; :meth:`explain` judges one spike window of the follower series."""

    def __init__(self, account: AccountData, series: DailySeries, cfg: GrowthConfig) -> None:
        self.cfg = cfg
        self.series = series
        self.notes = {n.note_id: n for n in account.notes}
        self.note_days = sorted(
            (
                ((local_day(n.published_at, cfg.utc_offset_hours) - series.start).days, n)
                for n in account.notes
            ),
            key=lambda p: (p[0], p[1].published_at, p[1].note_id),
        )
        interactions = [n.interactions for n in account.notes]
        self.median_interactions = float(np.median(interactions)) if len(interactions) >= 3 else None
        likes_saves = [n.liked_count + n.collected_count for n in account.notes]
        self.median_likes_saves = float(np.median(likes_saves)) if len(likes_saves) >= 3 else None
        self.metrics = _metric_series(account.note_metrics)
        totals = [float(p[-1][1]["views"]) for p in self.metrics.values() if "views" in p[-1][1]]
        self.median_views = float(np.median(totals)) if len(totals) >= 3 else None
        self.profile = _profile_series(account)
        counted = [(s.date, float(s.notes)) for s in account.follower_snapshots if s.notes is not None]
        self.note_counts = daily_series(counted) if len(counted) >= 3 else None

    def _surged(self, views: float, prior_views: float, interactions: float) -> bool:
        """A surge: the views gained reach ``surge_factor`` times the account's typical note, or
        double the note's own earlier count, or its interactions gained reach ``surge_factor``
        times the median note's."""
        factor = self.cfg.surge_factor
        if views > 0 and self.median_views is not None and views >= factor * self.median_views:
            return True
        if views > 0 and 0 < prior_views <= views:
            return True
        med = self.median_interactions
        return med is not None and interactions >= factor * max(med, 1.0)

    def _new_in(self, note_id: str, lo: date) -> bool:
        """Whether a note without metrics before ``lo`` was posted close enough to start from zero
        (creator-centre series start on the posting day; an unknown note is taken as new)."""
        note = self.notes.get(note_id)
        if note is None:
            return True
        posted = local_day(note.published_at, self.cfg.utc_offset_hours)
        return posted >= lo - timedelta(days=self.cfg.support_days_before)

    # ------------------------------------------------------------------ the three explainers

    def _metric_explainers(self, lo: date, hi: date) -> list[Explainer]:
        out = []
        for note_id, points in self.metrics.items():
            before, after = _value_at(points, lo - timedelta(days=1)), _value_at(points, hi)
            if not before and not self._new_in(note_id, lo):
                continue  # first seen inside the window though posted long before: gain unknown
            gains = {k: after[k] - before.get(k, 0) for k in _COUNTS if after.get(k) is not None}
            gains = {k: v for k, v in gains.items() if v > 0}
            if not gains:
                continue
            views = gains.get("views", 0)
            inter = sum(gains.get(k, 0) for k in _INTERACTIONS)
            surging = self._surged(views, before.get("views") or 0, inter)
            capacity = max(
                gains.get("follows", 0) / self.cfg.metrics_follow_support,
                self.cfg.follows_per_view_max * views if surging else 0.0,
                self.cfg.followers_per_interaction_max * inter,
            )
            note = self.notes.get(note_id)
            numbers = {k: [before.get(k, 0), after[k]] for k in gains}
            shown = ", ".join(
                f"{k} {_compact(before.get(k, 0))} to {_compact(after[k])}" for k in _COUNTS if k in gains
            )
            name = _note_name(note, note_id, self.cfg)
            out.append(
                Explainer(
                    "note_metrics",
                    capacity,
                    surging,
                    f"{name}: {shown} between {lo} and {hi}{' (a surge)' if surging else ''}",
                    note_id,
                    numbers,
                )
            )
        return out

    def _note_explainers(self, ev_start: int, ev_end: int, covered: set[str]) -> list[Explainer]:
        cfg, med = self.cfg, self.median_interactions
        out = []
        for day, note in self.note_days:
            if note.note_id in covered or day > ev_end:
                continue
            surging = med is not None and note.interactions >= cfg.surge_factor * max(med, 1.0)
            earliest = ev_start + 1 - (cfg.surge_lookback_days if surging else cfg.support_days_before)
            if day < earliest:
                continue
            rate = cfg.viral_followers_per_interaction_max if surging else cfg.followers_per_interaction_max
            times = f", {note.interactions / max(med or 1.0, 1.0):.0f}x the median note" if surging else ""
            out.append(
                Explainer(
                    "note",
                    rate * note.interactions,
                    surging,
                    f"{_note_name(note, note.note_id, cfg)}: {_compact(note.liked_count)} likes, "
                    f"{_compact(note.collected_count)} saves, {_compact(note.comment_count)} comments{times}",
                    note.note_id,
                    {
                        "likes": note.liked_count,
                        "saves": note.collected_count,
                        "comments": note.comment_count,
                        "shares": note.share_count,
                        "interactions": note.interactions,
                    },
                )
            )
        return out

    def _profile_explainer(self, ev_start: int, ev_end: int) -> Explainer | None:
        if self.profile is None:
            return None
        lc = self.profile
        lo, hi = self.series.day(ev_start), self.series.day(ev_end)
        a, b = (lo - lc.start).days, (hi - lc.start).days
        if a < 0 or b >= lc.n_days or b <= a:
            return None
        gain = float(lc.values[b] - lc.values[a])
        inc = np.diff(lc.values)
        usual = float(np.median(inc)) * (b - a) if inc.size else 0.0
        excess = gain - max(usual, 0.0)
        if excess <= 0:
            return None
        # Likes and collects above their usual pace are content engagement (from notes the export
        # may not hold), and bring followers at the ordinary rate. A surge (well above the usual
        # pace and above what the account's typical note brings) brings them at the viral rate.
        typical = self.median_likes_saves or 0.0
        surging = (
            gain >= self.cfg.surge_factor * max(usual, 1.0) and excess >= self.cfg.surge_factor * typical
        )
        rate = (
            self.cfg.viral_followers_per_interaction_max
            if surging
            else self.cfg.followers_per_interaction_max
        )
        return Explainer(
            "profile",
            rate * excess,
            surging,
            f"likes and collects (获赞与收藏) rose {_compact(gain)} between {lo} and {hi}, "
            f"{gain / max(usual, 1.0):.0f}x their usual pace",
            None,
            {"likes_and_collects_gain": round(gain), "usual_gain": round(usual)},
        )

    # ------------------------------------------------------------------ the verdict

    def _unexported_explainer(self, ev_start: int, ev_end: int, exported: int) -> Explainer | None:
        counts = self.note_counts
        med = self.median_interactions
        if counts is None or med is None:
            return None
        lo = self.series.day(ev_start - self.cfg.support_days_before)
        hi = self.series.day(ev_end)
        a, b = (lo - counts.start).days, (hi - counts.start).days
        if b <= 0 or a >= counts.n_days - 1:
            return None
        posted = round(float(counts.values[min(b, counts.n_days - 1)] - counts.values[max(a, 0)]))
        missing = posted - exported
        if missing <= 0:
            return None
        return Explainer(
            "unexported_notes",
            self.cfg.followers_per_interaction_max * med * missing,
            False,
            f"the profile's note count (笔记) rose by {posted} between {lo} and {hi} but the notes export "
            f"has {exported} from those days: {missing} note{'s' if missing > 1 else ''} missing from the export, "
            f"counted as typical notes ({_compact(med)} interactions)",
            None,
            {"profile_notes_posted": posted, "exported": exported},
        )

    def explain(self, ev_start: int, ev_end: int, excess: float) -> Support:
        """Explainers of a spike between the snapshots of days ``ev_start`` and ``ev_end``."""
        lo = self.series.day(ev_start)
        hi = self.series.day(ev_end)
        explainers = self._metric_explainers(lo, hi)
        covered = {e.note_id for e in explainers if e.note_id}
        explainers += self._note_explainers(ev_start, ev_end, covered)
        exported = sum(1 for d, _ in self.note_days if ev_start - self.cfg.support_days_before <= d <= ev_end)
        unexported = self._unexported_explainer(ev_start, ev_end, exported)
        if unexported is not None:
            explainers.append(unexported)
        profile = self._profile_explainer(ev_start, ev_end)
        content = sum(e.capacity for e in explainers)
        if profile is not None and profile.capacity > content:
            explainers.append(profile)
            content = profile.capacity
        explainers.sort(key=lambda e: -e.capacity)
        if not explainers:
            return Support(0.0, "none", ())
        explained = min(1.0, content / max(excess, 1.0))
        if explained >= 1.0:
            support = "supported"
        elif any(e.surging for e in explainers):
            support = "disproportionate"
        else:
            support = "note_without_surge"
        return Support(explained, support, tuple(explainers))


def _note_name(note: Note | None, note_id: str, cfg: GrowthConfig) -> str:
    if note is None:
        return f"note {note_id} (not in the notes export)"
    when = (note.published_at + timedelta(hours=cfg.utc_offset_hours)).strftime("%Y-%m-%d %H:%M")
    title = f" “{note.title[:30]}”" if note.title else ""
    return f"note {note.note_id}{title} published {when}"


def _metric_series(snapshots: Any) -> dict[str, list[tuple[date, dict[str, int]]]]:
    """Per note, its snapshots in date order as ``(date, {count: value})`` (known counts only)."""
    by_note: dict[str, dict[date, dict[str, int]]] = defaultdict(dict)
    for m in snapshots:
        assert isinstance(m, NoteMetricsSnapshot)
        values = {k: int(getattr(m, k)) for k in _COUNTS if getattr(m, k) is not None}
        if values:
            by_note[m.note_id][m.date] = values
    return {k: sorted(v.items()) for k, v in by_note.items()}


def _value_at(points: list[tuple[date, dict[str, int]]], day: date) -> dict[str, int]:
    """Cumulative counts on ``day``: the latest snapshot on or before it (nothing before the first)."""
    out: dict[str, int] = {}
    for d, values in points:
        if d > day:
            break
        out = values
    return out


def _profile_series(account: AccountData) -> DailySeries | None:
    known = [
        (s.date, float(s.likes_and_collects)) for s in account.follower_snapshots if s.likes_and_collects
    ]
    return daily_series(known) if len(known) >= 3 else None
