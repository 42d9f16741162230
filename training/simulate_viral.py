"""A second, independently designed family of simulated accounts: genuine viral notes and bought
follower bursts, modelled hour by hour in China time.

:mod:`training.simulate` models accounts day by day with one note-day per note; the authenticity
calibration is fitted on it. This family is built differently, to check the calibration on
scenarios it was not fitted on (issue #11):

* follower counts move every hour (a daily activity cycle, churn, follows brought by each view of
  each note), in China time (UTC+8); a note's views arrive along an exponential curve, and a viral
  note gets an extra wave of views that starts hours or days after posting;
* follower snapshots are taken at an hour of the day (fixed, or irregular: any hour, some days
  skipped, some twice) and carry the China date, the following count and, for most accounts, the
  profile's note count (笔记) and likes and collects (获赞与收藏);
* creator-centre note metrics (cumulative views, likes, saves, comments, shares, follows at the
  end of each China day for ten days) exist for some accounts;
* the notes export may miss notes (the viral one included), comments are sampled per note.

Scenarios are data (:data:`VIRAL_FAMILY`): each names what varies. Organic ones: the viral note
takes off on its posting day (``viral_first_day``), around midnight so the jump spans two China
days (``viral_day_boundary``), with snapshots at irregular hours (``viral_irregular_hours``),
with an export that misses notes (``viral_missing_notes``), days after posting when XHS pushes it
again (``viral_delayed_push``), or with several notes posted while followers pour in
(``viral_several_notes``). Manipulated ones buy a burst of followers that never engage: at a
random hour (``bought_burst``), hours after an ordinary note (``bought_after_note``), or with
irregular snapshots and a partial export (``bought_irregular_export``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np

from models.authenticity.data import AccountData, Comment, FollowerSnapshot, Note, NoteMetricsSnapshot
from training.simulate import (
    CHINA,
    END,
    GENERIC_PRAISE,
    PROVINCES,
    TIERS,
    CommentPools,
    SimulatedAccount,
    _choose,
    _default_nickname,
    _hex_id,
    _lognormal,
    _nickname,
    _pick,
    load_comment_pools,
)

Label = Literal["organic", "manipulated"]


@dataclass(frozen=True, slots=True)
class ViralScenario:
    """One scenario of the family. Hours are China time; ranges are drawn uniformly."""

    name: str
    label: Label
    viral: bool = True
    post_hour: tuple[float, float] = (7.0, 23.0)  # when the viral note (or the ordinary one) is posted
    takeoff_hours: tuple[float, float] = (0.5, 6.0)  # from posting to the start of the viral wave
    snapshots: Literal["fixed", "irregular"] = "fixed"
    missing_notes: tuple[float, float] = (0.0, 0.0)  # share of notes the export misses (viral one too)
    riders: tuple[int, int] = (0, 0)  # notes posted while the wave runs
    bought: Literal["none", "random", "after_note"] = "none"


VIRAL_FAMILY: tuple[ViralScenario, ...] = (
    ViralScenario("viral_first_day", "organic", post_hour=(8.0, 14.0), takeoff_hours=(0.5, 4.0)),
    ViralScenario("viral_day_boundary", "organic", post_hour=(21.5, 25.5), takeoff_hours=(0.5, 3.0)),
    ViralScenario("viral_irregular_hours", "organic", snapshots="irregular"),
    ViralScenario("viral_missing_notes", "organic", missing_notes=(0.2, 0.5)),
    ViralScenario("viral_delayed_push", "organic", takeoff_hours=(40.0, 140.0)),
    ViralScenario("viral_several_notes", "organic", riders=(2, 4)),
    ViralScenario("bought_burst", "manipulated", viral=False, bought="random"),
    ViralScenario("bought_after_note", "manipulated", viral=False, bought="after_note"),
    ViralScenario(
        "bought_irregular_export",
        "manipulated",
        viral=False,
        bought="random",
        snapshots="irregular",
        missing_notes=(0.2, 0.5),
    ),
)
FAMILY_BY_NAME: dict[str, ViralScenario] = {s.name: s for s in VIRAL_FAMILY}
MAX_FOLLOWS_PER_VIEW = 0.03  # a little above the best real note (2.4 follows per 100 views)

# Share of a day's follows and views falling in each China hour (people scroll in the evening).
_HOURLY = np.array(
    [2, 1, 0.6, 0.4, 0.3, 0.4, 0.8, 1.5, 2.5, 3, 3, 3.5, 4.5, 4, 3.5, 3.5, 4, 4.5, 5, 6, 7, 7.5, 6.5, 4]
)
HOURLY = _HOURLY / _HOURLY.sum()


@dataclass(slots=True)
class _PostedNote:
    note_id: str
    hour: int  # hours since the start of the history (China time)
    views: np.ndarray  # views gained in each hour of the history
    like_rate: float
    saves_per_like: float
    comments_per_like: float
    shares_per_like: float
    follows_per_view: float
    viral: bool = False
    sponsored: bool = False


@dataclass(slots=True)
class _Account:
    scenario: ViralScenario
    tier: str
    days: int
    start: date
    followers0: float
    notes: list[_PostedNote] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)

    @property
    def hours(self) -> int:
        return self.days * 24

    def moment(self, hour: float) -> datetime:
        """The China-time moment of an hour index."""
        return datetime.combine(self.start, datetime.min.time(), tzinfo=CHINA) + timedelta(hours=hour)


def _wave(hours: int, start: float, total: float, tau: float) -> np.ndarray:
    """``total`` views arriving from hour ``start`` on with time constant ``tau`` hours."""
    t = np.arange(hours, dtype=np.float64) + 1.0 - start
    cum = total * (1.0 - np.exp(-np.clip(t, 0.0, None) / tau))
    return np.diff(np.concatenate(([0.0], cum)))


def _post(rng: np.random.Generator, acc: _Account, hour: float, views: float, **kw: object) -> _PostedNote:
    note = _PostedNote(
        note_id=_hex_id(rng),
        hour=int(hour),
        views=_wave(acc.hours, hour, views, float(rng.uniform(6, 30))),
        like_rate=float(rng.uniform(0.03, 0.08)),
        saves_per_like=float(rng.uniform(0.2, 0.6)),
        comments_per_like=float(rng.uniform(0.02, 0.06)),
        shares_per_like=float(rng.uniform(0.05, 0.15)),
        # real creator-centre notes: median 0.7, max 2.4 follows per 100 views (shared corpora, 41 notes)
        follows_per_view=min(_lognormal(rng, 0.006, 0.6), MAX_FOLLOWS_PER_VIEW),
        sponsored=bool(rng.random() < 0.15),
    )
    for key, value in kw.items():
        setattr(note, key, value)
    acc.notes.append(note)
    return note


def _posting_hour(rng: np.random.Generator, day: int) -> float:
    return day * 24 + float(np.clip(rng.normal(19.5, 3.0), 7.0, 23.9))


def _ordinary_notes(rng: np.random.Generator, acc: _Account) -> None:
    n = int(rng.integers(10, 26))
    # views per follower of an ordinary note: about the tier's engagement rate over the
    # interactions per view (~8 %), so big accounts reach a smaller share of their followers
    reach = _lognormal(rng, TIERS[acc.tier][2] / 0.08, 0.4)
    for day in np.sort(rng.integers(1, acc.days - 2, size=n)):
        _post(rng, acc, _posting_hour(rng, int(day)), acc.followers0 * reach * _lognormal(rng, 1.0, 0.6))
    acc.params["ordinary_reach"] = round(reach, 3)


def _viral_note(rng: np.random.Generator, acc: _Account) -> None:
    sc = acc.scenario
    day = int(rng.integers(acc.days // 4, acc.days - 25))
    hour = day * 24 + float(rng.uniform(*sc.post_hour))
    base = acc.followers0 * _lognormal(rng, TIERS[acc.tier][2] / 0.08, 0.4)
    note = _post(rng, acc, hour, base, viral=True)
    takeoff = hour + float(rng.uniform(*sc.takeoff_hours))
    extra = base * float(math.exp(rng.uniform(math.log(15), math.log(150))))
    note.views = note.views + _wave(acc.hours, takeoff, extra, float(rng.uniform(12, 48)))
    # a wider audience, converting about as well
    note.follows_per_view = min(note.follows_per_view * float(rng.uniform(0.7, 1.5)), MAX_FOLLOWS_PER_VIEW)
    acc.params.update(
        {
            "viral_posted": acc.moment(hour).isoformat(timespec="minutes"),
            "takeoff": acc.moment(takeoff).isoformat(timespec="minutes"),
            "viral_views": round(extra),
        }
    )
    riders = int(rng.integers(sc.riders[0], sc.riders[1] + 1))
    for _ in range(riders):
        ride = takeoff + float(rng.uniform(2, 72))
        _post(rng, acc, ride, base * float(rng.uniform(3, 10)))
    acc.params["riders"] = riders


def _bought(rng: np.random.Generator, acc: _Account) -> np.ndarray:
    """Bought followers per hour: a burst of 2-20 % of the followers over 3-36 hours."""
    per_hour = np.zeros(acc.hours)
    if acc.scenario.bought == "none":
        return per_hour
    size = acc.followers0 * float(rng.uniform(0.02, 0.2))
    if acc.scenario.bought == "after_note":
        ordinary = [n.hour for n in acc.notes if acc.days // 5 * 24 < n.hour < acc.hours - 300]
        start = (ordinary[int(rng.integers(len(ordinary)))] if ordinary else acc.hours // 2) + rng.uniform(
            2, 30
        )
    else:
        start = float(rng.uniform(acc.hours // 5, acc.hours - 300))
    length = int(rng.integers(3, 37))
    per_hour[int(start) : int(start) + length] += size / length
    acc.params.update({"bought": round(size), "bought_hour": round(float(start), 1)})
    return per_hour


def _follower_curve(rng: np.random.Generator, acc: _Account, bought: np.ndarray) -> np.ndarray:
    """Followers at the end of each hour: organic discovery, follows from views, churn, the
    natural unfollowing of part of a viral wave's followers, and any bought ones."""
    hours = acc.hours
    # people who find the profile through search and feeds, in proportion to how engaging it is
    daily = _lognormal(rng, 0.01 * TIERS[acc.tier][2], 0.6)
    discovery = acc.followers0 * daily * np.tile(HOURLY, acc.days)
    follows = sum((n.views * n.follows_per_view for n in acc.notes), np.zeros(hours))
    viral_follows = sum((n.views * n.follows_per_view for n in acc.notes if n.viral), np.zeros(hours))
    regret = np.convolve(viral_follows, np.full(24 * 30, float(rng.uniform(0.03, 0.1)) / (24 * 30)))[:hours]
    gained = rng.poisson(discovery + follows) + bought
    churn_rate = _lognormal(rng, 0.0003, 0.4) / 24.0
    counts = np.empty(hours)
    level = acc.followers0
    for h in range(hours):
        level = max(level + gained[h] - rng.poisson(level * churn_rate) - regret[h], 0.0)
        counts[h] = level
    return counts


