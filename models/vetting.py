"""KOL vetting verdict: recommend, caution or avoid, with the reasons that led there.

Pure rules over plain dataclasses (no database, no web): :mod:`service.vetting` gathers the inputs
(authenticity result, comment analysis over recent notes, KPIs against tier benchmarks) and calls
:func:`decide`.

Rule
----
Every check yields zero or one :class:`Reason` with an ``effect``:

* ``avoid``: a finding that alone should stop a booking (high manipulation risk, a comment section
  dominated by negative comments or spam);
* ``caution``: a finding to look into before booking, or data too thin to judge;
* ``info``: context that changes nothing (e.g. high engagement that the authenticity checks
  already examined and found consistent);
* ``support``: a finding in the KOL's favour (shown so a recommendation is explained, too).

The decision is the worst effect found: any ``avoid`` gives ``avoid``, else any ``caution`` gives
``caution``, else ``recommend``. A KOL is therefore recommended only when authenticity was
assessed with low risk and nothing else raised a concern.

Thresholds (:class:`VettingThresholds`) are starting values chosen by judgement from the XHS
measurement frameworks and the label guidelines, not fitted to booking outcomes (RedLens has
none yet); a workspace can pass its own. Shares are fractions of *analysed* comments; share rules
are skipped below ``min_comments`` analysed comments, where one comment moves a share by several
points and the result would be noise.

Real commenters only
--------------------
Comment shares are computed over the comments the authenticity signal keeps (not likely bots,
coordinated copies or spam); the raw figure over every comment is shown beside them, with the
share excluded (:class:`CommentMix` ``raw``). A reason never counts in favour when it rests on
comments that could not be screened, or when the audience itself was graded high risk: it is
then reported as ``info``.

Model reliability
-----------------
A reason built on an intent share carries that intent's measured precision and recall on the
intent model's real test comments (:class:`IntentReliability`, from the model card). An intent
with recall under ``weak_recall`` (most such comments go unnoticed), or measured on fewer than
``min_reliability_support`` real examples, is *weak evidence*: its reason says so, cannot make
the verdict ``avoid`` on its own (at most ``caution``) and never counts in favour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from models.labels import INTENTS, SENTIMENTS

Decision = Literal["recommend", "caution", "avoid"]
Effect = Literal["avoid", "caution", "info", "support"]
AuthenticityStatus = Literal["ok", "insufficient_data", "unavailable"]

_EFFECT_ORDER: dict[str, int] = {"avoid": 0, "caution": 1, "info": 2, "support": 3}


@dataclass(frozen=True)
class VettingThresholds:
    """Where the rules switch. Shares are fractions of analysed comments.

    min_comments
        Analysed comments needed before comment shares are judged (30: one comment is then at
        most ~3 points of a share).
    min_notes
        Notes needed to judge engagement against the tier range.
    min_authenticity_confidence
        Below this data coverage the authenticity score is shown but flagged as weak.
    negative_share_caution, negative_share_avoid
        Share of negative comments (towards the note, product or KOL). Around a quarter is
        already unusual on XHS, where most comments are positive or neutral questions; above
        40 % the audience is openly hostile to the content.
    spam_share_caution, spam_share_avoid
        Share of commenter self-promotion (私我, 互关, 看我主页): a comment section taken over by
        traffic-pullers gives a brand little real audience.
    paid_suspicion_caution
        Share of comments calling the note an ad (恰饭, 广告): the audience already discounts
        sponsored content from this KOL.
    skepticism_caution
        Share of comments doubting the claims or results (滤镜太重, 智商税).
    low_effort_caution
        Share of generic praise and emoji-only comments; high shares are typical of bought or
        pod comments (the authenticity score weighs this with other evidence too).
    purchase_intent_support
        Share of comments wanting to buy or asking where to: a sign of a converting audience.
    engagement_far_above_factor
        Engagement rate above ``factor x`` the top of the tier range (the widest band when the
        frameworks give several) is a caution unless the authenticity score, which examines
        engagement consistency itself, found low risk (then it is reported as info). Viral notes
        do this legitimately, hence never avoid.
    weak_recall, min_reliability_support
        An intent model with recall below ``weak_recall``, or measured on fewer than
        ``min_reliability_support`` real test comments of that intent, gives weak evidence.
    """

    min_comments: int = 30
    min_notes: int = 3
    min_authenticity_confidence: float = 0.4
    negative_share_caution: float = 0.25
    negative_share_avoid: float = 0.40
    spam_share_caution: float = 0.10
    spam_share_avoid: float = 0.25
    paid_suspicion_caution: float = 0.15
    skepticism_caution: float = 0.20
    low_effort_caution: float = 0.50
    purchase_intent_support: float = 0.05
    engagement_far_above_factor: float = 2.0
    weak_recall: float = 0.5
    min_reliability_support: int = 20

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, float) and name != "engagement_far_above_factor" and not 0.0 <= value <= 1.0:
                raise ValueError(f"VettingThresholds.{name}={value} must be a fraction in [0, 1]")
        if self.negative_share_avoid < self.negative_share_caution:
            raise ValueError("negative_share_avoid must be >= negative_share_caution")
        if self.spam_share_avoid < self.spam_share_caution:
            raise ValueError("spam_share_avoid must be >= spam_share_caution")
        if self.engagement_far_above_factor < 1.0:
            raise ValueError("engagement_far_above_factor must be >= 1")


DEFAULT_THRESHOLDS = VettingThresholds()


@dataclass(frozen=True)
class AuthenticitySummary:
    """What the verdict needs from the authenticity score (0-100, ``100 x (1 - P(manipulated))``)
    and its interval. ``evidence`` holds the findings in words with their evidence, largest share
    of the score first; ``finding_codes`` their stable codes (pages translate the findings by code)."""

    status: AuthenticityStatus
    score: float | None = None
    risk: Literal["low", "medium", "high"] | None = None
    confidence: float = 0.0
    evidence: Sequence[str] = ()
    missing: Sequence[str] = ()
    finding_codes: Sequence[str] = ()  # the codes of ``evidence``'s findings, same order
    reason: str | None = None  # why it is unavailable
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class IntentReliability:
    """An intent model's measured precision and recall (``support``: positive test comments)."""

    precision: float
    recall: float
    support: int
    test_set: str
    model_version: str = ""

    def weak(self, t: VettingThresholds) -> bool:
        return self.recall < t.weak_recall or self.support < t.min_reliability_support

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PREFERRED_TEST_SETS: tuple[str, ...] = ("xhs_real_test",)


