"""What the comment signals alone say about one comment section.

Used to hold the comment signals against real, popular comment sections (issue #11, part 4): a
real section should not look bought. :func:`section_verdict` scores only the comment signal of an
account (one note, or the notes a vetting reads) with the calibration's weights, as if nothing
else were known: the score and grade it would give, which scored features fire and which flags
are reported. :func:`summarize` turns many verdicts into flag rates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.authenticity.calibration import Calibration
from models.authenticity.comments import analyze_comments, comment_signal
from models.authenticity.config import AuthenticityConfig
from models.authenticity.data import AccountData


@dataclass(frozen=True, slots=True)
class SectionVerdict:
    """``risk`` is what the comment signals alone grade (``None``: too few comments);
    ``firing`` the scored features with evidence, largest contribution first; ``reported`` the
    codes of flags shown at medium or high severity (the page opens those)."""

    section_id: str
    comments: int
    score: float | None
    risk: str | None
    firing: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return self.risk in ("medium", "high")


def section_verdict(
    account: AccountData, calibration: Calibration, config: AuthenticityConfig | None = None
) -> SectionVerdict:
    """The comment signals' verdict on ``account``'s comments alone."""
    cfg = config or AuthenticityConfig()
    analysis = analyze_comments(account, cfg.comments, calibration.machine_text)
    signal = comment_signal(account, analysis, cfg.comments)
    if signal.status != "ok":
        return SectionVerdict(account.kol_id, len(analysis.comments), None, None)
    contributions = {f: calibration.weights.get(f, 0.0) * x for f, x in signal.features.items()}
    score = calibration.score(sum(contributions.values()))
    return SectionVerdict(
        section_id=account.kol_id,
        comments=len(analysis.comments),
        score=round(score, 1),
        risk=calibration.grade(score),
        firing=tuple(f for f, c in sorted(contributions.items(), key=lambda kv: -kv[1]) if c > 0),
        reported=tuple(sorted({f.code for f in signal.flags if f.severity in ("medium", "high")})),
        metrics={
            k: signal.metrics.get(k)
            for k in (
                "likely_bot_share",
                "share_duplicate",
                "share_low_effort",
                "share_burst",
                "share_machine",
            )
        },
    )


def summarize(verdicts: Sequence[SectionVerdict]) -> dict[str, Any]:
    """Flag rates over the sections with enough comments: graded medium or high, graded high, each
    scored feature firing (and being the largest contribution of a flagged section), each reported
    flag."""
    scored = [v for v in verdicts if v.risk is not None]
    n = len(scored)

    def rate(count: int) -> float | None:
        return round(count / n, 4) if n else None

    fires = Counter(f for v in scored for f in v.firing)
    leading = Counter(v.firing[0] for v in scored if v.flagged and v.firing)
    reported = Counter(code for v in scored for code in v.reported)
    return {
        "sections": len(verdicts),
        "scored": n,
        "flagged_medium_or_high": rate(sum(v.flagged for v in scored)),
        "flagged_high": rate(sum(v.risk == "high" for v in scored)),
        "feature_fires": {f: rate(k) for f, k in sorted(fires.items())},
        "leading_feature_of_flagged": {f: rate(k) for f, k in sorted(leading.items())},
        "reported_flags": {code: rate(k) for code, k in sorted(reported.items())},
    }
