"""Audience authenticity of a KOL: growth-curve anomalies, engagement consistency, comment
diversity and commenters, audience doubt; one calibrated score with checkable evidence.

Entry point: :func:`score_account`. Inputs are the dataclasses of :mod:`.data`; the result is an
:class:`AuthenticityResult` (``to_dict()`` for JSON).
"""

from models.authenticity.calibration import Calibration, load_calibration
from models.authenticity.config import DEFAULT_TIERS, AuthenticityConfig, TierBenchmark, tier_for
from models.authenticity.data import AccountData, Comment, FollowerSnapshot, Note, NoteMetricsSnapshot
from models.authenticity.result import AuthenticityResult, Flag, SignalResult
from models.authenticity.score import extract_signals, feature_vector, score_account, screen_comments

__all__ = [
    "DEFAULT_TIERS",
    "AccountData",
    "AuthenticityConfig",
    "AuthenticityResult",
    "Calibration",
    "Comment",
    "Flag",
    "FollowerSnapshot",
    "Note",
    "NoteMetricsSnapshot",
    "SignalResult",
    "TierBenchmark",
    "extract_signals",
    "feature_vector",
    "load_calibration",
    "score_account",
    "screen_comments",
    "tier_for",
]