def intent_reliability(
    metrics: Mapping[str, Any] | None, model_version: str = ""
) -> dict[str, IntentReliability]:
    """Per-intent precision and recall from an intent model card's ``metrics``: the real test set
    when the card has it, else the first test set with per-intent figures."""
    sets = dict(metrics or {})
    names = [n for n in PREFERRED_TEST_SETS if n in sets] + [n for n in sets if n not in PREFERRED_TEST_SETS]
    for name in names:
        per_intent = ((sets.get(name) or {}).get("intents") or {}).get("per_intent")
        if not isinstance(per_intent, Mapping):
            continue
        return {
            intent: IntentReliability(
                precision=float(v.get("precision", 0.0)),
                recall=float(v.get("recall", 0.0)),
                support=int(v.get("support", 0)),
                test_set=name,
                model_version=model_version,
            )
            for intent, v in per_intent.items()
            if intent in INTENTS and isinstance(v, Mapping)
        }
    return {}


@dataclass(frozen=True)
class CommentMix:
    """Counts over a KOL's recent comments. ``analyzed`` counts comments with a sentiment.

    A *screened* mix counts only the comments the authenticity signal keeps; ``raw`` is then the
    mix over every comment and ``excluded`` how many analysed comments were left out, by reason
    (``excluded_reasons``). ``screened`` False: nothing could be screened (``raw`` is None)."""

    total: int
    analyzed: int
    sentiment: Mapping[str, int]
    intents: Mapping[str, int]
    low_effort: int
    raw: CommentMix | None = None
    excluded: int = 0
    excluded_reasons: Mapping[str, int] = field(default_factory=dict)
    screened: bool = False

    @property
    def excluded_share(self) -> float | None:
        """Share of the analysed comments left out as not from real commenters."""
        if self.raw is None or not self.raw.analyzed:
            return None
        return self.excluded / self.raw.analyzed

    def share(self, count: int) -> float | None:
        return count / self.analyzed if self.analyzed else None

    def sentiment_share(self, label: str) -> float | None:
        return self.share(self.sentiment.get(label, 0))

    def intent_share(self, intent: str) -> float | None:
        return self.share(self.intents.get(intent, 0))

    @property
    def low_effort_share(self) -> float | None:
        return self.share(self.low_effort)

    @property
    def net_sentiment(self) -> float | None:
        """(positive - negative) / (positive + negative), in [-1, 1]; neutral left out."""
        pos, neg = self.sentiment.get("positive", 0), self.sentiment.get("negative", 0)
        return (pos - neg) / (pos + neg) if pos + neg else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "analyzed": self.analyzed,
            "sentiment_counts": {s: int(self.sentiment.get(s, 0)) for s in SENTIMENTS},
            "sentiment_shares": {s: _round(self.sentiment_share(s)) for s in SENTIMENTS},
            "intent_counts": {i: int(self.intents.get(i, 0)) for i in INTENTS},
            "intent_shares": {i: _round(self.intent_share(i)) for i in INTENTS},
            "low_effort_count": self.low_effort,
            "low_effort_share": _round(self.low_effort_share),
            "net_sentiment": _round(self.net_sentiment),
            "screened": self.screened,
            "excluded": self.excluded,
            "excluded_share": _round(self.excluded_share),
            "excluded_reasons": dict(self.excluded_reasons),
            "raw": None if self.raw is None else self.raw.to_dict(),
        }


