"""models.vetting: the verdict rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.vetting import (
    AuthenticitySummary,
    BenchmarkCheck,
    CommentMix,
    Verdict,
    VettingInput,
    VettingThresholds,
    comment_mix,
    decide,
)

RANK = {"recommend": 0, "caution": 1, "avoid": 2}
LOW_RISK = AuthenticitySummary(status="ok", score=88.0, risk="low", confidence=0.8)
IN_RANGE = [
    BenchmarkCheck("engagement_rate_by_followers", 0.06, 0.05, 0.10, "within", "micro tier", "framework"),
]


def mix(total: int = 200, *, negative: int = 10, positive: int = 120, spam: int = 0, paid: int = 0,
        doubt: int = 0, buy: int = 20, low_effort: int = 10) -> CommentMix:  # fmt: skip
    return CommentMix(
        total=total,
        analyzed=total,
        sentiment={"positive": positive, "neutral": total - positive - negative, "negative": negative},
        intents={
            "purchase_intent": buy,
            "skepticism": doubt,
            "paid_suspicion": paid,
            "question": 5,
            "spam": spam,
        },
        low_effort=low_effort,
    )


def verdict(authenticity: AuthenticitySummary = LOW_RISK, comments: CommentMix | None = None,
            n_notes: int = 10, engagement: list[BenchmarkCheck] | None = None) -> Verdict:  # fmt: skip
    return decide(
        VettingInput(authenticity, comments or mix(), n_notes, IN_RANGE if engagement is None else engagement)
    )


def codes(result: Verdict) -> dict[str, str]:
    return {r.code: r.effect for r in result.reasons}


def test_vetting_recommends_a_clean_kol_with_supporting_reasons() -> None:
    result = verdict()
    assert result.decision == "recommend"
    assert codes(result) == {
        "authenticity_low_risk": "support",
        "purchase_intent": "support",
        "net_sentiment_positive": "support",
        "engagement_in_range": "support",
    }


def test_vetting_high_manipulation_risk_is_avoid_whatever_else() -> None:
    bought = AuthenticitySummary(
        status="ok",
        score=12.0,
        risk="high",
        confidence=0.9,
        evidence=["follower jump of 40,000 on 2026-03-02"],
    )
    result = verdict(bought)
    assert result.decision == "avoid"
    assert result.reasons[0].code == "authenticity_high_risk"
    assert "follower jump" in result.reasons[0].message


@pytest.mark.parametrize(
    ("authenticity", "code"),
    [
        (AuthenticitySummary(status="unavailable", reason="calibration missing"), "authenticity_unavailable"),
        (
            AuthenticitySummary(status="insufficient_data", missing=["follower history"]),
            "authenticity_insufficient_data",
        ),
        (
            AuthenticitySummary(status="ok", score=55.0, risk="medium", confidence=0.7),
            "authenticity_medium_risk",
        ),
        (
            AuthenticitySummary(status="ok", score=90.0, risk="low", confidence=0.2),
            "authenticity_low_confidence",
        ),
    ],
)
def test_vetting_unassessed_or_doubtful_authenticity_is_caution(
    authenticity: AuthenticitySummary, code: str
) -> None:
    result = verdict(authenticity)
    assert result.decision == "caution"
    assert codes(result)[code] == "caution"


def test_vetting_negative_share_thresholds_are_inclusive() -> None:
    t = VettingThresholds()
    at_caution = verdict(comments=mix(negative=int(200 * t.negative_share_caution)))
    below = verdict(comments=mix(negative=int(200 * t.negative_share_caution) - 1))
    at_avoid = verdict(comments=mix(negative=int(200 * t.negative_share_avoid), positive=100))
    assert codes(at_caution)["negative_comments"] == "caution"
    assert "negative_comments" not in codes(below)
    assert at_avoid.decision == "avoid" and codes(at_avoid)["negative_comments"] == "avoid"


def test_vetting_spam_paid_and_doubt_shares() -> None:
    assert codes(verdict(comments=mix(spam=60)))["spam_comments"] == "avoid"
    assert codes(verdict(comments=mix(spam=25)))["spam_comments"] == "caution"
    assert codes(verdict(comments=mix(paid=30)))["paid_suspicion"] == "caution"
    assert codes(verdict(comments=mix(doubt=40)))["skepticism"] == "caution"
    assert codes(verdict(comments=mix(low_effort=100)))["low_effort_comments"] == "caution"


def test_vetting_too_few_comments_are_not_judged_by_share() -> None:
    tiny = CommentMix(total=10, analyzed=10, sentiment={"negative": 10}, intents={"spam": 10}, low_effort=10)
    result = verdict(comments=tiny)
    assert codes(result) == {
        "authenticity_low_risk": "support",
        "few_comments": "caution",
        "engagement_in_range": "support",
    }


def test_vetting_engagement_bands_are_merged_and_far_above_depends_on_authenticity() -> None:
    bands = [
        BenchmarkCheck("engagement_rate_by_followers", 0.07, 0.03, 0.05, "above", "mid tier"),
        BenchmarkCheck("engagement_rate_by_followers", 0.07, 0.03, 0.08, "within", "mid tier"),
    ]
    assert codes(verdict(engagement=bands))["engagement_in_range"] == "support"
    far = [BenchmarkCheck("engagement_rate_by_followers", 0.25, 0.03, 0.08, "above", "mid tier")]
    vouched = verdict(engagement=far)
    assert codes(vouched)["engagement_far_above_benchmark"] == "info"
    assert vouched.decision == "recommend"
    unassessed = verdict(AuthenticitySummary(status="unavailable"), engagement=far)
    assert codes(unassessed)["engagement_far_above_benchmark"] == "caution"
    low = [BenchmarkCheck("engagement_rate_by_followers", 0.01, 0.03, 0.08, "below", "mid tier")]
    assert codes(verdict(engagement=low))["engagement_below_benchmark"] == "caution"
    assert codes(verdict(n_notes=1))["few_notes"] == "caution"


def test_vetting_reasons_are_ordered_worst_first() -> None:
    result = verdict(
        AuthenticitySummary(status="ok", score=20.0, risk="high", confidence=0.9), mix(spam=30, paid=40)
    )
    order = {"avoid": 0, "caution": 1, "info": 2, "support": 3}
    effects = [order[r.effect] for r in result.reasons]
    assert effects == sorted(effects)
    assert result.to_dict()["thresholds"]["negative_share_avoid"] == 0.40


def test_vetting_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="negative_share_avoid"):
        VettingThresholds(negative_share_caution=0.5, negative_share_avoid=0.3)
    with pytest.raises(ValueError, match="fraction"):
        VettingThresholds(spam_share_caution=1.5)


def test_comment_mix_counts_flags_and_skips_unanalysed() -> None:
    counted = comment_mix(
        [
            ("positive", {"purchase_intent": True, "question": True}, False),
            ("negative", {"skepticism": True}, True),
            (None, {}, None),
        ]
    )
    assert (counted.total, counted.analyzed, counted.low_effort) == (3, 2, 1)
    assert counted.intents["purchase_intent"] == counted.intents["skepticism"] == 1
    assert counted.net_sentiment == 0.0
    with pytest.raises(ValueError, match="sentiment"):
        comment_mix([("happy", {}, False)])


@given(base=st.integers(min_value=0, max_value=150), extra=st.integers(min_value=1, max_value=50))
def test_vetting_more_negative_comments_never_improve_the_decision(base: int, extra: int) -> None:
    better = verdict(comments=mix(negative=base, positive=0, buy=0))
    worse = verdict(comments=mix(negative=min(base + extra, 200), positive=0, buy=0))
    assert RANK[worse.decision] >= RANK[better.decision]
