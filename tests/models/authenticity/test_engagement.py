from __future__ import annotations

from datetime import datetime

import pytest

from models.authenticity import Note, NoteMetricsSnapshot, tier_for
from models.authenticity.config import DEFAULT_TIERS, EngagementConfig
from models.authenticity.engagement import (
    F_BOUGHT_LIKES,
    F_ER_HIGH,
    F_ER_LOW,
    F_METRICS,
    F_RATIOS,
    F_SPONSORED,
    engagement_signal,
)
from models.authenticity.result import SignalResult
from tests.models.authenticity.builders import START, account, note

CFG = EngagementConfig()
NOW = datetime(2026, 4, 1)


def _run(followers: int, notes: list[Note], metrics: list[NoteMetricsSnapshot] | None = None) -> SignalResult:
    acc = account(notes=notes, followers=followers, note_metrics=metrics or [])
    return engagement_signal(acc, CFG, NOW, lambda _when: float(followers))


def _codes(res: SignalResult) -> list[str]:
    return [f.code for f in res.flags]


def test_engagement_rate_inside_tier_band_is_not_flagged() -> None:
    res = _run(50_000, [note(d, 3_500) for d in range(0, 60, 6)])  # 7% for a micro account
    assert res.status == "ok"
    assert res.metrics["tier"] == "micro"
    assert res.metrics["engagement_rate"] == pytest.approx(0.07, rel=0.01)
    assert res.features[F_ER_LOW] == 0 and res.features[F_ER_HIGH] == 0


def test_engagement_rate_far_below_tier_is_flagged() -> None:
    res = _run(200_000, [note(d, 500) for d in range(0, 60, 6)])  # 0.25% against 3-5%
    flag = next(f for f in res.flags if f.code == "engagement_rate_far_below_tier")
    assert flag.feature == F_ER_LOW and flag.strength > 0.5
    assert "0.25%" in flag.evidence and "mid" in flag.evidence


def test_engagement_rate_far_above_tier_is_flagged() -> None:
    res = _run(500_000, [note(d, 200_000) for d in range(0, 60, 6)])  # 40% for a macro account
    assert res.features[F_ER_HIGH] > 0.5


def test_engagement_bought_likes_on_one_note_are_flagged_with_the_note() -> None:
    notes = [note(d, likes=1_000, saves=400, comments=50) for d in range(0, 56, 7)]
    notes.append(note(60, note_id="bought", likes=8_000, saves=420, comments=55))
    res = _run(30_000, notes)
    flag = next(f for f in res.flags if f.code == "likes_without_saves_or_comments")
    assert flag.feature == F_BOUGHT_LIKES and flag.strength > 0.5
    assert "note bought: 8,000 likes but 420 saves" in flag.evidence
    assert [n["note_id"] for n in flag.details["notes"]] == ["bought"]


def test_engagement_note_with_proportional_saves_is_not_bought_likes() -> None:
    notes = [note(d, likes=1_000, saves=400, comments=50) for d in range(0, 56, 7)]
    notes.append(note(60, note_id="hit", likes=8_000, saves=3_300, comments=420))
    res = _run(30_000, notes)
    assert res.features[F_BOUGHT_LIKES] == 0


def test_engagement_account_wide_atypical_ratios() -> None:
    notes = [note(d, likes=5_000, saves=100, comments=10) for d in range(0, 60, 6)]
    res = _run(50_000, notes)
    assert res.features[F_RATIOS] > 0


def test_engagement_sponsored_jump_scored_only_when_hollow() -> None:
    base = [note(d, likes=1_000, saves=400, comments=50) for d in range(0, 56, 7)]
    hollow = _run(
        30_000, [*base, note(60, note_id="ad", sponsored=True, likes=9_000, saves=300, comments=40)]
    )
    genuine = _run(
        30_000, [*base, note(60, note_id="ad", sponsored=True, likes=9_000, saves=3_600, comments=450)]
    )
    assert hollow.features[F_SPONSORED] > 0
    assert genuine.features[F_SPONSORED] == 0
    flag = next(f for f in genuine.flags if f.code == "sponsored_engagement_jump")
    assert flag.feature is None and "in proportion" in flag.evidence


def test_engagement_likes_exceeding_views_in_creator_metrics() -> None:
    notes = [note(d, 3_000) for d in range(0, 60, 6)]
    metrics = [NoteMetricsSnapshot(note_id=notes[0].note_id, date=START, views=2_000, likes=1_800)]
    res = _run(50_000, notes, metrics)
    assert res.features[F_METRICS] > 0


def test_engagement_insufficient_notes() -> None:
    res = _run(50_000, [note(1, 3_000), note(5, 3_000)])
    assert res.status == "insufficient_data"
    assert "need at least 3" in res.missing[0]


def test_engagement_unknown_followers_still_checks_ratios() -> None:
    notes = [note(d, likes=1_000, saves=400, comments=50) for d in range(0, 56, 7)]
    acc = account(notes=notes)
    res = engagement_signal(acc, CFG, NOW, lambda _when: None)
    assert res.status == "ok"
    assert "engagement_rate" not in res.metrics
    assert any("follower count" in m for m in res.missing)


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (0, "nano"),
        (9_999, "nano"),
        (10_000, "micro"),
        (99_999, "micro"),
        (100_000, "mid"),
        (500_000, "macro"),
        (1_000_000, "top"),
    ],
)
def test_tier_for_boundaries(followers: int, tier: str) -> None:
    assert tier_for(followers).name == tier


def test_tier_for_rejects_negative() -> None:
    with pytest.raises(ValueError, match="followers=-1"):
        tier_for(-1, DEFAULT_TIERS)