def comment_mix(
    analyses: Iterable[tuple[str | None, Mapping[str, bool], bool | None]], *, total: int | None = None
) -> CommentMix:
    """Count ``(sentiment, intent flags, low_effort)`` per comment; ``None`` sentiment = not analysed."""
    sentiment = dict.fromkeys(SENTIMENTS, 0)
    intents = dict.fromkeys(INTENTS, 0)
    analyzed = low = seen = 0
    for label, flags, low_effort in analyses:
        seen += 1
        if label is None:
            continue
        if label not in sentiment:
            raise ValueError(f"sentiment {label!r} is not one of {SENTIMENTS}")
        analyzed += 1
        sentiment[label] += 1
        for name in INTENTS:
            if flags.get(name):
                intents[name] += 1
        if low_effort:
            low += 1
    return CommentMix(
        total=seen if total is None else total,
        analyzed=analyzed,
        sentiment=sentiment,
        intents=intents,
        low_effort=low,
    )


def screened_comment_mix(
    analyses: Iterable[tuple[str | None, Mapping[str, bool], bool | None, Sequence[str]]],
    *,
    total: int | None = None,
) -> CommentMix:
    """The mix over real commenters: ``(sentiment, intent flags, low_effort, rejection reasons)``
    per comment, a comment with any rejection reason left out; ``raw`` holds the mix over all."""
    rows = list(analyses)
    raw = comment_mix(((s, f, le) for s, f, le, _ in rows), total=total)
    kept = comment_mix(((s, f, le) for s, f, le, why in rows if not why))
    reasons: dict[str, int] = {}
    excluded = 0
    for sentiment, _, _, why in rows:
        if why and sentiment is not None:
            excluded += 1
            for reason in why:
                reasons[reason] = reasons.get(reason, 0) + 1
    return replace(kept, raw=raw, excluded=excluded, excluded_reasons=reasons, screened=True)


@dataclass(frozen=True)
class BenchmarkCheck:
    """One KPI against one benchmark range (``high`` None = open range)."""

    metric: str
    value: float | None
    low: float
    high: float | None
    verdict: Literal["below", "within", "above"] | None
    segment: str = ""
    source: str = ""


@dataclass(frozen=True)
class VettingInput:
    authenticity: AuthenticitySummary
    comments: CommentMix
    n_notes: int
    engagement: Sequence[BenchmarkCheck] = ()
    intent_reliability: Mapping[str, IntentReliability] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    code: str
    effect: Effect
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "effect": self.effect,
            "message": self.message,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reasons: list[Reason]
    thresholds: VettingThresholds

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reasons": [r.to_dict() for r in self.reasons],
            "thresholds": asdict(self.thresholds),
        }


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _score_text(a: AuthenticitySummary) -> str:
    assert a.score is not None
    span = f", 80% interval {a.interval[0]:.0f}-{a.interval[1]:.0f}" if a.interval else ""
    return f"authenticity score {a.score:.0f}/100{span}"


