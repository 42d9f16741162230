"""Audience-doubt signal from the comment classifier's intents (when it was run).

Among human-looking comments (suspicion below 0.5, so injected bot comments neither dilute nor
inflate it) that carry classifier output, the shares flagged ``paid_suspicion`` (恰饭, 广告,
收了多少钱) and ``skepticism`` (真的假的, 滤镜太重) are compared with floors that organic comment
sections reach on their own; above them the audience itself is doubting the KOL.
``strength = 1 - (1 - a)(1 - b/2)`` with ``a``, ``b`` the paid and skeptic excess, each scaled to
0-1 between its floor and full value.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.authenticity.config import IntentConfig
from models.authenticity.data import Comment
from models.authenticity.result import Flag, SignalResult, clip01, severity_for

SIGNAL = "intents"
F_DOUBT = "intents.audience_doubt"
FEATURES: tuple[str, ...] = (F_DOUBT,)


def intent_signal(comments: list[Comment], suspicion: Mapping[str, float], cfg: IntentConfig) -> SignalResult:
    with_output = [c for c in comments if c.intents is not None]
    if not with_output:
        return SignalResult(
            SIGNAL,
            "insufficient_data",
            missing=["comment intents: the classifier was not run on these comments"],
        )
    human = [c for c in with_output if suspicion.get(c.comment_id, 0.0) < 0.5]
    if len(human) < cfg.min_comments:
        return SignalResult(
            SIGNAL,
            "insufficient_data",
            missing=[
                f"comment intents: {len(human)} human-looking comments with classifier output (need at least {cfg.min_comments})"
            ],
            metrics={"comments_with_intents": len(with_output)},
        )

    def flagged(c: Comment, name: str) -> bool:
        return c.intents is not None and float(c.intents.get(name, 0.0)) >= cfg.flag_threshold

    paid = [c for c in human if flagged(c, "paid_suspicion")]
    skeptic = [c for c in human if flagged(c, "skepticism")]
    paid_share, skeptic_share = len(paid) / len(human), len(skeptic) / len(human)
    a = clip01((paid_share - cfg.paid_floor) / (cfg.paid_full - cfg.paid_floor))
    b = clip01((skeptic_share - cfg.skeptic_floor) / (cfg.skeptic_full - cfg.skeptic_floor))
    strength = 1.0 - (1.0 - a) * (1.0 - 0.5 * b)
    flags: list[Flag] = []
    if strength > 0:
        examples = "; ".join(f"“{c.text[:40]}” ({c.comment_id})" for c in (paid + skeptic)[:4])
        flags.append(
            Flag(
                "audience_doubt",
                SIGNAL,
                severity_for(strength),
                strength,
                f"{paid_share:.0%} of {len(human):,} human-looking comments suspect a paid post and {skeptic_share:.0%} "
                f"doubt the claims (organic floors {cfg.paid_floor:.0%} and {cfg.skeptic_floor:.0%}), e.g. {examples}",
                F_DOUBT,
                {
                    "paid_suspicion_share": round(paid_share, 4),
                    "skepticism_share": round(skeptic_share, 4),
                    "comment_ids": [c.comment_id for c in (paid + skeptic)[:50]],
                },
            )
        )
    coverage = clip01(len(human) / 200.0)
    return SignalResult(
        SIGNAL,
        "ok",
        coverage=coverage,
        features={F_DOUBT: strength},
        flags=flags,
        metrics={
            "comments_with_intents": len(with_output),
            "human_comments_with_intents": len(human),
            "paid_suspicion_share": round(paid_share, 4),
            "skepticism_share": round(skeptic_share, 4),
        },
    )
