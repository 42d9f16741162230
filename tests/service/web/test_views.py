"""The pages' charts in the reader's language (service/web/views.py)."""

from __future__ import annotations

import re

from service.web import i18n
from service.web.views import campaign_view, vetting_view

CJK = re.compile(r"[\u4e00-\u9fff]")
EVIDENCE = "+2,000 followers above the usual pace between 2026-01-10 and 2026-01-13, 9.0 robust sigma"
SPIKE = {
    "code": "follower_spike",
    "signal": "growth",
    "severity": "high",
    "evidence": EVIDENCE,
    "details": {
        "start": "2026-01-10",
        "end": "2026-01-13",
        "excess_followers": 2000,
        "share_of_followers": 0.02,
        "robust_z": 9.0,
    },
}
SERIES = [
    {"date": f"2026-01-{d:02d}", "followers": 100_000 + 100 * d, "anomaly": "spike" if d == 13 else None}
    for d in range(1, 21)
]


def _zh(message: str) -> str:
    return i18n.gettext("zh_CN", message)


def _titles(svg: str) -> list[str]:
    return re.findall(r"<title>(.*?)</title>", svg)


def test_the_growth_chart_tooltips_follow_the_language() -> None:
    vetting = {"authenticity": {"flags": [SPIKE], "series": {"daily_followers": SERIES}}}
    chinese = vetting_view(vetting, comments={}, snapshots=[], notes=[], tr=_zh)["growth_svg"]
    flagged = [t for t in _titles(chinese) if "2026-01-13" in t and ("粉丝比平时多增" in t)]
    assert len(flagged) == 2, _titles(chinese)  # the shaded window and the anomaly marker
    assert "robust sigma" not in chinese
    english = vetting_view(vetting, comments={}, snapshots=[], notes=[])["growth_svg"]
    assert sum(EVIDENCE in t for t in _titles(english)) == 2


def test_the_campaign_charts_name_themselves_in_the_language() -> None:
    view = campaign_view({}, _zh)
    for key in ("kol_chart", "save_rate_chart", "funnel_chart", "daily_chart"):
        label = re.search(r'aria-label="([^"]*)"', view[key])
        assert label and CJK.search(label.group(1)) and not re.search(r"[a-z]{3}", label.group(1)), key
    english = campaign_view({})
    assert 'aria-label="no dated, analysed comments"' in english["daily_chart"]
    assert 'aria-label="funnel: no counts"' in english["funnel_chart"]


def test_the_sentiment_mix_bar_speaks_the_language() -> None:
    vetting = {"comments": {"sentiment_shares": {"positive": 0.6, "neutral": 0.3, "negative": 0.1}}}
    chinese = vetting_view(vetting, comments={}, snapshots=[], notes=[], tr=_zh)["breakdown"]["sentiment"]
    assert 'aria-label="情感分布"' in chinese and "<title>正面: 60%</title>" in chinese
    english = vetting_view(vetting, comments={}, snapshots=[], notes=[])["breakdown"]["sentiment"]
    assert 'aria-label="sentiment mix"' in english and "<title>positive: 60%</title>" in english
