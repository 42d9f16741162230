"""The vetting page's SVG charts: data points, anomaly markers, flagged windows, escaping."""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

from service.web.charts import FlagWindow, GrowthPoint, NoteMark, bullet_chart, growth_chart, growth_points

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def _series(days: int = 30) -> list[GrowthPoint]:
    start = date(2026, 1, 1)
    points = [
        GrowthPoint(start + timedelta(days=d), 10_000 + 20 * d, observed=d % 5 == 0) for d in range(days)
    ]
    points[12] = GrowthPoint(start + timedelta(days=12), 12_500, observed=True, anomaly="spike")
    return points


def test_growth_chart_draws_points_anomalies_windows_and_notes() -> None:
    window = FlagWindow(
        date(2026, 1, 10), date(2026, 1, 13), "high", "follower_spike", "+2,000 <followers> & more"
    )
    notes = [
        NoteMark(date(2026, 1, 11), True, "sponsored note"),
        NoteMark(date(2025, 12, 1), False, "outside"),
    ]
    svg = growth_chart(_series(), windows=[window], notes=notes, evidence_by_day={date(2026, 1, 13): "why"})
    root = _parse(svg)
    circles = root.findall(f"{SVG}circle")
    assert len([c for c in circles if c.get("class") == "point"]) == 6  # observed days without anomaly
    anomalies = [c for c in circles if c.get("class") == "anomaly"]
    assert [a.get("data-kind") for a in anomalies] == ["spike"]
    assert len(root.findall(f"{SVG}polyline")) == 1
    rects = [r for r in root.findall(f"{SVG}rect") if r.get("class") == "flag-window"]
    assert len(rects) == 1 and "&lt;followers&gt; &amp; more" in svg
    ticks = [line for line in root.findall(f"{SVG}line") if line.get("class") == "note-tick"]
    assert len(ticks) == 1  # the note outside the curve's days is not drawn


def test_growth_chart_y_axis_spans_the_data_not_zero() -> None:
    root = _parse(growth_chart(_series()))
    ys = [float(c.get("cy", "0")) for c in root.findall(f"{SVG}circle")]
    assert max(ys) - min(ys) > 100  # an anomaly on a 10,000-follower account is visible


def test_growth_points_read_series_and_snapshots() -> None:
    rows: list[dict[str, object]] = [
        {"date": "2026-01-03", "followers": 5, "observed": False, "anomaly": "step"},
        {"date": "2026-01-01", "followers": 3},
        {"date": None, "followers": 4},
        {"date": "2026-01-02", "followers": None},
    ]
    points = growth_points(rows)
    assert [p.day.day for p in points] == [1, 3]
    assert points[1].anomaly == "step" and not points[1].observed
    assert "no follower snapshots" in growth_chart([])


def test_bullet_chart_places_value_against_the_range() -> None:
    root = _parse(bullet_chart(0.03, 0.05, 0.10, label="ER", verdict="below"))
    bar = next(r for r in root.findall(f"{SVG}rect") if r.get("class") == "value-bar")
    band = next(r for r in root.findall(f"{SVG}rect") if r.get("class") == "benchmark")
    value_end = float(bar.get("x", "0")) + float(bar.get("width", "0"))
    assert value_end < float(band.get("x", "0"))  # below the range: the bar stops before the band
    assert re.search(r">5\.0%<", ElementTree.tostring(root, encoding="unicode"))
    assert "not available" in bullet_chart(None, 0.05, 0.1, label="save rate")
    open_ended = _parse(bullet_chart(0.3, 0.1, None, label="ER"))
    assert any(r.get("class") == "benchmark" for r in open_ended.findall(f"{SVG}rect"))
