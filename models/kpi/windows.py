"""Reporting windows from metric snapshots: 48 hours, 7, 30 and 90 days after publishing.

Snapshots hold cumulative counts taken at some moment. The value of a window is the latest
snapshot taken at or before the window's end, and only once the data reach past that end: a note
whose newest snapshot is from day 5 has no 7-day value yet (undefined with that reason), rather
than passing its day-5 counts off as day 7. Each window reports the snapshot it used.

XHS notes keep collecting engagement for weeks (search and the discovery feed resurface them), so
a report pulled before day 7 carries a warning, and the long tail is measured:

* ``engagement_share_by_day7`` = engagements at day 7 / engagements at day 90 (fraction in [0, 1]):
  how much of the day-90 engagement the note had reached by day 7.
* ``long_tail_share`` = (engagements at day 90 - at day 7) / engagements at day 90
  = 1 - the above: the share that came after the first week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from models.kpi.formulas import engagements, ratio
from models.kpi.inputs import KPIInput
from models.kpi.metric import KPIInputError, Metric

__all__ = [
    "EARLY_REPORT_DAYS",
    "WINDOWS",
    "Snapshot",
    "WindowReport",
    "WindowValue",
    "as_datetime",
    "window_report",
]

WINDOWS: Final[tuple[tuple[str, timedelta], ...]] = (
    ("48h", timedelta(hours=48)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
    ("90d", timedelta(days=90)),
)
EARLY_REPORT_DAYS: Final = 7

_ECHO: Final = ("impressions", "reach", "views", "likes", "comments", "saves", "shares", "follows")


def as_datetime(value: date | datetime, field: str = "time") -> datetime:
    """Dates become midnight of that day; datetimes pass unchanged."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    raise KPIInputError(f"{field}={value!r} is not a date or datetime")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Cumulative counts of one note taken at ``taken_at``."""

    taken_at: datetime
    counts: KPIInput


@dataclass(frozen=True, slots=True)
class WindowValue:
    window: str
    ends_at: datetime
    snapshot_at: datetime | None
    counts: KPIInput | None
    engagements: Metric

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "window": self.window,
            "ends_at": self.ends_at.isoformat(),
            "snapshot_at": None if self.snapshot_at is None else self.snapshot_at.isoformat(),
            "engagements": self.engagements.json_value(),
            "reason": self.engagements.reason,
        }
        for name in _ECHO:
            out[name] = None if self.counts is None else getattr(self.counts, name)
        return out


@dataclass(frozen=True, slots=True)
class WindowReport:
    published_at: datetime
    as_of: datetime
    windows: dict[str, WindowValue]
    engagement_share_by_day7: Metric
    long_tail_share: Metric
    warnings: tuple[str, ...]

    @property
    def age(self) -> timedelta:
        return self.as_of - self.published_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "published_at": self.published_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "age_days": round(self.age.total_seconds() / 86400, 3),
            "windows": {name: value.to_dict() for name, value in self.windows.items()},
            "engagement_share_by_day7": self.engagement_share_by_day7.to_dict(),
            "long_tail_share": self.long_tail_share.to_dict(),
            "warnings": list(self.warnings),
        }


def _undefined_engagements(reason: str) -> Metric:
    return Metric.undefined(
        "engagements",
        unit="count",
        formula="engagements",
        expression="likes + comments + saves + shares",
        reason=reason,
    )


def window_report(published_at: date | datetime, snapshots: Sequence[Snapshot]) -> WindowReport:
    """Window values, long-tail shares and warnings of one note. ``as_of`` is the newest snapshot."""
    published = as_datetime(published_at, "published_at")
    if not snapshots:
        raise KPIInputError("no snapshots: a window report needs at least one metric snapshot")
    ordered = sorted(snapshots, key=lambda s: s.taken_at)
    try:
        too_early = [s.taken_at for s in ordered if s.taken_at < published]
    except TypeError:
        raise KPIInputError(
            "snapshot times and the publishing time mix time zones with naive times: give all of them "
            "with a zone or none"
        ) from None
    if too_early:
        raise KPIInputError(
            f"snapshot taken at {too_early[0].isoformat()} is before publishing ({published.isoformat()}): "
            "check the publishing time"
        )
    as_of = ordered[-1].taken_at
    windows: dict[str, WindowValue] = {}
    for name, span in WINDOWS:
        end = published + span
        before = [s for s in ordered if s.taken_at <= end]
        if as_of < end:
            age_days = (as_of - published).total_seconds() / 86400
            reason = f"window {name} not closed: the newest snapshot is {age_days:.1f} days after publishing"
            windows[name] = WindowValue(name, end, None, None, _undefined_engagements(reason))
        elif not before:
            reason = f"first snapshot ({ordered[0].taken_at.isoformat()}) is after the {name} window ended"
            windows[name] = WindowValue(name, end, None, None, _undefined_engagements(reason))
        else:
            snap = before[-1]
            c = snap.counts
            windows[name] = WindowValue(
                name, end, snap.taken_at, c, engagements(c.likes, c.comments, c.saves, c.shares)
            )

    share = ratio(
        "engagement_share_by_day7",
        windows["7d"].engagements,
        windows["90d"].engagements,
        num_label="engagements at day 7",
        den_label="engagements at day 90",
        expression="engagements at day 7 / engagements at day 90",
        bounded=True,
        counts=False,
    )
    expression = "(engagements at day 90 - engagements at day 7) / engagements at day 90"
    if share.value is None:
        tail = Metric.undefined(
            "long_tail_share",
            unit="fraction",
            formula="long_tail_share",
            expression=expression,
            reason=share.reason or "",
        )
    else:
        tail = Metric("long_tail_share", 1.0 - float(share.value), "fraction", "long_tail_share", expression)

    warnings = []
    if as_of - published < timedelta(days=EARLY_REPORT_DAYS):
        age_days = (as_of - published).total_seconds() / 86400
        warnings.append(
            f"report pulled {age_days:.1f} days after publishing, before day {EARLY_REPORT_DAYS}: XHS notes "
            "keep gaining engagement for weeks, so these numbers will still rise"
        )
    return WindowReport(published, as_of, windows, share, tail, tuple(warnings))
