"""models.vetting: the verdict rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.vetting import (
    AuthenticitySummary,
    BenchmarkCheck,
    CommentMix,
    IntentReliability,
    Verdict,
    VettingInput,
    VettingThresholds,
    comment_mix,
    decide,
    intent_reliability,
    screened_comment_mix,
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
        screened=True,
    )


# A well-measured intent model, so the rules themselves are tested; weak ones have their own tests.
STRONG = {name: IntentReliability(0.8, 0.8, 200, "xhs_real_test") for name in
          ("purchase_intent", "skepticism", "paid_suspicion", "question", "spam")}  # fmt: skip


def verdict(authenticity: AuthenticitySummary = LOW_RISK, comments: CommentMix | None = None,
            n_notes: int = 10, engagement: list[BenchmarkCheck] | None = None,
            reliability: dict[str, IntentReliability] | None = None) -> Verdict:  # fmt: skip
    return decide(
        VettingInput(
            authenticity,
            comments or mix(),
            n_notes,
            IN_RANGE if engagement is None else engagement,
            STRONG if reliability is None else reliability,
        )
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


def test_vetting_engagement_above_and_far_above_depend_on_authenticity() -> None:
    above = [BenchmarkCheck("engagement_rate_by_followers", 0.07, 0.03, 0.05, "above", "mid tier")]
    assert codes(verdict(engagement=above))["engagement_above_benchmark"] == "support"
    assert (
        codes(verdict(AuthenticitySummary(status="unavailable"), engagement=above))[
            "engagement_above_benchmark"
        ]
        == "info"
    )
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


# --------------------------------------------------------------------------- issue 11


def _rows(n: int, *, bots: int, bot_buys: bool) -> list[tuple[str, dict[str, bool], bool, tuple[str, ...]]]:
    """``n`` real commenters (10 % wanting to buy) and ``bots`` likely bots (all praise, buying or not)."""
    real: tuple[str, ...] = ()
    rows = [
        ("positive" if i % 2 else "neutral", {"purchase_intent": i % 10 == 0}, False, real) for i in range(n)
    ]
    rows += [("positive", {"purchase_intent": bot_buys}, True, ("likely_bot",)) for _ in range(bots)]
    return rows


def test_screened_mix_counts_real_commenters_and_keeps_the_raw_figure() -> None:
    screened = screened_comment_mix(_rows(200, bots=130, bot_buys=True))
    assert screened.analyzed == 200 and screened.excluded == 130
    assert screened.intent_share("purchase_intent") == pytest.approx(0.10)
    assert screened.raw is not None and screened.raw.intent_share("purchase_intent") == pytest.approx(
        150 / 330
    )
    assert screened.excluded_share == pytest.approx(130 / 330)
    assert screened.excluded_reasons == {"likely_bot": 130}
    data = screened.to_dict()
    assert data["raw"]["intent_shares"]["purchase_intent"] == pytest.approx(0.4545, abs=1e-4)


def test_vetting_purchase_intent_of_bots_is_not_counted_and_the_raw_share_is_shown() -> None:
    """The issue's case: a third of the comments are bots 'wanting to buy'; the reason shows the
    real commenters' share, the raw share beside it and how many were left out."""
    result = verdict(comments=screened_comment_mix(_rows(200, bots=130, bot_buys=True)))
    reason = next(r for r in result.reasons if r.code == "purchase_intent")
    assert reason.evidence["share"] == pytest.approx(0.10) and reason.evidence["raw_share"] > 0.45
    assert "10.0% of real commenters' comments" in reason.message
    assert "45.5% of all 330 comments" in reason.message and "130 (39.4%) left out" in reason.message


@pytest.mark.parametrize(
    ("authenticity", "why"),
    [
        (AuthenticitySummary(status="ok", score=3.0, risk="high", confidence=0.9), "graded high risk"),
        (LOW_RISK, "could not be screened"),
    ],
)
def test_vetting_comment_reasons_never_count_in_favour_unscreened_or_for_a_rejected_audience(
    authenticity: AuthenticitySummary, why: str
) -> None:
    comments = (
        mix(buy=60)
        if authenticity.risk == "high"
        else CommentMix(**{**mix(buy=60).__dict__, "screened": False})
    )
    result = verdict(authenticity, comments)
    for code in ("purchase_intent", "net_sentiment_positive"):
        reason = next(r for r in result.reasons if r.code == code)
        assert reason.effect == "info" and why in reason.message
    assert not any(
        r.effect == "support" and r.code in ("purchase_intent", "net_sentiment_positive")
        for r in result.reasons
    )


def test_vetting_intent_reasons_carry_the_models_precision_and_recall() -> None:
    result = verdict(comments=mix(buy=60))
    reason = next(r for r in result.reasons if r.code == "purchase_intent")
    assert reason.evidence["model"]["precision"] == 0.8 and reason.evidence["model"]["recall"] == 0.8
    assert "precision 80.0%, recall 80.0%" in reason.message and "weak evidence" not in reason.message


def test_vetting_low_recall_intent_is_weak_evidence_and_cannot_avoid_alone() -> None:
    weak = {**STRONG, "spam": IntentReliability(0.29, 0.29, 17, "xhs_real_test")}
    result = verdict(comments=mix(spam=60), reliability=weak)
    reason = next(r for r in result.reasons if r.code == "spam_comments")
    assert reason.effect == "caution" and reason.evidence["weak_evidence"] is True
    assert "weak evidence" in reason.message and "recall 29.0%" in reason.message
    assert result.decision == "caution"
    strong = verdict(comments=mix(spam=60))
    assert codes(strong)["spam_comments"] == "avoid"


def test_vetting_unknown_reliability_is_weak_evidence() -> None:
    result = verdict(comments=mix(buy=60), reliability={})
    reason = next(r for r in result.reasons if r.code == "purchase_intent")
    assert reason.effect == "info" and "reliability is unknown" in reason.message


def test_intent_reliability_reads_the_real_test_set_of_a_card() -> None:
    metrics = {
        "xhs_written_test": {
            "intents": {"per_intent": {"spam": {"precision": 0.9, "recall": 0.9, "support": 80}}}
        },
        "xhs_real_test": {
            "intents": {"per_intent": {"spam": {"precision": 0.29, "recall": 0.29, "support": 17}}}
        },
    }
    rel = intent_reliability(metrics, "v1")["spam"]
    assert (rel.precision, rel.recall, rel.support, rel.test_set) == (0.29, 0.29, 17, "xhs_real_test")
    assert rel.weak(VettingThresholds())
    assert intent_reliability(None) == {}


@pytest.mark.parametrize("risk", ["medium", "high"])
def test_vetting_a_risk_grade_always_names_its_findings(risk: str) -> None:
    named = AuthenticitySummary(
        status="ok",
        score=45.0 if risk == "medium" else 9.0,
        risk=risk,  # type: ignore[arg-type]
        confidence=0.8,
        evidence=["followers jumped with no content to explain it: +12,000 followers on 2026-02-12"],
        interval=(38.0, 52.0),
    )
    reason = verdict(named).reasons[0]
    assert reason.code == f"authenticity_{risk}_risk"
    assert "followers jumped with no content" in reason.message and "80% interval 38-52" in reason.message
    bare = AuthenticitySummary(status="ok", score=45.0, risk=risk, confidence=0.8)  # type: ignore[arg-type]
    assert "several weak signs together" in verdict(bare).reasons[0].message
