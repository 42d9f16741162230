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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
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
    """What the verdict needs from the authenticity score (0-100, 100 = authentic)."""

    status: AuthenticityStatus
    score: float | None = None
    risk: Literal["low", "medium", "high"] | None = None
    confidence: float = 0.0
    evidence: Sequence[str] = ()
    missing: Sequence[str] = ()
    reason: str | None = None  # why it is unavailable


@dataclass(frozen=True)
class CommentMix:
    """Counts over a KOL's recent comments. ``analyzed`` counts comments with a sentiment."""

    total: int
    analyzed: int
    sentiment: Mapping[str, int]
    intents: Mapping[str, int]
    low_effort: int

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


def _authenticity_reasons(a: AuthenticitySummary, t: VettingThresholds) -> list[Reason]:
    if a.status == "unavailable":
        return [
            Reason(
                "authenticity_unavailable",
                "caution",
                "audience authenticity could not be assessed" + (f": {a.reason}" if a.reason else ""),
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
    evidence = {"score": round(a.score, 1), "risk": a.risk, "confidence": round(a.confidence, 3)}
    out: list[Reason] = []
    if a.risk == "high":
        out.append(
            Reason(
                "authenticity_high_risk",
                "avoid",
                f"authenticity score {a.score:.0f}/100 (high manipulation risk)"
                + (f": {a.evidence[0]}" if a.evidence else ""),
                {**evidence, "findings": list(a.evidence[:3])},
            )
        )
    elif a.risk == "medium":
        out.append(
            Reason(
                "authenticity_medium_risk",
                "caution",
                f"authenticity score {a.score:.0f}/100 (medium manipulation risk)"
                + (f": {a.evidence[0]}" if a.evidence else ""),
                {**evidence, "findings": list(a.evidence[:3])},
            )
        )
    else:
        out.append(
            Reason(
                "authenticity_low_risk",
                "support",
                f"authenticity score {a.score:.0f}/100 (low risk)",
                evidence,
            )
        )
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


def _share_reason(
    code: str,
    share: float | None,
    count: int,
    analyzed: int,
    *,
    what: str,
    caution: float | None = None,
    avoid: float | None = None,
    support: float | None = None,
) -> Reason | None:
    if share is None:
        return None
    evidence = {"share": round(share, 4), "count": count, "analyzed": analyzed}
    if avoid is not None and share >= avoid:
        return Reason(
            code,
            "avoid",
            f"{_pct(share)} of comments are {what} (avoid at {_pct(avoid)})",
            {**evidence, "threshold": avoid},
        )
    if caution is not None and share >= caution:
        return Reason(
            code,
            "caution",
            f"{_pct(share)} of comments are {what} (caution at {_pct(caution)})",
            {**evidence, "threshold": caution},
        )
    if support is not None and share >= support:
        return Reason(
            code, "support", f"{_pct(share)} of comments are {what}", {**evidence, "threshold": support}
        )
    return None


def _comment_reasons(c: CommentMix, t: VettingThresholds) -> list[Reason]:
    if c.analyzed < t.min_comments:
        return [
            Reason(
                "few_comments",
                "caution",
                f"only {c.analyzed} analysed comments on recent notes (at least {t.min_comments} are needed "
                "to judge the audience's reactions)",
                {"analyzed": c.analyzed, "minimum": t.min_comments},
            )
        ]
    n = c.analyzed
    candidates = [
        _share_reason(
            "negative_comments",
            c.sentiment_share("negative"),
            c.sentiment.get("negative", 0),
            n,
            what="negative",
            caution=t.negative_share_caution,
            avoid=t.negative_share_avoid,
        ),
        _share_reason(
            "spam_comments",
            c.intent_share("spam"),
            c.intents.get("spam", 0),
            n,
            what="commenter self-promotion (spam)",
            caution=t.spam_share_caution,
            avoid=t.spam_share_avoid,
        ),
        _share_reason(
            "paid_suspicion",
            c.intent_share("paid_suspicion"),
            c.intents.get("paid_suspicion", 0),
            n,
            what="calling the content an ad",
            caution=t.paid_suspicion_caution,
        ),
        _share_reason(
            "skepticism",
            c.intent_share("skepticism"),
            c.intents.get("skepticism", 0),
            n,
            what="doubting the claims",
            caution=t.skepticism_caution,
        ),
        _share_reason(
            "low_effort_comments",
            c.low_effort_share,
            c.low_effort,
            n,
            what="generic praise or emoji only",
            caution=t.low_effort_caution,
        ),
        _share_reason(
            "purchase_intent",
            c.intent_share("purchase_intent"),
            c.intents.get("purchase_intent", 0),
            n,
            what="showing purchase intent",
            support=t.purchase_intent_support,
        ),
    ]
    out = [r for r in candidates if r is not None]
    net = c.net_sentiment
    if net is not None:
        evidence = {"net_sentiment": round(net, 4), "analyzed": n}
        if net < 0 and not any(r.code == "negative_comments" for r in out):
            out.append(
                Reason(
                    "net_sentiment_negative",
                    "caution",
                    f"net sentiment {net:+.2f}: more negative than positive comments",
                    evidence,
                )
            )
        elif net > 0:
            out.append(Reason("net_sentiment_positive", "support", f"net sentiment {net:+.2f}", evidence))
    return out


def _merged_ranges(checks: Sequence[BenchmarkCheck]) -> list[tuple[BenchmarkCheck, float, float | None]]:
    """One range per metric: tied benchmark rows (a typical and a healthy band) are joined into
    the widest range, so a value is called low or high only when every band agrees."""
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
    out: list[Reason] = []
    for check, low, high in _merged_ranges(checks):
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
            out.append(
                Reason(
                    "engagement_below_benchmark",
                    "caution",
                    f"{label} {_pct(value)} is below the {check.segment} range {rng}",
                    evidence,
                )
            )
        elif high is not None and value > t.engagement_far_above_factor * high:
            message = f"{label} {_pct(value)} is over {t.engagement_far_above_factor:g}x the top of the {check.segment} range {rng}"
            if vouched:
                out.append(
                    Reason(
                        "engagement_far_above_benchmark",
                        "info",
                        message + "; the authenticity checks found no sign of bought engagement",
                        evidence,
                    )
                )
            else:
                out.append(
                    Reason(
                        "engagement_far_above_benchmark",
                        "caution",
                        message + ": check for bought engagement",
                        evidence,
                    )
                )
        else:
            out.append(
                Reason(
                    "engagement_in_range",
                    "support",
                    f"{label} {_pct(value)} against the {check.segment} range {rng}",
                    evidence,
                )
            )
    return out


def decide(data: VettingInput, thresholds: VettingThresholds = DEFAULT_THRESHOLDS) -> Verdict:
    """The verdict and every reason, worst effect first."""
    reasons = [
        *_authenticity_reasons(data.authenticity, thresholds),
        *_comment_reasons(data.comments, thresholds),
        *_engagement_reasons(data.engagement, data.n_notes, data.authenticity, thresholds),
    ]
    reasons.sort(key=lambda r: _EFFECT_ORDER[r.effect])
    effects = {r.effect for r in reasons}
    decision: Decision = "avoid" if "avoid" in effects else "caution" if "caution" in effects else "recommend"
    return Verdict(decision=decision, reasons=reasons, thresholds=thresholds)