def _snapshot_hours(rng: np.random.Generator, acc: _Account) -> list[int]:
    """Hour indices at which the follower count was read (China time)."""
    if acc.scenario.snapshots == "fixed":
        at = int(rng.integers(0, 24))
        return [d * 24 + at for d in range(acc.days)]
    out: list[int] = []
    for d in range(acc.days):
        if rng.random() < 0.15:
            continue  # a day skipped
        for _ in range(2 if rng.random() < 0.1 else 1):
            out.append(d * 24 + int(rng.integers(0, 24)))
    return sorted(set(out))


def _likes_collects(acc: _Account) -> np.ndarray:
    """The profile counter 获赞与收藏 per hour (every note counts, exported or not)."""
    per_hour = sum((n.views * n.like_rate * (1 + n.saves_per_like) for n in acc.notes), np.zeros(acc.hours))
    return acc.followers0 * 4.0 + np.cumsum(per_hour)


def _follower_snapshots(
    rng: np.random.Generator, acc: _Account, counts: np.ndarray
) -> list[FollowerSnapshot]:
    lc = _likes_collects(acc)
    has_lc, has_notes = rng.random() < 0.85, rng.random() < 0.85
    following = int(rng.integers(50, 900))
    earlier = int(rng.integers(20, 300))  # notes posted before the history starts
    out = []
    hours = _snapshot_hours(rng, acc)
    acc.params["snapshot_hours_of_day"] = sorted({h % 24 for h in hours})
    for h in hours:
        out.append(
            FollowerSnapshot(
                date=acc.moment(h).date(),
                followers=round(float(counts[h])),
                following=following,
                notes=earlier + sum(1 for n in acc.notes if n.hour <= h) if has_notes else None,
                likes_and_collects=round(float(lc[h])) if has_lc else None,
            )
        )
    by_day = {s.date: s for s in out}  # one snapshot per day: the last one read that day
    return [by_day[d] for d in sorted(by_day)]


