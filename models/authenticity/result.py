"""What the authenticity score returns: sub-scores, flags with checkable evidence, chart series.

Everything here converts to plain JSON with ``to_dict()`` (dates as ISO strings, rates as
fractions, no NaN).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Any, Literal

from models.messages import N_

Severity = Literal["info", "low", "medium", "high"]
RiskGrade = Literal["low", "medium", "high"]
Status = Literal["ok", "insufficient_data"]

SIGNALS: tuple[str, ...] = ("growth", "engagement", "comments", "intents")


def clip01(x: float) -> float:
    """``x`` clipped to ``[0, 1]`` (a flag strength)."""
    return float(min(1.0, max(0.0, x)))


def noisy_or(strengths: list[float]) -> float:
    """The chance at least one of several independent pieces of evidence holds: ``1 - prod(1 - s)``."""
    out = 1.0
    for s in strengths:
        out *= 1.0 - clip01(s)
    return 1.0 - out


def severity_for(strength: float, *, high: float = 0.6, medium: float = 0.3) -> Severity:
    """Map a flag strength (0-1) to a severity word."""
    if strength >= high:
        return "high"
    if strength >= medium:
        return "medium"
    if strength > 0:
        return "low"
    return "info"


@dataclass(frozen=True, slots=True)
class Flag:
    """One finding. ``evidence`` is a sentence a person can check against the raw data;
    ``details`` holds the same facts structured (ids, dates, counts). ``feature`` names the
    calibration feature the flag feeds (``None``: reported for context, not scored)."""

    code: str
    signal: str
    severity: Severity
    strength: float
    evidence: str
    feature: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


# What each scored flag means, in the words a brand manager reads in a verdict.
FINDING_WORDS: dict[str, str] = {
    "follower_spike": N_("followers jumped with no content to explain it"),
    "follower_purge": N_("followers gained in a jump were lost again (a platform purge of bought followers)"),
    "follower_drop": N_("followers fell faster than accounts lose them naturally"),
    "unexplained_growth_step": N_("follower growth sped up without engagement rising with it"),
    "growth_without_engagement": N_("followers grew while engagement per note did not"),
    "followers_outpace_engagement": N_("followers grew faster than likes and collects can explain"),
    "following_churn": N_("the account followed many accounts and unfollowed them again"),
    "engagement_rate_far_below_tier": N_("most followers never engage"),
    "engagement_rate_far_above_tier": N_("engagement far above what accounts of this size get"),
    "likes_without_saves_or_comments": N_(
        "notes got likes without the saves and comments that come with them"
    ),
    "atypical_engagement_ratios": N_("likes far outnumber saves and comments across notes"),
    "sponsored_engagement_jump": N_("sponsored notes got hollow engagement far above the organic ones"),
    "likes_exceed_plausible_views": N_("more likes than the views can produce"),
    "comment_suspicion": N_("many comments carry bot markers"),
    "likely_bot_comments": N_("a share of comments looks bought"),
    "engagement_pod": N_("a group of accounts comments on nearly every note (an engagement pod)"),
    "ip_location_concentration": N_("commenters come from one place far more than a real audience does"),
    "audience_doubt": N_("the audience itself calls the content paid or doubts it"),
}

# What the flags reported for context (not scored) point at; with FINDING_WORDS, every flag code.
CONTEXT_FLAG_WORDS: dict[str, str] = {
    "follower_spike_explained": N_("a follower jump that the content of those days explains"),
    "default_nickname_comments": N_("comments from accounts with a default nickname"),
    "deleted_account_comments": N_("comments from deleted accounts"),
    "low_effort_comments": N_("emoji-only or generic praise comments"),
    "spam_comments": N_("comments pulling traffic (self-promotion)"),
    "machine_comments": N_("comments that read as machine-written"),
    "burst_comments": N_("comments arriving in bursts"),
    "heavy_commenter_comments": N_("accounts leaving many top-level comments"),
    "duplicate_comments": N_("duplicate and copied comments"),
    "low_lexical_entropy": N_("the comments reuse few words"),
    "uniform_comment_length": N_("comment lengths vary little"),
    "top_commenters_share": N_("a few accounts write much of the comments"),
}


def flag_words(code: str) -> str:
    """What a flag ``code`` points at, in words (the code itself, spaced, when it is unknown)."""
    return FINDING_WORDS.get(code) or CONTEXT_FLAG_WORDS.get(code) or code.replace("_", " ")


# What a signal's sub-score says on its own, by the risk grade it would give alone.
_FINDING_BY_GRADE: dict[str, str] = {
    "none": N_("nothing suspicious found"),
    "low": N_("minor signs, not enough to raise the risk"),
    "medium": N_("signs of manipulation (medium risk on its own)"),
    "high": N_("strong signs of manipulation (high risk on its own)"),
}
NOT_ASSESSED = N_("not assessed: not enough data")


def finding_words(grade: str | None, load: float) -> str:
    """A signal's finding in words: ``grade`` is what its sub-score alone grades (``None``: not
    assessed), ``load`` its weighted evidence."""
    if grade is None:
        return NOT_ASSESSED
    if load <= 0:
        return _FINDING_BY_GRADE["none"]
    return _FINDING_BY_GRADE[grade]


@dataclass(frozen=True, slots=True)
class Finding:
    """A scored flag in words, with its share of the evidence behind the score."""

    code: str
    signal: str
    words: str
    evidence: str
    contribution: float  # weight x strength (log-odds of manipulation)
    share: float  # of the account's total evidence


@dataclass(slots=True)
class SignalResult:
    """One signal's verdict. ``status`` says whether the data sufficed (``missing`` says what is
    lacking when not); ``score`` (0-100, 100 = surely authentic) what this signal alone found, and
    ``finding`` the same in words."""

    name: str
    status: Status
    score: float | None = None
    finding: str = ""
    coverage: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AuthenticityResult:
    """The audience-authenticity verdict for one KOL.

    ``score`` is 0-100, ``100 x (1 - P(manipulated))``, with ``score_interval`` its 10th-90th
    percentile range over the calibration's bootstrap fits, and ``risk`` its grade; all ``None``
    when ``status`` is ``insufficient_data`` (then ``missing`` lists what is needed).
    ``confidence`` (0-1) reflects data coverage: days of follower history, comments collected vs
    comment counts, notes seen. ``flags`` are all signals' flags, strongest first; ``findings``
    the scored ones in words, largest share of the evidence first. ``rejected_comments`` maps the
    ids of comments the comment signal rejects (likely bot, coordinated copy, spam) to the
    reasons; comment metrics for a brand are computed without them.
    """

    kol_id: str
    status: Status
    score: float | None
    risk: RiskGrade | None
    confidence: float
    signals: dict[str, SignalResult]
    flags: list[Flag]
    series: dict[str, Any]
    missing: list[str]
    probability_manipulated: float | None = None
    score_interval: tuple[float, float] | None = None
    findings: list[Finding] = field(default_factory=list)
    rejected_comments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    calibration_version: str = ""
    evaluated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = _jsonable(self)
        assert isinstance(out, dict)
        return out


def as_json(value: Any) -> Any:
    """A part of a result as plain JSON, converted as :meth:`AuthenticityResult.to_dict` does."""
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, 6)
    # numpy scalars
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return str(value)
