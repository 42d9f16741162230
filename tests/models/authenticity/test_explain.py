"""models.authenticity.explain: what content explains a follower spike (issue #11, part 1)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from models.authenticity import Note, NoteMetricsSnapshot
from models.authenticity.config import GrowthConfig
from models.authenticity.growth import F_SPIKE, growth_signal
from models.authenticity.result import Flag, SignalResult
from tests.models.authenticity.builders import START, account, note, snapshots

CFG = GrowthConfig()
SPIKE_DAY = 30  # the snapshot of day 30 shows the jump: the spike is (day 29, day 30]


def _spike(result: SignalResult) -> Flag:
    return next(f for f in result.flags if f.code.startswith("follower_spike"))


def _gains(jump: float = 100_000.0) -> list[float]:
    gains = [300.0] * 60
    gains[SPIKE_DAY] += jump
    return gains


def _ordinary_notes() -> list[Note]:
    return [note(d, 20_000) for d in (3, 10, 17, 24, 40, 50)]


def _views(note_id: str, by_day: dict[int, int], *, likes_share: float = 0.05) -> list[NoteMetricsSnapshot]:
    return [
        NoteMetricsSnapshot(
            note_id=note_id,
            date=START + timedelta(days=d),
            views=v,
            likes=int(v * likes_share),
            saves=int(v * likes_share * 0.3),
            comments=int(v * likes_share * 0.05),
        )
        for d, v in by_day.items()
    ]


def test_explain_views_surge_on_the_spike_days_explains_a_viral_jump() -> None:
    """The issue's case: +100k followers in a day while a note posted two days before went from
    2.2 million to 8.5 million views; the note and its numbers are the evidence."""
    viral = note(SPIKE_DAY - 2, 150_000, note_id="viral", hour=9)
    metrics = _views(
        "viral",
        {SPIKE_DAY - 2: 2_200_000, SPIKE_DAY - 1: 2_200_000, SPIKE_DAY: 8_500_000, SPIKE_DAY + 1: 9_000_000},
    )
    acc = account(
        follower_snapshots=snapshots(_gains(), start_followers=1_500_000, noise=40),
        notes=[*_ordinary_notes(), viral],
        note_metrics=metrics,
    )
    result = growth_signal(acc, CFG)
    flag = _spike(result)
    assert flag.code == "follower_spike_explained" and flag.strength == 0
    assert result.features[F_SPIKE] == 0
    assert "views 2.2M to 8.5M" in flag.evidence and "viral" in flag.evidence
    explained_by = flag.details["explained_by"]
    assert explained_by[0]["note_id"] == "viral" and explained_by[0]["surging"]
    assert explained_by[0]["numbers"]["views"] == [2_200_000, 8_500_000]


def test_explain_the_same_jump_without_the_surge_is_flagged() -> None:
    metrics = _views("n024", {24: 50_000, 25: 60_000, SPIKE_DAY: 61_000})
    acc = account(
        follower_snapshots=snapshots(_gains(), start_followers=1_500_000, noise=40),
        notes=_ordinary_notes(),
        note_metrics=metrics,
    )
    flag = _spike(growth_signal(acc, CFG))
    assert flag.code == "follower_spike" and flag.severity == "high"


def test_explain_a_note_posted_on_the_spike_day_in_china_time_counts() -> None:
    """23:50 in Shanghai on the spike's last day is 15:50 UTC: still that day, still inside."""
    viral = note(SPIKE_DAY, 2_000_000, note_id="late", hour=23)
    acc = account(
        follower_snapshots=snapshots(_gains(), start_followers=1_500_000, noise=40),
        notes=[*_ordinary_notes(), viral],
    )
    flag = _spike(growth_signal(acc, CFG))
    assert flag.code == "follower_spike_explained"
    assert "late" in flag.evidence and f"{START + timedelta(days=SPIKE_DAY)} 23:" in flag.evidence


def test_explain_a_note_posted_after_the_spike_explains_nothing() -> None:
    after = note(SPIKE_DAY + 1, 2_000_000, note_id="after", hour=1)
    acc = account(
        follower_snapshots=snapshots(_gains(), start_followers=1_500_000, noise=40),
        notes=[*_ordinary_notes(), after],
    )
    flag = _spike(growth_signal(acc, CFG))
    assert flag.code == "follower_spike" and "after" not in flag.details["notes_in_window"]


def test_explain_a_surging_note_pushed_again_days_later_counts_an_ordinary_one_does_not() -> None:
    surging = note(SPIKE_DAY - 5, 2_000_000, note_id="pushed")
    ordinary = note(SPIKE_DAY - 5, 20_000, note_id="plain")
    acc = account(follower_snapshots=snapshots(_gains(), start_followers=1_500_000, noise=40))
    explained = _spike(
        growth_signal(account(**{**_fields(acc), "notes": [*_ordinary_notes(), surging]}), CFG)
    )
    flagged = _spike(growth_signal(account(**{**_fields(acc), "notes": [*_ordinary_notes(), ordinary]}), CFG))
    assert explained.code == "follower_spike_explained"
    assert flagged.code == "follower_spike" and flagged.details["support"] == "none"


def test_explain_likes_and_collects_surge_covers_a_note_missing_from_the_export() -> None:
    lc = 3_000_000 + np.cumsum(np.full(60, 5_000.0))
    lc[SPIKE_DAY:] += 1_200_000  # the viral note's likes and saves, on the profile counter
    acc = account(
        follower_snapshots=snapshots(_gains(), start_followers=1_500_000, likes_and_collects=lc, noise=40),
        notes=_ordinary_notes(),
    )
    flag = _spike(growth_signal(acc, CFG))
    assert flag.code == "follower_spike_explained"
    assert "获赞与收藏" in flag.evidence and flag.details["explained_by"][0]["kind"] == "profile"


def test_explain_likes_and_collects_at_their_usual_pace_explain_nothing() -> None:
    lc = 3_000_000 + np.cumsum(np.full(60, 5_000.0))
    acc = account(
        follower_snapshots=snapshots(_gains(), start_followers=1_500_000, likes_and_collects=lc, noise=40),
        notes=_ordinary_notes(),
    )
    flag = _spike(growth_signal(acc, CFG))
    assert flag.code == "follower_spike" and flag.severity == "high"


def test_explain_several_notes_during_the_spike_add_up() -> None:
    riding = [note(SPIKE_DAY - 1 + k, 150_000, note_id=f"ride{k}", hour=12) for k in range(3)]
    acc = account(
        follower_snapshots=snapshots(_gains(30_000), start_followers=400_000, noise=20),
        notes=[*_ordinary_notes(), *riding],
    )
    flag = _spike(growth_signal(acc, CFG))
    assert flag.code == "follower_spike_explained"
    assert {e["note_id"] for e in flag.details["explained_by"]} >= {"ride0", "ride1"}


def _fields(acc: object) -> dict[str, object]:
    return {k: getattr(acc, k) for k in ("follower_snapshots", "notes", "note_metrics", "comments")}
