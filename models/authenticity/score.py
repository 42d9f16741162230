"""The public entry point: :func:`score_account`.

Signals are computed independently (growth, engagement, comments, intents), each returning
feature strengths in [0, 1] with flags and evidence; :class:`~models.authenticity.calibration.Calibration`
combines them into one score (see its module docstring for the formula). A signal without
enough data contributes nothing and lists what is missing; with no usable core signal
(growth, engagement, comments) there is no overall score at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from typing import cast

from models.authenticity.calibration import ALL_FEATURES, Calibration, load_calibration
from models.authenticity.comments import CommentAnalysis, analyze_comments, comment_signal, rejected_comments
from models.authenticity.config import AuthenticityConfig
from models.authenticity.data import AccountData, to_seconds
from models.authenticity.engagement import engagement_signal
from models.authenticity.growth import growth_signal
from models.authenticity.intents import intent_signal
from models.authenticity.machine_text import MachineTextModel
from models.authenticity.result import (
    FINDING_WORDS,
    SIGNALS,
    AuthenticityResult,
    Finding,
    RiskGrade,
    SignalResult,
    finding_words,
)
from models.authenticity.series import daily_series

CORE_SIGNALS: tuple[str, ...] = ("growth", "engagement", "comments")
# How much each signal's coverage counts towards the overall confidence.
CONFIDENCE_WEIGHTS: dict[str, float] = {"growth": 0.35, "engagement": 0.2, "comments": 0.35, "intents": 0.1}


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def default_now(account: AccountData) -> datetime:
    """The latest moment in the data (end of day of the last snapshot, last note or comment)."""
    moments: list[datetime] = [datetime.combine(s.date, time(23, 59, 59)) for s in account.follower_snapshots]
    moments += [_naive_utc(n.published_at) for n in account.notes]
    moments += [_naive_utc(c.created_at) for c in account.comments]
    return max(moments) if moments else datetime(1970, 1, 1)


def restrict_to(account: AccountData, now: datetime) -> AccountData:
    """The account as it was known at ``now`` (later snapshots, notes and comments dropped)."""
    limit = to_seconds(now)
    today = _naive_utc(now).date()
    return replace(
        account,
        follower_snapshots=[s for s in account.follower_snapshots if s.date <= today],
        notes=[n for n in account.notes if to_seconds(n.published_at) <= limit],
        note_metrics=[m for m in account.note_metrics if m.date <= today],
        comments=[c for c in account.comments if to_seconds(c.created_at) <= limit],
    )


def extract_signals(
    account: AccountData,
    *,
    now: datetime | None = None,
    config: AuthenticityConfig | None = None,
    machine_text: MachineTextModel | None = None,
) -> tuple[dict[str, SignalResult], datetime]:
    """Every signal's result (features, flags, evidence) without combining them."""
    signals, moment, _ = _extract(account, now, config or AuthenticityConfig(), machine_text)
    return signals, moment


def _extract(
    account: AccountData, now: datetime | None, cfg: AuthenticityConfig, machine_text: MachineTextModel | None
) -> tuple[dict[str, SignalResult], datetime, CommentAnalysis]:
    moment = _naive_utc(now) if now is not None else default_now(account)
    data = restrict_to(account, moment)

    snaps = data.follower_snapshots
    series = daily_series([(s.date, s.followers) for s in snaps]) if snaps else None

    def followers_at(when: datetime) -> float | None:
        if series is None:
            return None
        idx = (_naive_utc(when).date() - series.start).days
        idx = min(max(idx, 0), series.n_days - 1)
        return float(series.values[idx])

    analysis = analyze_comments(data, cfg.comments, machine_text)
    signals = {
        "growth": growth_signal(data, cfg.growth),
        "engagement": engagement_signal(data, cfg.engagement, moment, followers_at),
        "comments": comment_signal(data, analysis, cfg.comments),
        "intents": intent_signal(analysis.comments, analysis.suspicion_by_id(), cfg.intents),
    }
    notes = sorted(data.notes, key=lambda n: to_seconds(n.published_at))
    signals["engagement"].series["notes"] = [
        {
            "note_id": n.note_id,
            "published_at": _naive_utc(n.published_at).isoformat(timespec="minutes"),
            "interactions": n.interactions,
            "likes": n.liked_count,
            "saves": n.collected_count,
            "comments": n.comment_count,
            "sponsored": n.sponsored,
        }
        for n in notes
    ]
    return signals, moment, analysis


def feature_vector(signals: dict[str, SignalResult]) -> dict[str, float]:
    """All calibration features (0 when a signal had insufficient data)."""
    out = dict.fromkeys(ALL_FEATURES, 0.0)
    for sig in signals.values():
        if sig.status == "ok":
            out.update({k: float(v) for k, v in sig.features.items() if k in out})
    return out


