"""Inline SVG charts of the pages that the offline report has no equivalent for.

The campaign dashboard reuses :mod:`service.reports.charts` (bars, funnel, daily sentiment) so
the page and the downloaded report draw the same pictures; this module adds the vetting page's
follower-growth curve with its anomalies and the value-against-benchmark bullet. Like the report
charts they are pure functions returning SVG text: sized in ``viewBox`` units, every text
XML-escaped here, colours from the report's palette, no scripts and no ``style`` attributes (the
pages' Content-Security-Policy allows neither). Data points carry ``data-*`` attributes and a
``<title>`` tooltip, which is how the browser tests find them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from service.reports.charts import (
    PALETTE,
    WORDS,
    axis_title,
    date_ticks,
    empty_chart,
    legend,
)
from service.reports.charts import esc as _t

ANOMALY_COLOURS: dict[str, str] = {
    "spike": "#d64545",
    "step": "#e8590c",
    "drop": "#7048e8",
    "explained_spike": "#9aa5b1",
}
SEVERITY_FILL: dict[str, str] = {"high": "#fde2e2", "medium": "#fff0d6", "low": "#eef2ff", "info": "#f3f4f6"}


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _compact(value: float) -> str:
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f}万"
    return f"{value:,.0f}"


@dataclass(frozen=True)
class GrowthPoint:
    """Followers on one day; ``observed`` is False for days interpolated between snapshots."""

    day: date
    followers: float
    observed: bool = True
    anomaly: str | None = None


@dataclass(frozen=True)
class FlagWindow:
    """A flagged period drawn as a shaded band, with the flag's evidence as its tooltip."""

    start: date
    end: date
    severity: str
    code: str
    evidence: str


@dataclass(frozen=True)
class NoteMark:
    """A note publication, ticked under the curve (sponsored notes in the accent colour)."""

    day: date
    sponsored: bool
    label: str


def growth_points(series: Sequence[Mapping[str, Any]]) -> list[GrowthPoint]:
    """Points from the authenticity result's ``daily_followers`` or from stored snapshots
    (``{"date", "followers"}``); rows without a date or a count are skipped."""
    points = []
    for row in series:
        day = _day(row.get("date"))
        followers = row.get("followers")
        if day is None or not isinstance(followers, int | float):
            continue
        points.append(
            GrowthPoint(
                day=day,
                followers=float(followers),
                observed=bool(row.get("observed", True)),
                anomaly=row.get("anomaly") or None,
            )
        )
    points.sort(key=lambda p: p.day)
    return points


def anomaly_word(kind: str, words: Mapping[str, str] = WORDS) -> str:
    """An anomaly kind (``explained_spike``) as the chart names it, in the language of ``words``."""
    return words.get(f"anomaly_{kind}", kind.replace("_", " "))


def growth_chart(
    points: Sequence[GrowthPoint],
    *,
    windows: Sequence[FlagWindow] = (),
    notes: Sequence[NoteMark] = (),
    evidence_by_day: Mapping[date, str] | None = None,
    width: int = 760,
    height: int = 290,
    words: Mapping[str, str] = WORDS,
) -> str:
    """Follower curve with anomaly markers, shaded flagged windows and note ticks.

    x: calendar days from the first to the last point; y: followers, from just below the
    minimum to just above the maximum (a growth curve starting at zero would flatten every
    anomaly). Observed snapshots are drawn as small dots, interpolated days only as the line.
    ``words`` are the chart's words (:data:`service.reports.charts.WORDS`) in the reader's language.
    """
    if not points:
        return empty_chart(words["no_snapshots"], width=width)
    left, right, top, bottom = 76, 16, 14, 76
    plot_w, plot_h = width - left - right, height - top - bottom
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)
    low = min(p.followers for p in points)
    high = max(p.followers for p in points)
    pad = max((high - low) * 0.08, 1.0)
    y_min, y_max = max(low - pad, 0.0), high + pad

    def x(day: date) -> float:
        return left + plot_w * ((day - first).days / span)

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / (y_max - y_min))

    evidence = evidence_by_day or {}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart growth-chart" aria-label="{_t(words["growth_title"])}">'
    ]
    for window in windows:
        x0, x1 = x(max(window.start, first)), x(min(window.end, last))
        if x1 < x0:
            continue
        parts.append(
            f'<rect class="flag-window" data-code="{_t(window.code)}" x="{x0:.1f}" y="{top}" '
            f'width="{max(x1 - x0, 3.0):.1f}" height="{plot_h}" fill="{SEVERITY_FILL.get(window.severity, "#f3f4f6")}">'
            f"<title>{_t(window.start)} – {_t(window.end)}: {_t(window.evidence)}</title></rect>"
        )
    for fraction in (0.0, 0.5, 1.0):
        value = y_min + (y_max - y_min) * fraction
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" stroke="{PALETTE["grid"]}"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" fill="{PALETTE["axis"]}">'
            f"{_t(_compact(value))}</text>"
        )
    line = " ".join(f"{x(p.day):.1f},{y(p.followers):.1f}" for p in points)
    parts.append(
        f'<polyline class="series" points="{line}" fill="none" stroke="{PALETTE["line"]}" stroke-width="2"/>'
    )
    for p in points:
        if p.observed and not p.anomaly:
            parts.append(
                f'<circle class="point" data-date="{p.day}" data-value="{p.followers:.0f}" cx="{x(p.day):.1f}" '
                f'cy="{y(p.followers):.1f}" r="2.2" fill="{PALETTE["line"]}">'
                f"<title>{p.day}: {_t(words['followers_num'] % {'num': f'{p.followers:,.0f}'})}</title></circle>"
            )
    for p in points:
        if not p.anomaly:
            continue
        colour = ANOMALY_COLOURS.get(p.anomaly, "#d64545")
        why = evidence.get(p.day, "")
        parts.append(
            f'<circle class="anomaly" data-kind="{_t(p.anomaly)}" data-date="{p.day}" cx="{x(p.day):.1f}" '
            f'cy="{y(p.followers):.1f}" r="6" fill="{colour}" stroke="#fff" stroke-width="1.5">'
            f"<title>{p.day}: {_t(anomaly_word(p.anomaly, words))}, "
            f"{_t(words['followers_num'] % {'num': f'{p.followers:,.0f}'})}"
            f"{'. ' + _t(why) if why else ''}</title></circle>"
        )
    base = top + plot_h
    for mark in notes:
        if not first <= mark.day <= last:
            continue
        colour = PALETTE["bar"] if mark.sponsored else PALETTE["axis"]
        parts.append(
            f'<line class="note-tick" x1="{x(mark.day):.1f}" y1="{base + 3}" x2="{x(mark.day):.1f}" y2="{base + 11}" '
            f'stroke="{colour}" stroke-width="2"><title>{_t(mark.label)}</title></line>'
        )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{PALETTE["axis"]}"/>'
    )
    parts.extend(_day_ticks(first, span, x, base + 26))
    parts.append(axis_title(14, top + plot_h / 2, words["followers"], vertical=True))
    parts.append(axis_title(left + plot_w / 2, base + 42, words["day"]))
    entries = [
        ("line", PALETTE["line"], words["followers"]),
        ("box", ANOMALY_COLOURS["spike"], words["anomaly"]),
        ("box", SEVERITY_FILL["high"], words["flagged"]),
        ("box", PALETTE["bar"], words["note_published"]),
    ]
    parts.append(legend(entries, left, height - 6))
    parts.append("</svg>")
    return "".join(parts)