def _exported(rng: np.random.Generator, acc: _Account) -> list[_PostedNote]:
    share = float(rng.uniform(*acc.scenario.missing_notes))
    kept = [n for n in acc.notes if rng.random() >= share]
    acc.params["notes_missing"] = len(acc.notes) - len(kept)
    acc.params["viral_missing"] = any(n.viral for n in acc.notes) and not any(n.viral for n in kept)
    return kept


def _counters(note: _PostedNote, upto: int) -> dict[str, int]:
    views = float(note.views[:upto].sum())
    likes = views * note.like_rate
    return {
        "views": round(views),
        "likes": round(likes),
        "saves": round(likes * note.saves_per_like),
        "comments": round(likes * note.comments_per_like),
        "shares": round(likes * note.shares_per_like),
        "follows": round(views * note.follows_per_view),
    }


def _note_rows(acc: _Account, exported: list[_PostedNote]) -> list[Note]:
    out = []
    for i, n in enumerate(sorted(exported, key=lambda x: x.hour)):
        c = _counters(n, acc.hours)
        out.append(
            Note(
                note_id=n.note_id,
                published_at=acc.moment(n.hour),
                title=f"note {i + 1}",
                sponsored=n.sponsored,
                liked_count=c["likes"],
                collected_count=c["saves"],
                comment_count=c["comments"],
                share_count=c["shares"],
            )
        )
    return out


