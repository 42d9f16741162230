"""The public entry point: :func:`score_account`.

Signals are computed independently (growth, engagement, comments, intents), each returning
feature strengths in [0, 1] with flags and evidence; :class:`~models.authenticity.calibration.Calibration`
combines them into one score (see its module docstring for the formula). A signal without
enough data contributes nothing and lists what is missing; with no usable core signal
(growth, engagement, comments) there is no overall score at all.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, time

from models.authenticity.calibration import ALL_FEATURES, Calibration, load_calibration
from models.authenticity.comments import analyze_comments, comment_signal
from models.authenticity.config import AuthenticityConfig
from models.authenticity.data import AccountData, to_seconds
from models.authenticity.engagement import engagement_signal
from models.authenticity.growth import growth_signal
from models.authenticity.intents import intent_signal
from models.authenticity.machine_text import MachineTextModel
from models.authenticity.result import SIGNALS, AuthenticityResult, RiskGrade, SignalResult
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
    cfg = config or AuthenticityConfig()
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
    return signals, moment


def feature_vector(signals: dict[str, SignalResult]) -> dict[str, float]:
    """All calibration features (0 when a signal had insufficient data)."""
    out = dict.fromkeys(ALL_FEATURES, 0.0)
    for sig in signals.values():
        if sig.status == "ok":
            out.update({k: float(v) for k, v in sig.features.items() if k in out})
    return out


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
    total = calibration.intercept
    for name, sig in signals.items():
        if sig.status != "ok":
            sig.score = None
            continue
        contributions = {f: calibration.weights.get(f, 0.0) * x for f, x in sig.features.items()}
        sig.contributions = contributions
        load = sum(contributions.values())
        sig.score = round(100.0 * math.exp(-load), 1)
        total += load
        del name
    usable = [s for s in CORE_SIGNALS if signals[s].status == "ok"]
    missing = [m for s in SIGNALS for m in signals[s].missing]
    confidence = sum(
        CONFIDENCE_WEIGHTS[s] * (signals[s].coverage if signals[s].status == "ok" else 0.0) for s in SIGNALS
    )
    flags = sorted(
        (f for s in SIGNALS for f in signals[s].flags), key=lambda f: (-f.strength, f.signal, f.code)
    )
    growth = signals["growth"].series
    series = {
        "daily_followers": growth.get("daily_followers", []),
        "anomalies": growth.get("anomalies", []),
        "change_points": growth.get("change_points", []),
        "following": growth.get("following", []),
        "notes": signals["engagement"].series.get("notes", []),
    }
    if len(usable) < max(cfg.min_signals, 1):
        return AuthenticityResult(
            kol_id=account.kol_id,
            status="insufficient_data",
            score=None,
            risk=None,
            confidence=round(confidence, 3),
            signals=signals,
            flags=flags,
            series=series,
            missing=missing or ["no usable signal"],
            calibration_version=calibration.version,
            evaluated_at=now.isoformat(timespec="seconds"),
        )
    evidence = total - calibration.intercept
    p = 1.0 / (1.0 + math.exp(-max(min(total, 40.0), -40.0)))
    score = round(100.0 * math.exp(-evidence), 1)
    risk: RiskGrade
    if score < calibration.high_risk_below:
        risk = "high"
    elif score < calibration.medium_risk_below:
        risk = "medium"
    else:
        risk = "low"
    return AuthenticityResult(
        kol_id=account.kol_id,
        status="ok",
        score=score,
        risk=risk,
        confidence=round(confidence, 3),
        signals=signals,
        flags=flags,
        series=series,
        missing=missing,
        probability_manipulated=round(p, 4),
        calibration_version=calibration.version,
        evaluated_at=now.isoformat(timespec="seconds"),
    )


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
    signals, moment = extract_signals(account, now=now, config=config, machine_text=cal.machine_text)
    return combine(account, signals, cal, now=moment, config=config)
