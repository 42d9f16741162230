"""Small inline SVG charts for the offline HTML report (no scripts, no external resources).

Every text that reaches the SVG is XML-escaped here; values are plain numbers. Charts are
sized in ``viewBox`` units and scale with the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from models.messages import N_ as N_

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


#: The words charts draw (axis titles, legends), in English; pages and reports pass them translated.
WORDS: dict[str, str] = {
    "positive": N_("positive"),
    "neutral": N_("neutral"),
    "negative": N_("negative"),
    "net_sentiment": N_("net sentiment (−1…+1)"),
    "comments_per_day": N_("comments per day"),
    "day": N_("day (China time)"),
    "followers": N_("followers"),
    "anomaly": N_("anomaly"),
    "flagged": N_("flagged period"),
    "note_published": N_("note published"),
    "funnel_width": N_("bar width: count relative to the first stage"),
    "count": N_("count"),
    "benchmark": N_("benchmark range"),
    "value": N_("value"),
    "rate_axis": N_("rate (%)"),
    # the vetting page's growth and bullet charts (title, tooltips, empty charts, anomaly kinds)
    "growth_title": N_("follower growth with flagged anomalies"),
    "followers_num": N_("%(num)s followers"),
    "no_snapshots": N_("no follower snapshots"),
    "not_available": N_("%(label)s: not available"),
    "anomaly_spike": N_("spike"),
    "anomaly_step": N_("step"),
    "anomaly_drop": N_("drop"),
    "anomaly_explained_spike": N_("explained spike"),
    # the campaign charts' titles for screen readers and their empty states
    "funnel_title": N_("conversion funnel"),
    "funnel_empty": N_("funnel: no counts"),
    "daily_title": N_("daily mentions by sentiment and net sentiment"),
    "daily_empty": N_("no dated, analysed comments"),
    "no_data": N_("%(title)s: no data"),
    "na": N_("n/a"),
    "mix_title": N_("sentiment mix"),
}


def esc(text: object) -> str:
    """``text`` escaped for SVG text and attributes."""
    return escape(str(text), quote=True)


_t = esc


def _fmt(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 10_000:.1f}万"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def unique_labels(labels: Sequence[str]) -> list[str]:
    """``labels`` with repeats told apart by a counter ("note", "note (2)"), so no two bars share a name."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def short_label(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def date_ticks(n: int, most: int = 6) -> list[int]:
    """Indexes of up to ``most`` evenly spread ticks over ``n`` consecutive days (first and last included)."""
    if n <= 0:
        return []
    if n <= most:
        return list(range(n))
    step = (n - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def axis_title(x: float, y: float, text: str, *, anchor: str = "middle", vertical: bool = False) -> str:
    turn = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if vertical else ""
    return (
        f'<text class="axis-title" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="11" '
        f'fill="{PALETTE["axis"]}"{turn}>{_t(text)}</text>'
    )


def legend(entries: Sequence[tuple[str, str, str]], x: float, y: float) -> str:
    """A row of legend entries ``(kind, colour, label)``; ``kind`` is "box" (bars, bands) or "line"."""
    parts = [f'<g class="legend" transform="translate({x:.1f},{y:.1f})">']
    offset = 0.0
    for kind, colour, label in entries:
        if kind == "line":
            parts.append(
                f'<line x1="{offset:.1f}" y1="-4" x2="{offset + 14:.1f}" y2="-4" stroke="{colour}" stroke-width="2"/>'
            )
        else:
            parts.append(f'<rect x="{offset:.1f}" y="-10" width="12" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{offset + 18:.1f}" y="0" font-size="11" fill="#111827">{_t(label)}</text>')
        offset += 30 + 7 * len(label) + 6 * sum(1 for ch in label if ord(ch) > 0x2E80)
    parts.append("</g>")
    return "".join(parts)


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
    axis: str = "",
    value_format: str = "number",
    width: int = 640,
    bar_height: int = 22,
    words: Mapping[str, str] = WORDS,
) -> str:
    """Horizontal bars, one per (label, value), ``None`` drawn as "n/a"; an x axis from 0 titled
    ``axis`` (name and unit) and a legend naming the series ``title``. Labels are made unique."""
    if not items:
        return empty_chart(words["no_data"] % {"title": title})
    label_w, pad, foot = 200, 8, 52
    known = [v for _, v in items if v is not None]
    top = max(known) if known else 0.0
    plot_w = width - label_w - 90
    scale = plot_w / top if top > 0 else 0.0
    base = pad + len(items) * (bar_height + 6)
    height = base + foot

    def shown(value: float) -> str:
        return f"{value * 100:.1f}%" if value_format == "percent" else _fmt(value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{_t(title)}">'
    ]
    labels = unique_labels([short_label(label) for label, _ in items])
    for i, ((label, value), short) in enumerate(zip(items, labels, strict=True)):
        y = pad + i * (bar_height + 6)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="#111827"><title>{_t(label)}</title>{_t(short)}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{label_w + 4}" y="{y + bar_height * 0.7:.1f}" font-size="12" fill="{PALETTE["axis"]}">{_t(words["na"])}</text>'
            )
            continue
        w = max(value * scale, 0.0)
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" rx="3" fill="{PALETTE["bar"]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12" fill="#111827">{_t(shown(value))}</text>'
        )
    parts.append(
        f'<line x1="{label_w}" y1="{base}" x2="{label_w + plot_w}" y2="{base}" stroke="{PALETTE["axis"]}"/>'
        f'<text x="{label_w}" y="{base + 13}" text-anchor="middle" font-size="11" fill="{PALETTE["axis"]}">{_t(shown(0.0))}</text>'
        f'<text x="{label_w + plot_w}" y="{base + 13}" text-anchor="middle" font-size="11" fill="{PALETTE["axis"]}">{_t(shown(top))}</text>'
    )
    if axis:
        parts.append(axis_title(label_w + plot_w / 2, base + 27, axis))
    parts.append(legend([("box", PALETTE["bar"], title)], label_w, height - 6))
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(
    steps: Sequence[tuple[str, int | None]], *, width: int = 640, words: Mapping[str, str] = WORDS
) -> str:
    """Funnel stages as centred bars whose width is the stage count relative to the first stage;
    each row shows the count and its share of the first stage."""
    known = [v for _, v in steps if v is not None and v > 0]
    if not known:
        return empty_chart(words["funnel_empty"])
    first = max(known)
    row_h, pad = 34, 6
    height = pad * 2 + len(steps) * row_h + 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_t(words["funnel_title"])}">'
    ]
    usable = width - 260
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
            f'<text x="{width - 8}" y="{y + 21}" text-anchor="end" font-size="12" fill="#111827">'
            f"{_t(_fmt(value))} · {value / first * 100:.1f}%</text>"
        )
    parts.append(
        legend([("box", PALETTE["line"], f"{words['funnel_width']} ({words['count']})")], 8, height - 6)
    )
    parts.append("</svg>")
    return "".join(parts)


