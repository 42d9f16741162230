"""The campaign report as one self-contained HTML file with inline SVG charts.

It opens offline: styles are inline, charts are inline SVG, there are no scripts, fonts or images
to fetch, and a Content-Security-Policy meta tag forbids loading anything. User content (titles,
names, comments) is escaped by Jinja2's autoescaping; charts escape their labels themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from models.campaign_report import OVERVIEW_METRICS
from service.reports.charts import daily_sentiment_chart, funnel_chart, hbar_chart, mix_bar

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The overview tiles: the report's overview metrics less those the funnel and EMV chart show.
OVERVIEW_NAMES: tuple[str, ...] = tuple(
    m for m in OVERVIEW_METRICS if m not in ("views", "clicks", "emv_return")
)
LABELS: dict[str, str] = {
    "reach": "Reach",
    "impressions": "Impressions",
    "views": "Views",
    "engagements": "Engagements",
    "engagement_rate_by_impressions": "Engagement rate (impressions)",
    "engagement_rate_by_followers": "Engagement rate (followers)",
    "save_rate_by_views": "Save rate (views)",
    "completion_rate": "Completion rate",
    "orders": "Attributed orders",
    "revenue": "Attributed revenue",
    "total_cost": "Total cost",
    "roas": "ROAS",
    "roi": "ROI",
    "emv": "EMV",
    "emv_return": "EMV return",
    "cpe": "Cost per engagement",
    "mention_volume": "Mentions",
    "net_sentiment": "Net sentiment",
    "positive_share": "Positive share",
    "share_of_voice": "Share of voice",
    "branded_search_lift": "Branded search lift",
}


def _num(value: Any) -> str:
    if value is None:
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{int(number):,}" if number == int(number) else f"{number:,.2f}"


def _pct(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value) * 100:.1f}%"


def _score(value: Any) -> str:
    return "–" if value is None else f"{float(value):+.2f}"


def _metric(entry: Any) -> str:
    if not isinstance(entry, Mapping) or entry.get("value") is None:
        return "–"
    value, unit = entry["value"], str(entry.get("unit", ""))
    if unit == "fraction":
        return _pct(value)
    if unit in ("ratio", "points", "score"):
        return f"{float(value):.2f}"
    if entry.get("currency") and unit == entry.get("currency"):
        return f"{entry['currency']} {_num(value)}"
    if entry.get("currency"):
        return f"{float(value):.2f} {unit}"
    return _num(value)


def _verdict(entry: Any) -> str:
    if not isinstance(entry, Mapping):
        return ""
    verdicts = [b.get("verdict") for b in entry.get("benchmarks", []) if b.get("verdict")]
    return f"({verdicts[0]} tier range)" if verdicts else ""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, pct=_pct, score=_score, metric=_metric, verdict=_verdict, mixbar=mix_bar)
    return env


def render_html(report: Mapping[str, Any]) -> str:
    """The report as a standalone HTML page."""
    kols = report.get("kol_breakdown", [])
    funnel_counts: list[tuple[str, int | None]] = []
    for i, step in enumerate(report.get("funnel", {}).get("steps", [])[:3]):
        if i == 0:
            funnel_counts.append((str(step.get("from")), step.get("from_count")))
        funnel_counts.append((str(step.get("to")), step.get("to_count")))
    charts = {
        "kol_engagement": hbar_chart(
            [(str(k.get("kol_name") or k.get("kol_id")), k["metrics"]["engagements"]["value"]) for k in kols],
            title="engagements by KOL",
        ),
        "funnel": funnel_chart(funnel_counts),
        "daily": daily_sentiment_chart(report.get("brand_health", {}).get("daily", [])),
    }
    template = _environment().get_template("campaign_report.html")
    return template.render(
        r=report, o=report.get("overview", {}), charts=charts, overview_names=OVERVIEW_NAMES, labels=LABELS
    )
