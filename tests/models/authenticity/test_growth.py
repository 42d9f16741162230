from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from models.authenticity import FollowerSnapshot
from models.authenticity.config import GrowthConfig
from models.authenticity.growth import F_FLAT, F_FOLLOWING, F_PURGE, F_RATIO, F_SPIKE, F_STEP, growth_signal
from models.authenticity.result import Flag, SignalResult
from models.authenticity.series import (
    binary_segmentation,
    collapse_plateaus,
    daily_series,
    quanta,
    rolling_median,
)
from tests.models.authenticity.builders import START, account, note, snapshots

CFG = GrowthConfig()


def _codes(result: SignalResult) -> list[str]:
    return [f.code for f in result.flags]


def _flag(result: SignalResult, code: str) -> Flag:
    return next(f for f in result.flags if f.code == code)


def steady(days: int = 60, rate: float = 50.0) -> list[float]:
    return [rate] * days


def test_growth_spike_without_note_is_flagged_with_evidence() -> None:
    gains = steady()
    gains[30] += 5_000
    res = growth_signal(account(follower_snapshots=snapshots(gains, noise=5)), CFG)
    flag = _flag(res, "follower_spike")
    assert flag.feature == F_SPIKE
    assert flag.strength > 0.6 and flag.severity == "high"
    assert "no note published between 2026-01-29 and 2026-01-31" in flag.evidence
    assert (START + timedelta(days=30)).isoformat() in flag.evidence
    assert "+5,0" in flag.evidence or "+4,9" in flag.evidence
    assert res.features[F_SPIKE] == pytest.approx(flag.strength)
    marked = [p for p in res.series["daily_followers"] if p["anomaly"] == "spike"]
    assert [p["date"] for p in marked] == [(START + timedelta(days=30)).isoformat()]


def test_growth_spike_after_surging_note_is_explained() -> None:
    gains = steady()
    gains[30] += 5_000
    notes = [note(d, 2_000) for d in (3, 10, 17, 24, 40, 50)] + [note(29, 120_000, note_id="viral")]
    res = growth_signal(account(follower_snapshots=snapshots(gains, noise=5), notes=notes), CFG)
    assert "follower_spike" not in _codes(res)
    flag = _flag(res, "follower_spike_explained")
    assert flag.strength == 0 and flag.feature is None
    assert "viral" in flag.evidence
    assert res.features[F_SPIKE] == 0


def test_growth_spike_after_ordinary_note_is_only_partly_explained() -> None:
    gains = steady()
    gains[30] += 5_000
    notes = [note(d, 2_000) for d in (3, 10, 17, 24, 29, 40, 50)]
    res = growth_signal(account(follower_snapshots=snapshots(gains, noise=5), notes=notes), CFG)
    flag = _flag(res, "follower_spike")
    assert "n029" in flag.evidence and "at most" in flag.evidence
    no_note = growth_signal(account(follower_snapshots=snapshots(gains, noise=5)), CFG)
    assert 0 < flag.strength < _flag(no_note, "follower_spike").strength


def test_growth_spike_then_purge_reports_share_lost() -> None:
    gains = steady(70)
    gains[30] += 6_000
    for d in (45, 46, 47):
        gains[d] -= 1_200  # 3,600 of the 6,000 removed
    res = growth_signal(account(follower_snapshots=snapshots(gains, noise=5)), CFG)
    spike = _flag(res, "follower_spike")
    purge = _flag(res, "follower_purge")
    assert purge.feature == F_PURGE and purge.strength > 0.5
    assert spike.details["share_lost"] == pytest.approx(0.6, abs=0.08)
    assert "gone by 2026-02-1" in spike.evidence  # 2026-02-15..17
    assert res.features[F_PURGE] > 0


def test_growth_without_purge_has_no_purge_flag() -> None:
    gains = steady(70)
    gains[30] += 6_000
    res = growth_signal(account(follower_snapshots=snapshots(gains, noise=5)), CFG)
    assert "follower_purge" not in _codes(res)
    assert res.features[F_PURGE] == 0


def test_growth_steady_growth_with_flat_engagement_is_flagged() -> None:
    gains = [250.0 + 4 * d for d in range(90)]  # 10k -> ~42k
    notes = [note(d, 1_000 + (d % 3) * 40) for d in range(2, 90, 7)]
    res = growth_signal(
        account(follower_snapshots=snapshots(gains, start_followers=10_000, noise=3), notes=notes), CFG
    )
    flag = _flag(res, "growth_without_engagement")
    assert flag.feature == F_FLAT and flag.strength > 0
    assert "median interactions per note" in flag.evidence