def _authenticity_reasons(a: AuthenticitySummary, t: VettingThresholds) -> list[Reason]:
    if a.status == "unavailable":
        return [
            Reason(
                "authenticity_unavailable",
                "caution",
                "audience authenticity could not be assessed" + (f": {a.reason}" if a.reason else ""),
                {"reason": a.reason},
            )
        ]
    if a.status == "insufficient_data" or a.score is None:
        return [
            Reason(
                "authenticity_insufficient_data",
                "caution",
                "not enough data to score audience authenticity: " + ("; ".join(a.missing) or "unknown gaps"),
                {"missing": list(a.missing)},
            )
        ]
    evidence: dict[str, Any] = {
        "score": round(a.score, 1),
        "interval": list(a.interval) if a.interval else None,
        "risk": a.risk,
        "confidence": round(a.confidence, 3),
    }
    out: list[Reason] = []
    if a.risk in ("high", "medium"):
        # A risk grade always names what it found: the findings behind the score, in words.
        findings = "; ".join(a.evidence[:3]) or "several weak signs together, none strong on its own"
        out.append(
            Reason(
                f"authenticity_{a.risk}_risk",
                "avoid" if a.risk == "high" else "caution",
                f"{_score_text(a)} ({a.risk} manipulation risk): {findings}",
                {**evidence, "findings": list(a.evidence[:3]), "finding_codes": list(a.finding_codes[:3])},
            )
        )
    else:
        out.append(Reason("authenticity_low_risk", "support", f"{_score_text(a)} (low risk)", evidence))
    if a.confidence < t.min_authenticity_confidence:
        out.append(
            Reason(
                "authenticity_low_confidence",
                "caution",
                f"authenticity confidence {a.confidence:.2f} is below {t.min_authenticity_confidence:.2f}: "
                "collect more follower history and comments before relying on the score",
                {"confidence": round(a.confidence, 3), "minimum": t.min_authenticity_confidence},
            )
        )
    return out


@dataclass(frozen=True)
class _ShareRule:
    code: str
    what: str
    intent: str | None = None  # the intent the share rests on (None: sentiment or low effort)
    caution: float | None = None
    avoid: float | None = None
    support: float | None = None


def _share_rules(t: VettingThresholds) -> tuple[_ShareRule, ...]:
    return (
        _ShareRule("negative_comments", "negative", None, t.negative_share_caution, t.negative_share_avoid),
        _ShareRule(
            "spam_comments",
            "commenter self-promotion (spam)",
            "spam",
            t.spam_share_caution,
            t.spam_share_avoid,
        ),
        _ShareRule("paid_suspicion", "calling the content an ad", "paid_suspicion", t.paid_suspicion_caution),
        _ShareRule("skepticism", "doubting the claims", "skepticism", t.skepticism_caution),
        _ShareRule("low_effort_comments", "generic praise or emoji only", None, t.low_effort_caution),
        _ShareRule(
            "purchase_intent", "showing purchase intent", "purchase_intent", support=t.purchase_intent_support
        ),
    )


def _count(c: CommentMix, rule: _ShareRule) -> int:
    if rule.code == "negative_comments":
        return c.sentiment.get("negative", 0)
    if rule.code == "low_effort_comments":
        return c.low_effort
    return c.intents.get(rule.intent or "", 0)


def _effect(share: float, rule: _ShareRule) -> tuple[Effect, float] | None:
    if rule.avoid is not None and share >= rule.avoid:
        return "avoid", rule.avoid
    if rule.caution is not None and share >= rule.caution:
        return "caution", rule.caution
    if rule.support is not None and share >= rule.support:
        return "support", rule.support
    return None


def _whose(c: CommentMix) -> str:
    if not c.screened:
        return "of comments (not screened for bots)"
    return "of real commenters' comments"


def _raw_text(c: CommentMix, rule: _ShareRule) -> str:
    """The raw figure beside the screened one, with the share excluded."""
    if c.raw is None or not c.raw.analyzed:
        return ""
    raw_share = _count(c.raw, rule) / c.raw.analyzed
    return f"; {_pct(raw_share)} of all {c.raw.analyzed:,} comments, {c.excluded:,} ({_pct(c.excluded_share or 0.0)}) left out as likely bots, coordinated copies or spam"