def _day_ticks(first: date, span: int, x: Any, y: float) -> list[str]:
    """Dates along a day axis of ``span`` days from ``first`` (up to six, ends included)."""
    out = []
    for offset in date_ticks(span + 1):
        day = first + timedelta(days=offset)
        anchor = "start" if offset == 0 else ("end" if offset == span else "middle")
        out.append(
            f'<text class="date-tick" x="{x(day):.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="11" '
            f'fill="{PALETTE["axis"]}">{day}</text>'
        )
    return out


def bullet_chart(
    value: float | None,
    low: float | None,
    high: float | None,
    *,
    label: str,
    verdict: str | None = None,
    width: int = 420,
    height: int = 80,
    words: Mapping[str, str] = WORDS,
) -> str:
    """A rate against its benchmark range: the range as a band, the value as a bar and a marker.

    The scale runs from 0 to 1.25 x the largest of the value and the range's ends, so a value
    far above the range stays on the chart. ``high`` may be ``None`` (an open-ended range).
    """
    if value is None:
        return empty_chart(words["not_available"] % {"label": label}, width=width, height=height)
    top_end = max(v for v in (value, low or 0.0, high or 0.0, 1e-9) if v is not None) * 1.25
    left, right = 8, 8
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + plot_w * min(max(v / top_end, 0.0), 1.0)

    colour = {"below": "#d64545", "within": "#2f9e6e", "above": "#3461c1"}.get(verdict or "", "#374151")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart bullet-chart" '
        f'aria-label="{_t(label)}">',
        f'<rect x="{left}" y="10" width="{plot_w}" height="16" rx="3" fill="#f3f4f6"/>',
    ]
    if low is not None:
        band_end = x(high) if high is not None else left + plot_w
        parts.append(
            f'<rect class="benchmark" x="{x(low):.1f}" y="10" width="{max(band_end - x(low), 2.0):.1f}" height="16" '
            f'fill="#d1fae5"><title>{_t(words["benchmark"])} {low * 100:.1f}%–'
            f"{'' if high is None else f'{high * 100:.1f}%'}</title></rect>"
        )
    parts.append(
        f'<rect class="value-bar" data-value="{value:.6f}" x="{left}" y="15" width="{max(x(value) - left, 1.0):.1f}" '
        f'height="6" fill="{colour}"><title>{_t(label)}: {value * 100:.2f}%</title></rect>'
        f'<line x1="{x(value):.1f}" y1="6" x2="{x(value):.1f}" y2="30" stroke="{colour}" stroke-width="3"/>'
    )
    ticks = [(0.0, "start"), *((v, "middle") for v in (low, high) if v is not None), (top_end, "end")]
    for tick, anchor in ticks:
        parts.append(
            f'<text x="{x(tick):.1f}" y="44" text-anchor="{anchor}" font-size="11" fill="{PALETTE["axis"]}">'
            f"{tick * 100:.1f}%</text>"
        )
    entries = [
        ("box", colour, f"{words['value']} ({words['rate_axis']})"),
        ("box", "#d1fae5", words["benchmark"]),
    ]
    parts.append(legend(entries, left, height - 6))
    parts.append("</svg>")
    return "".join(parts)
