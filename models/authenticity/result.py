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

Severity = Literal["info", "low", "medium", "high"]
RiskGrade = Literal["low", "medium", "high"]
Status = Literal["ok", "insufficient_data"]

SIGNALS: tuple[str, ...] = ("growth", "engagement", "comments", "intents")


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


@dataclass(slots=True)
class SignalResult:
    """One signal's verdict. ``score`` is 0-100 (100 = nothing suspicious) or ``None`` when the
    data are insufficient, in which case ``missing`` says what is lacking."""

    name: str
    status: Status
    score: float | None = None
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

    ``score`` is 0-100 (100 = fully authentic) and ``risk`` its grade, both ``None`` when
    ``status`` is ``insufficient_data`` (then ``missing`` lists what is needed). ``confidence``
    (0-1) reflects data coverage: days of follower history, comments collected vs comment
    counts, notes seen. ``flags`` are all signals' flags, strongest first.
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
    calibration_version: str = ""
    evaluated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = _jsonable(self)
        assert isinstance(out, dict)
        return out


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