def test_growth_with_engagement_rising_alongside_is_not_flagged() -> None:
    gains = [250.0 + 4 * d for d in range(90)]
    followers = 10_000 + np.cumsum(gains)
    notes = [note(d, int(0.08 * followers[d])) for d in range(2, 90, 7)]
    res = growth_signal(
        account(follower_snapshots=snapshots(gains, start_followers=10_000, noise=3), notes=notes), CFG
    )
    assert "growth_without_engagement" not in _codes(res)


def test_growth_followers_outpacing_likes_and_collects_is_flagged() -> None:
    gains = steady(60, 400.0)
    lc = 200_000 + np.arange(60) * 300.0  # 300 likes+collects a day for 400 followers a day
    res = growth_signal(account(follower_snapshots=snapshots(gains, likes_and_collects=lc, noise=3)), CFG)
    flag = _flag(res, "followers_outpace_engagement")
    assert flag.feature == F_RATIO and flag.strength > 0.3
    assert "获赞与收藏" in flag.evidence
    organic_lc = 200_000 + np.arange(60) * 8_000.0  # 20 likes+collects per new follower
    ok = growth_signal(
        account(follower_snapshots=snapshots(gains, likes_and_collects=organic_lc, noise=3)), CFG
    )
    assert "followers_outpace_engagement" not in _codes(ok)


def test_growth_step_change_without_engagement_is_flagged() -> None:
    gains = [20.0] * 40 + [300.0] * 40
    notes = [note(d, 2_000) for d in range(3, 80, 8)]
    res = growth_signal(account(follower_snapshots=snapshots(gains, noise=4), notes=notes), CFG)
    flag = _flag(res, "unexplained_growth_step")
    assert flag.feature == F_STEP and flag.strength > 0.3
    assert abs(date.fromisoformat(flag.details["date"]) - (START + timedelta(days=40))).days <= 2


def test_growth_following_spike_then_unfollow_is_flagged() -> None:
    following = np.array([300.0] * 20 + [1_000.0, 1_700.0, 2_300.0] + [2_300.0] * 10 + [600.0] * 27)
    res = growth_signal(account(follower_snapshots=snapshots(steady(), following=following, noise=5)), CFG)
    flag = _flag(res, "following_churn")
    assert flag.feature == F_FOLLOWING and flag.strength >= 0.6
    assert "unfollowed" in flag.evidence
    assert res.series["following"]


def test_growth_stable_following_is_not_flagged() -> None:
    following = np.full(60, 300.0) + np.arange(60) * 0.5
    res = growth_signal(account(follower_snapshots=snapshots(steady(), following=following, noise=5)), CFG)
    assert "following_churn" not in _codes(res)


def test_growth_irregular_snapshots_still_find_the_spike() -> None:
    gains = steady(80)
    gains[41] += 8_000
    snaps = snapshots(gains, noise=5)
    rng = np.random.default_rng(3)
    keep = [s for i, s in enumerate(snaps) if i in (0, 79) or rng.random() < 0.35]
    res = growth_signal(account(follower_snapshots=keep), CFG)
    assert "follower_spike" in _codes(res)
    daily = res.series["daily_followers"]
    assert len(daily) == (keep[-1].date - keep[0].date).days + 1  # every calendar day
    assert sum(p["observed"] for p in daily) == len(keep)


def test_growth_rounded_counts_do_not_look_like_spikes() -> None:
    # exact below 10k, 0.1万 steps above: steady organic growth must stay unflagged
    gains = steady(120, 40.0)
    exact = snapshots(gains, start_followers=8_000, noise=3)
    shown = [
        FollowerSnapshot(s.date, s.followers if s.followers < 10_000 else round(s.followers / 1000) * 1000)
        for s in exact
    ]
    res = growth_signal(account(follower_snapshots=shown), CFG)
    assert res.status == "ok"
    assert not [f for f in res.flags if f.strength > 0], [f.evidence for f in res.flags]


@pytest.mark.parametrize(
    ("snaps", "expected"),
    [
        ([], "no snapshots"),
        (snapshots(steady(30), every=10), "3 snapshots over 20 days"),
    ],
)
def test_growth_insufficient_history_lists_what_is_missing(
    snaps: list[FollowerSnapshot], expected: str
) -> None:
    res = growth_signal(account(follower_snapshots=snaps), CFG)
    assert res.status == "insufficient_data"
    assert res.score is None and not res.features
    assert expected in res.missing[0]


def test_binary_segmentation_finds_a_mean_shift() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, 50), rng.normal(6, 1, 40)])
    assert binary_segmentation(x, penalty=3 * np.log(90), min_size=5, max_changes=3) == [50]
    flat = rng.normal(0, 1, 90)
    assert binary_segmentation(flat, penalty=3 * np.log(90), min_size=5, max_changes=3) == []