def _model_text(rel: IntentReliability | None, t: VettingThresholds) -> str:
    if rel is None:
        return "; the intent model's reliability is unknown (no model card figures): weak evidence"
    weak = "; weak evidence" if rel.weak(t) else ""
    return (
        f"; intent model on {rel.support} real test comments of this intent: precision {_pct(rel.precision)}, "
        f"recall {_pct(rel.recall)}{weak}"
    )


#: Why a finding in the KOL's favour is not counted (``evidence["not_counted"]``), in words.
_NOT_COUNTED_TEXT: dict[str, str] = {
    "not_screened": "; not counted in favour: the comments could not be screened for bots",
    "high_risk": "; not counted in favour: the audience was graded high risk",
}


def _not_counted(c: CommentMix) -> str:
    return "not_screened" if not c.screened else "high_risk"


def _share_reason(c: CommentMix, rule: _ShareRule, data: VettingInput, t: VettingThresholds) -> Reason | None:
    share = c.share(_count(c, rule))
    found = None if share is None else _effect(share, rule)
    if share is None or found is None:
        return None
    effect, threshold = found
    evidence: dict[str, Any] = {
        "share": round(share, 4),
        "count": _count(c, rule),
        "analyzed": c.analyzed,
        "threshold": threshold,
        "screened": c.screened,
    }
    if c.raw is not None and c.raw.analyzed:
        evidence["raw_share"] = round(_count(c.raw, rule) / c.raw.analyzed, 4)
        evidence["excluded"] = c.excluded
        evidence["raw_analyzed"] = c.raw.analyzed
        evidence["excluded_share"] = round(c.excluded_share or 0.0, 4)
    notes = ""
    if rule.intent is not None:
        rel = data.intent_reliability.get(rule.intent)
        evidence["model"] = None if rel is None else rel.to_dict()
        weak = rel is None or rel.weak(t)
        evidence["weak_evidence"] = weak
        notes = _model_text(rel, t)
        if weak and effect == "avoid":
            effect = "caution"
        if weak and effect == "support":
            effect = "info"
    if effect == "support" and (not c.screened or data.authenticity.risk == "high"):
        effect = "info"  # resting on comments that could not be screened, or on a rejected audience
        evidence["not_counted"] = _not_counted(c)
        notes += _NOT_COUNTED_TEXT[evidence["not_counted"]]
    cut = {"avoid": "avoid at", "caution": "caution at"}.get(effect, "")
    limit = f" ({cut} {_pct(threshold)})" if cut else ""
    message = f"{_pct(share)} {_whose(c)} are {rule.what}{limit}{_raw_text(c, rule)}{notes}"
    return Reason(rule.code, effect, message, evidence)


def _net_sentiment_reason(c: CommentMix, data: VettingInput, already_negative: bool) -> Reason | None:
    net = c.net_sentiment
    if net is None:
        return None
    evidence: dict[str, Any] = {
        "net_sentiment": round(net, 4),
        "analyzed": c.analyzed,
        "screened": c.screened,
    }
    raw = c.raw.net_sentiment if c.raw is not None else None
    beside = f" (all comments: {raw:+.2f})" if raw is not None else ""
    if raw is not None:
        evidence["raw_net_sentiment"] = round(raw, 4)
    if net < 0 and not already_negative:
        return Reason(
            "net_sentiment_negative",
            "caution",
            f"net sentiment {net:+.2f} {_whose(c)}{beside}: more negative than positive comments",
            evidence,
        )
    if net > 0:
        counted = c.screened and data.authenticity.risk != "high"
        why = ""
        if not counted:
            evidence["not_counted"] = _not_counted(c)
            why = _NOT_COUNTED_TEXT[evidence["not_counted"]]
        return Reason(
            "net_sentiment_positive",
            "support" if counted else "info",
            f"net sentiment {net:+.2f} {_whose(c)}{beside}{why}",
            evidence,
        )
    return None


def _comment_reasons(data: VettingInput, t: VettingThresholds) -> list[Reason]:
    c = data.comments
    if c.analyzed < t.min_comments:
        kept = "real commenters' " if c.screened else ""
        return [
            Reason(
                "few_comments",
                "caution",
                f"only {c.analyzed} analysed {kept}comments on recent notes (at least {t.min_comments} are needed "
                "to judge the audience's reactions)",
                {
                    "analyzed": c.analyzed,
                    "minimum": t.min_comments,
                    "excluded": c.excluded,
                    "screened": c.screened,
                },
            )
        ]
    out = [r for rule in _share_rules(t) if (r := _share_reason(c, rule, data, t)) is not None]
    net = _net_sentiment_reason(c, data, any(r.code == "negative_comments" for r in out))
    return [*out, net] if net is not None else out