def daily_sentiment_chart(
    days: Sequence[Mapping[str, object]],
    *,
    width: int = 640,
    height: int = 250,
    words: Mapping[str, str] = WORDS,
    others: str | None = None,
) -> str:
    """Stacked daily mentions by sentiment (bars, left axis: comments per day) with net sentiment
    (line, right axis −1..1); dates along the x axis and a legend. ``others`` names a count stacked
    above the sentiments in light grey (mentions without a sentiment, such as notes), labelled
    ``words[others]``."""
    if not days:
        return empty_chart(words["daily_empty"])
    left, right, top, bottom = 52, 52, 12, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [int(str(d.get("mentions", 0))) for d in days]
    peak = max(max(totals), 1)
    step = plot_w / len(days)
    bar_w = max(step * 0.7, 1.0)
    base = top + plot_h
    muted = f'font-size="11" fill="{PALETTE["axis"]}"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_t(words["daily_title"])}">',
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{PALETTE["axis"]}"/>',
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" {muted}>{_t(_fmt(peak))}</text>',
        f'<text x="{left - 4}" y="{base}" text-anchor="end" {muted}>0</text>',
        f'<text x="{left + plot_w + 4}" y="{top + 10}" font-size="11" fill="{PALETTE["line"]}">+1</text>',
        f'<text x="{left + plot_w + 4}" y="{top + plot_h / 2 + 4:.1f}" font-size="11" fill="{PALETTE["line"]}">0</text>',
        f'<text x="{left + plot_w + 4}" y="{base}" font-size="11" fill="{PALETTE["line"]}">-1</text>',
        axis_title(14, top + plot_h / 2, words["comments_per_day"], vertical=True),
        axis_title(width - 10, top + plot_h / 2, words["net_sentiment"], vertical=True),
    ]
    points = []
    for i, d in enumerate(days):
        x = left + i * step + (step - bar_w) / 2
        y = float(base)
        for label in ("negative", "neutral", "positive", *((others,) if others else ())):
            count = int(str(d.get(label, 0)))
            h = plot_h * count / peak
            y -= h
            if h > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE.get(label, PALETTE["other"])}">'
                    f"<title>{_t(d.get('date'))} {_t(words[label])}: {count}</title></rect>"
                )
        net = d.get("net_sentiment")
        if isinstance(net, int | float):
            points.append(f"{left + i * step + step / 2:.1f},{top + plot_h * (1 - (float(net) + 1) / 2):.1f}")
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE["line"]}" stroke-width="2"/>'
        )
    for i in date_ticks(len(days)):
        x = left + i * step + step / 2
        parts.append(
            f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="{PALETTE["axis"]}"/>'
            f'<text class="date-tick" x="{x:.1f}" y="{base + 16}" text-anchor="middle" {muted}>{_t(days[i].get("date"))}</text>'
        )
    parts.append(axis_title(left + plot_w / 2, base + 32, words["day"]))
    entries = [("box", PALETTE[k], words[k]) for k in ("positive", "neutral", "negative")]
    if others:
        entries.append(("box", PALETTE["other"], words[others]))
    parts.append(legend([*entries, ("line", PALETTE["line"], words["net_sentiment"])], left, height - 6))
    parts.append("</svg>")
    return "".join(parts)


def mix_bar(
    mix: dict[str, float], *, width: int = 160, height: int = 14, words: Mapping[str, str] = WORDS
) -> str:
    """One stacked bar of a sentiment mix (shares summing to about 1)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_t(words["mix_title"])}">'
    ]
    x = 0.0
    for label in ("positive", "neutral", "negative"):
        share = float(mix.get(label, 0.0) or 0.0)
        w = width * share
        if w > 0:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{PALETTE[label]}">'
                f"<title>{_t(words[label])}: {share * 100:.0f}%</title></rect>"
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)