def _metric_rows(
    rng: np.random.Generator, acc: _Account, exported: list[_PostedNote]
) -> list[NoteMetricsSnapshot]:
    """Creator-centre figures at the end of each China day, ten days from posting (some accounts)."""
    if rng.random() >= 0.6:
        return []
    out = []
    for n in exported:
        first = n.hour // 24
        for d in range(first, min(first + 10, acc.days)):
            c = _counters(n, (d + 1) * 24)
            out.append(NoteMetricsSnapshot(note_id=n.note_id, date=acc.start + timedelta(days=d), **c))
    return out


def _comments(
    rng: np.random.Generator, acc: _Account, exported: list[_PostedNote], pools: CommentPools, cap: int
) -> list[Comment]:
    """Comments sampled per note, posted as its views arrive, from distinct real-looking people."""
    totals = {n.note_id: _counters(n, acc.hours)["comments"] for n in exported}
    texts = [t for source in sorted(pools.human) for t in pools.human[source]]
    # people do not repeat each other verbatim: never more comments than distinct texts
    coverage = min(1.0, min(cap, len(texts)) / max(sum(totals.values()), 1))
    order = [int(i) for i in rng.permutation(len(texts))]
    out: list[Comment] = []
    for n in exported:
        k = int(rng.binomial(totals[n.note_id], coverage))
        weights = n.views / max(float(n.views.sum()), 1.0)
        for h in rng.choice(acc.hours, size=k, p=weights) if k else []:
            if not order:
                order = [int(i) for i in rng.permutation(len(texts))]
            text = _pick(rng, GENERIC_PRAISE) if rng.random() < 0.1 else texts[order.pop()]
            default = rng.random() < 0.02
            out.append(
                Comment(
                    comment_id=_hex_id(rng),
                    note_id=n.note_id,
                    text=text,
                    created_at=acc.moment(float(h) + float(rng.random())),
                    commenter_id=_hex_id(rng),
                    nickname=_default_nickname(rng) if default else _nickname(rng),
                    like_count=int(rng.geometric(0.4) - 1),
                    ip_location=_choose(rng, PROVINCES) if rng.random() < 0.9 else None,
                )
            )
    return out


def simulate_viral_one(
    rng: np.random.Generator, scenario: ViralScenario, pools: CommentPools, max_comments: int = 600
) -> SimulatedAccount:
    """One account of ``scenario``, reproducible for the generator's seed."""
    tier = _choose(rng, {"nano": 0.15, "micro": 0.35, "mid": 0.25, "macro": 0.12, "top": 0.13})
    lo, hi, _ = TIERS[tier]
    days = int(rng.integers(75, 151))
    acc = _Account(
        scenario,
        tier,
        days,
        (END - timedelta(days=days)).date(),
        float(math.exp(rng.uniform(math.log(lo), math.log(hi)))),
    )
    _ordinary_notes(rng, acc)
    if scenario.viral:
        _viral_note(rng, acc)
    counts = _follower_curve(rng, acc, _bought(rng, acc))
    exported = _exported(rng, acc)
    kol = _hex_id(rng)
    account = AccountData(
        kol_id=kol,
        follower_snapshots=_follower_snapshots(rng, acc, counts),
        notes=_note_rows(acc, exported),
        note_metrics=_metric_rows(rng, acc, exported),
        comments=_comments(rng, acc, exported, pools, max_comments),
        followers=round(float(counts[-1])),
        kol_user_id=kol,
    )
    acc.params.update(
        {
            "days": days,
            "family": "viral",
            "noise": "hourly",
            "history": "full",
            "notes_posted": len(acc.notes),
        }
    )
    acc.params.setdefault("intensity", None)
    return SimulatedAccount(account, scenario.label, scenario.name, tier, dict(acc.params))


def simulate_viral_family(
    seed: int,
    n_per_scenario: int,
    *,
    pools: CommentPools | None = None,
    scenarios: tuple[str, ...] | None = None,
    only: list[int] | None = None,
) -> list[SimulatedAccount]:
    """``n_per_scenario`` accounts of every scenario (or of ``scenarios``), account ``i`` depending
    only on ``(seed, i)``; ``only`` picks indices of the full run (to spread work over processes)."""
    chosen = [FAMILY_BY_NAME[name] for name in scenarios] if scenarios else list(VIRAL_FAMILY)
    plan = [sc for sc in chosen for _ in range(n_per_scenario)]
    pools = pools or load_comment_pools(None)
    indices = range(len(plan)) if only is None else only
    return [simulate_viral_one(np.random.default_rng([seed, 11, i]), plan[i], pools) for i in indices]