def _merged_ranges(checks: Sequence[BenchmarkCheck]) -> list[tuple[BenchmarkCheck, float, float | None]]:
    """One range per metric. The benchmark table holds one range per segment
    (:mod:`models.benchmarks`); should several checks of a metric arrive, the widest range is used,
    so a value is called low or high only when every range agrees."""
    by_metric: dict[str, list[BenchmarkCheck]] = {}
    for check in checks:
        if check.value is not None:
            by_metric.setdefault(check.metric, []).append(check)
    out = []
    for rows in by_metric.values():
        low = min(r.low for r in rows)
        highs = [r.high for r in rows]
        high = None if any(h is None for h in highs) else max(h for h in highs if h is not None)
        out.append((rows[0], low, high))
    return out


def _engagement_reason(
    check: BenchmarkCheck, low: float, high: float | None, vouched: bool, t: VettingThresholds
) -> Reason:
    value = float(check.value or 0.0)
    rng = f"{_pct(low)}-{_pct(high)}" if high is not None else f">= {_pct(low)}"
    evidence = {
        "metric": check.metric,
        "value": round(value, 4),
        "range": [low, high],
        "segment": check.segment,
        "source": check.source,
    }
    label = check.metric.replace("_", " ")
    if value < low:
        return Reason(
            "engagement_below_benchmark",
            "caution",
            f"{label} {_pct(value)} is below the {check.segment} range {rng}",
            evidence,
        )
    if high is not None and value > t.engagement_far_above_factor * high:
        evidence["factor"] = t.engagement_far_above_factor
        message = f"{label} {_pct(value)} is over {t.engagement_far_above_factor:g}x the top of the {check.segment} range {rng}"
        if vouched:
            return Reason(
                "engagement_far_above_benchmark",
                "info",
                message + "; the authenticity checks found no sign of bought engagement",
                evidence,
            )
        return Reason(
            "engagement_far_above_benchmark", "caution", message + ": check for bought engagement", evidence
        )
    if high is not None and value > high:
        return Reason(
            "engagement_above_benchmark",
            "support" if vouched else "info",
            f"{label} {_pct(value)} is above the {check.segment} range {rng}"
            + ("" if vouched else " (not counted in favour until authenticity is assessed as low risk)"),
            evidence,
        )
    return Reason(
        "engagement_in_range",
        "support",
        f"{label} {_pct(value)} is within the {check.segment} range {rng}",
        evidence,
    )


def _engagement_reasons(
    checks: Sequence[BenchmarkCheck], n_notes: int, authenticity: AuthenticitySummary, t: VettingThresholds
) -> list[Reason]:
    if n_notes < t.min_notes:
        return [
            Reason(
                "few_notes",
                "caution",
                f"only {n_notes} recent notes with counters (at least {t.min_notes} are needed to judge engagement)",
                {"notes": n_notes, "minimum": t.min_notes},
            )
        ]
    # The authenticity score checks engagement consistency itself (likes without saves or
    # comments, spikes against the account's own notes); when it found low risk with enough data,
    # high engagement is reported, not held against the KOL.
    vouched = (
        authenticity.status == "ok"
        and authenticity.risk == "low"
        and authenticity.confidence >= t.min_authenticity_confidence
    )
    return [_engagement_reason(check, low, high, vouched, t) for check, low, high in _merged_ranges(checks)]


def decide(data: VettingInput, thresholds: VettingThresholds = DEFAULT_THRESHOLDS) -> Verdict:
    """The verdict and every reason, worst effect first."""
    reasons = [
        *_authenticity_reasons(data.authenticity, thresholds),
        *_comment_reasons(data, thresholds),
        *_engagement_reasons(data.engagement, data.n_notes, data.authenticity, thresholds),
    ]
    reasons.sort(key=lambda r: _EFFECT_ORDER[r.effect])
    effects = {r.effect for r in reasons}
    decision: Decision = "avoid" if "avoid" in effects else "caution" if "caution" in effects else "recommend"
    return Verdict(decision=decision, reasons=reasons, thresholds=thresholds)
