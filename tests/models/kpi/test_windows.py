"""Reporting windows from snapshots: 48h, 7, 30, 90 days, long tail and early-report warning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.kpi import KPIInput, KPIInputError, Snapshot, window_report

PUBLISHED = datetime(2025, 9, 1, 12, 0)


def snap(days: float, likes: int) -> Snapshot:
    return Snapshot(PUBLISHED + timedelta(days=days), KPIInput(likes=likes, comments=0, saves=0, shares=0))


def test_window_uses_latest_snapshot_at_or_before_its_end() -> None:
    report = window_report(
        PUBLISHED, [snap(1, 10), snap(2, 20), snap(6, 60), snap(7, 70), snap(8, 80), snap(95, 200)]
    )
    assert report.windows["48h"].engagements.value == 20
    assert report.windows["7d"].engagements.value == 70
    assert report.windows["30d"].engagements.value == 80
    assert report.windows["90d"].engagements.value == 80
    assert report.windows["30d"].snapshot_at == PUBLISHED + timedelta(days=8)


def test_long_tail_shares() -> None:
    report = window_report(PUBLISHED, [snap(7, 60), snap(90, 200)])
    assert report.engagement_share_by_day7.value == pytest.approx(0.3)
    assert report.long_tail_share.value == pytest.approx(0.7)


def test_open_window_is_undefined_not_the_latest_value() -> None:
    report = window_report(PUBLISHED, [snap(1, 10), snap(5, 50)])
    seven = report.windows["7d"].engagements
    assert seven.value is None
    assert seven.reason is not None and "not closed" in seven.reason
    assert report.long_tail_share.value is None


def test_report_before_day_7_warns() -> None:
    early = window_report(PUBLISHED, [snap(3, 10)])
    assert len(early.warnings) == 1 and "before day 7" in early.warnings[0]
    late = window_report(PUBLISHED, [snap(3, 10), snap(8, 30)])
    assert late.warnings == ()


def test_window_report_accepts_dates_and_serialises() -> None:
    snaps = [Snapshot(datetime(2025, 9, 8), KPIInput(likes=1, comments=1, saves=1, shares=1))]
    report = window_report(date(2025, 9, 1), snaps).to_dict()
    assert report["published_at"] == "2025-09-01T00:00:00"
    assert report["windows"]["7d"]["engagements"] == 4
    assert report["windows"]["7d"]["snapshot_at"] == "2025-09-08T00:00:00"
    assert report["age_days"] == pytest.approx(7.0)


def test_first_snapshot_after_window_end_leaves_window_undefined() -> None:
    report = window_report(PUBLISHED, [snap(9, 90)])
    assert report.windows["48h"].engagements.value is None
    assert report.windows["7d"].engagements.value is None
    reason = report.windows["7d"].engagements.reason
    assert reason is not None and "after the 7d window ended" in reason


def test_snapshot_before_publishing_rejected() -> None:
    with pytest.raises(KPIInputError, match="before publishing"):
        window_report(PUBLISHED, [snap(-1, 1)])


def test_mixed_time_zones_rejected() -> None:
    aware = Snapshot(datetime(2025, 9, 3, tzinfo=UTC), KPIInput(likes=1))
    with pytest.raises(KPIInputError, match="time zones"):
        window_report(PUBLISHED, [aware])


def test_no_snapshots_rejected() -> None:
    with pytest.raises(KPIInputError, match="no snapshots"):
        window_report(PUBLISHED, [])