def _findings(signals: dict[str, SignalResult], calibration: Calibration) -> list[Finding]:
    """Scored flags in words, largest share of the evidence first."""
    scored = [
        (f, calibration.weights.get(f.feature, 0.0) * f.strength)
        for s in SIGNALS
        if signals[s].status == "ok"
        for f in signals[s].flags
        if f.feature is not None and f.strength > 0
    ]
    total = sum(c for _, c in scored)
    out = [
        Finding(
            f.code, f.signal, FINDING_WORDS.get(f.code, f.code.replace("_", " ")), f.evidence, c, c / total
        )
        for f, c in scored
        if c > 0
    ]
    return sorted(out, key=lambda x: -x.contribution)


def _score_signals(signals: dict[str, SignalResult], calibration: Calibration) -> float:
    """Each signal's contributions, sub-score (what it alone says) and finding; the total evidence."""
    total = 0.0
    for sig in signals.values():
        if sig.status != "ok":
            sig.score = None
            sig.finding = finding_words(None, 0.0)
            continue
        sig.contributions = {f: calibration.weights.get(f, 0.0) * x for f, x in sig.features.items()}
        load = sum(sig.contributions.values())
        sig.score = round(calibration.score(load), 1)
        sig.finding = finding_words(calibration.grade(sig.score), load)
        total += load
    return total


def combine(
    account: AccountData,
    signals: dict[str, SignalResult],
    calibration: Calibration,
    *,
    now: datetime,
    config: AuthenticityConfig | None = None,
) -> AuthenticityResult:
    """Turn signal results into the final :class:`AuthenticityResult`."""
    cfg = config or AuthenticityConfig()
    evidence = _score_signals(signals, calibration)
    usable = [s for s in CORE_SIGNALS if signals[s].status == "ok"]
    missing = [m for s in SIGNALS for m in signals[s].missing]
    confidence = sum(
        CONFIDENCE_WEIGHTS[s] * (signals[s].coverage if signals[s].status == "ok" else 0.0) for s in SIGNALS
    )
    flags = sorted(
        (f for s in SIGNALS for f in signals[s].flags), key=lambda f: (-f.strength, f.signal, f.code)
    )
    growth = signals["growth"].series
    result = AuthenticityResult(
        kol_id=account.kol_id,
        status="insufficient_data",
        score=None,
        risk=None,
        confidence=round(confidence, 3),
        signals=signals,
        flags=flags,
        series={
            "daily_followers": growth.get("daily_followers", []),
            "anomalies": growth.get("anomalies", []),
            "change_points": growth.get("change_points", []),
            "following": growth.get("following", []),
            "notes": signals["engagement"].series.get("notes", []),
        },
        missing=missing,
        calibration_version=calibration.version,
        evaluated_at=now.isoformat(timespec="seconds"),
    )
    if len(usable) < max(cfg.min_signals, 1):
        result.missing = missing or ["no usable signal"]
        return result
    score = calibration.score(evidence)
    lo, hi = calibration.interval(feature_vector(signals))
    result.status = "ok"
    result.score = round(score, 1)
    result.score_interval = (round(min(lo, score), 1), round(max(hi, score), 1))
    result.risk = cast(RiskGrade, calibration.grade(score))
    result.probability_manipulated = round(calibration.probability(evidence), 4)
    result.findings = _findings(signals, calibration)
    return result


def screen_comments(
    account: AccountData,
    *,
    config: AuthenticityConfig | None = None,
    machine_text: MachineTextModel | None = None,
) -> dict[str, tuple[str, ...]]:
    """The comments the comment signal rejects (likely bot, coordinated copy, spam) with the
    reasons, without scoring the account (for campaign figures over real commenters)."""
    cfg = config or AuthenticityConfig()
    return rejected_comments(analyze_comments(account, cfg.comments, machine_text), cfg.comments)


def score_account(
    account: AccountData,
    *,
    now: datetime | None = None,
    config: AuthenticityConfig | None = None,
    calibration: Calibration | None = None,
) -> AuthenticityResult:
    """Audience-authenticity verdict for one KOL.

    ``now`` is the evaluation moment (default: the latest moment in the data; later data are
    ignored). ``calibration`` defaults to the package's ``calibration.json``.
    """
    cal = calibration or load_calibration()
    cfg = config or AuthenticityConfig()
    signals, moment, analysis = _extract(account, now, cfg, cal.machine_text)
    result = combine(account, signals, cal, now=moment, config=cfg)
    result.rejected_comments = rejected_comments(analysis, cfg.comments)
    return result