def test_rolling_median_keeps_window_size_at_edges() -> None:
    x = np.array([100.0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    med = rolling_median(x, 5)
    assert med[0] == 1.0  # an early spike is not its own baseline
    assert med.shape == x.shape


def test_daily_series_interpolates_and_keeps_last_value_of_a_day() -> None:
    d0 = date(2026, 1, 1)
    series = daily_series([(d0, 100.0), (d0 + timedelta(days=4), 140.0), (d0, 110.0)])
    assert series.values.tolist() == [110.0, 117.5, 125.0, 132.5, 140.0]
    assert series.observed.tolist() == [True, False, False, False, True]


def test_quanta_and_collapse_plateaus_handle_rounded_counts() -> None:
    values = np.array([9_950.0, 9_990.0, 10_000.0, 10_000.0, 11_000.0, 11_000.0, 11_000.0])
    assert quanta(values).tolist() == [1, 1, 1000, 1000, 1000, 1000, 1000]
    d0 = date(2026, 1, 1)
    points = [(d0 + timedelta(days=i), v) for i, v in enumerate(values)]
    collapsed = collapse_plateaus(points, (quanta(values) > 1).tolist())
    assert collapsed == [
        (d0, 9_950.0),
        (d0 + timedelta(days=1), 9_990.0),
        (d0 + timedelta(days=2), 10_000.0),
        (d0 + timedelta(days=5), 11_000.0),
    ]


def test_growth_ratio_windows_discount_a_large_accounts_steady_inflow() -> None:
    """A big account gains followers every day from its back catalogue; a quiet month with few new
    likes is not "followers without likes" (issue #11), while a burst in that month still is."""
    gains = steady(120, 1_000.0)
    gains[20] += 100_000  # the viral note (day 19 below)
    lc = 2_000_000 + np.arange(120) * 500.0
    lc[20:] += 1_500_000
    notes = [note(19, 1_500_000, note_id="viral")]
    quiet = growth_signal(
        account(follower_snapshots=snapshots(gains, likes_and_collects=lc, noise=20), notes=notes), CFG
    )
    assert "followers_outpace_engagement" not in _codes(quiet)
    bought = list(gains)
    bought[95] += 40_000
    res = growth_signal(
        account(follower_snapshots=snapshots(bought, likes_and_collects=lc, noise=20), notes=notes), CFG
    )
    flag = _flag(res, "followers_outpace_engagement")
    assert "above the account's steady pace" in flag.evidence
    assert flag.details["followers_above_pace"] < flag.details["followers_gained"]


def test_growth_spike_with_likes_and_collects_above_pace_is_explained_at_the_ordinary_rate() -> None:
    """Likes and collects rising above their usual pace, short of a surge, come from content (a note
    the export may miss) and explain followers at the ordinary rate."""
    gains = steady(60)
    gains[30] += 500
    lc = 300_000 + np.arange(60) * 500.0
    lc[30:] += 3_000  # 3,500 on the spike's day against 500 usually: content, not a viral surge
    notes = [note(d, 4_000) for d in (3, 10, 17, 45, 52)]  # typical note: 3,600 likes + saves
    res = growth_signal(
        account(follower_snapshots=snapshots(gains, likes_and_collects=lc, noise=5), notes=notes), CFG
    )
    assert "follower_spike" not in _codes(res)
    assert "获赞与收藏" in _flag(res, "follower_spike_explained").evidence
    flat = np.asarray(300_000 + np.arange(60) * 500.0)
    alone = growth_signal(
        account(follower_snapshots=snapshots(gains, likes_and_collects=flat, noise=5), notes=notes), CFG
    )
    assert _flag(alone, "follower_spike").strength > 0.3


def test_growth_rise_spread_over_days_weighs_less_than_a_delivered_batch() -> None:
    """The same 400 followers over ten days (a note's reach the export does not show) against one
    day (a delivered batch)."""
    spread = steady(70)
    for d in range(30, 40):
        spread[d] += 40
    batch = steady(70)
    batch[30] += 400
    slow = _flag(growth_signal(account(follower_snapshots=snapshots(spread, noise=5)), CFG), "follower_spike")
    fast = _flag(growth_signal(account(follower_snapshots=snapshots(batch, noise=5)), CFG), "follower_spike")
    assert "built and faded" in slow.evidence and "built and faded" not in fast.evidence
    assert slow.strength < 0.5 * fast.strength
    unweighted = GrowthConfig(spread_max_peak_share=0.0)
    as_batch = _flag(
        growth_signal(account(follower_snapshots=snapshots(spread, noise=5)), unweighted), "follower_spike"
    )
    assert slow.strength == pytest.approx(CFG.data_gap_weight * as_batch.strength)
