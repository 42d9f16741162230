"""Small inline SVG charts for the offline HTML report (no scripts, no external resources).

Every text that reaches the SVG is XML-escaped here; values are plain numbers. Charts are
sized in ``viewBox`` units and scale with the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = {
    "positive": "#2f9e6e",
    "neutral": "#9aa5b1",
    "negative": "#d64545",
    "bar": "#e0475b",
    "line": "#3461c1",
    "axis": "#6b7280",
    "grid": "#e5e7eb",
    "other": "#c3c9d2",
}


def _t(text: object) -> str:
    return escape(str(text), quote=True)


def _fmt(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 10_000:.1f}万"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def empty_chart(message: str, width: int = 640, height: int = 80) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{_t(message)}">'
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{PALETTE["axis"]}" font-size="14">'
        f"{_t(message)}</text></svg>"
    )


def hbar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    value_format: str = "number",
    width: int = 640,
    bar_height: int = 22,
) -> str:
    """Horizontal bars, one per (label, value); ``None`` values are drawn as "n/a"."""
    if not items:
        return empty_chart(f"{title}: no data")
    label_w, pad = 200, 8
    known = [v for _, v in items if v is not None]
    top = max(known) if known else 0.0
    scale = (width - label_w - 90) / top if top > 0 else 0.0
    height = pad * 2 + len(items) * (bar_height + 6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{_t(title)}">'
    ]
    for i, (label, value) in enumerate(items):
        y = pad + i * (bar_height + 6)
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="#111827"><title>{_t(label)}</title>{_t(short)}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{label_w + 4}" y="{y + bar_height * 0.7:.1f}" font-size="12" fill="{PALETTE["axis"]}">n/a</text>'
            )
            continue
        w = max(value * scale, 0.0)
        shown = f"{value * 100:.1f}%" if value_format == "percent" else _fmt(value)
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" rx="3" fill="{PALETTE["bar"]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12" fill="#111827">{_t(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(steps: Sequence[tuple[str, int | None]], *, width: int = 640) -> str:
    """Funnel stages as centred bars whose width is the stage count relative to the first stage."""
    known = [v for _, v in steps if v is not None and v > 0]
    if not known:
        return empty_chart("funnel: no counts")
    first = max(known)
    row_h, pad = 34, 6
    height = pad * 2 + len(steps) * row_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="conversion funnel">'
    ]
    usable = width - 220
    for i, (label, value) in enumerate(steps):
        y = pad + i * row_h
        parts.append(f'<text x="8" y="{y + 21}" font-size="13" fill="#111827">{_t(label)}</text>')
        if value is None:
            parts.append(f'<text x="140" y="{y + 21}" font-size="12" fill="{PALETTE["axis"]}">unknown</text>')
            continue
        w = max(usable * (value / first), 2.0)
        x = 140 + (usable - w) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" rx="3" fill="{PALETTE["line"]}" opacity="0.85"/>'
            f'<text x="{width - 8}" y="{y + 21}" text-anchor="end" font-size="12" fill="#111827">{_t(_fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def daily_sentiment_chart(
    days: Sequence[dict[str, object]],
    *,
    width: int = 640,
    height: int = 220,
    unit: str = "",
    others: str | None = None,
) -> str:
    """Stacked daily mentions by sentiment (bars) with net sentiment (line, right axis -1..1).

    ``unit`` follows the left axis's top value (e.g. "mentions/week"); ``others`` names a count
    stacked above the sentiments in grey (mentions without a sentiment, such as notes)."""
    if not days:
        return empty_chart("no dated, analysed comments")
    left, right, top, bottom = 44, 44, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [int(str(d.get("mentions", 0))) for d in days]
    peak = max(max(totals), 1)
    step = plot_w / len(days)
    bar_w = max(step * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="daily mentions by sentiment and net sentiment">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{PALETTE["axis"]}"/>',
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" font-size="11" fill="{PALETTE["axis"]}">{_t(_fmt(peak))}</text>',
        f'<text x="{left + 4}" y="{top - 2}" font-size="10" fill="{PALETTE["axis"]}">{_t(unit)}</text>'
        if unit
        else "",
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="11" fill="{PALETTE["axis"]}">0</text>'
        if unit
        else "",
        f'<text x="{left + plot_w + 4}" y="{top + 10}" font-size="11" fill="{PALETTE["line"]}">+1</text>',
        f'<text x="{left + plot_w + 4}" y="{top + plot_h}" font-size="11" fill="{PALETTE["line"]}">-1</text>',
    ]
    points = []
    for i, d in enumerate(days):
        x = left + i * step + (step - bar_w) / 2
        y = float(top + plot_h)
        for label in ("negative", "neutral", "positive", *((others,) if others else ())):
            count = int(str(d.get(label, 0)))
            h = plot_h * count / peak
            y -= h
            if h > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE.get(label, PALETTE["other"])}">'
                    f"<title>{_t(d.get('date'))} {_t(label)}: {count}</title></rect>"
                )
        net = d.get("net_sentiment")
        if isinstance(net, int | float):
            points.append(f"{left + i * step + step / 2:.1f},{top + plot_h * (1 - (float(net) + 1) / 2):.1f}")
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE["line"]}" stroke-width="2"/>'
        )
    for i in (0, len(days) - 1):
        parts.append(
            f'<text x="{left + i * step + step / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
            f'fill="{PALETTE["axis"]}">{_t(days[i].get("date"))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def mix_bar(mix: dict[str, float], *, width: int = 160, height: int = 14) -> str:
    """One stacked bar of a sentiment mix (shares summing to about 1)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="sentiment mix">'
    ]
    x = 0.0
    for label in ("positive", "neutral", "negative"):
        share = float(mix.get(label, 0.0) or 0.0)
        w = width * share
        if w > 0:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{PALETTE[label]}">'
                f"<title>{label}: {share * 100:.0f}%</title></rect>"
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)
