"""The KOL list's vetting-summary cache expires and stays bounded."""

from __future__ import annotations

import pytest

from service.web import summaries
from service.web.summaries import SummaryCache, VettingSummary


def test_summary_of_a_vetting_report() -> None:
    summary = VettingSummary.of(
        {
            "authenticity": {"score": 12.0, "risk": "high", "status": "ok"},
            "verdict": {"decision": "avoid", "reasons": [1, 2]},
        }
    )
    assert summary == VettingSummary(score=12.0, risk="high", status="ok", decision="avoid", reasons=2)
    assert VettingSummary.of({}).status == "unavailable"


def test_cache_entries_expire_after_the_ttl() -> None:
    now = [100.0]
    cache = SummaryCache(ttl=10.0, clock=lambda: now[0])
    entry = VettingSummary(None, None, "unavailable", "caution", 0)
    cache.put(("ws", 1), entry)
    now[0] = 109.0
    assert cache.get(("ws", 1)) == entry
    now[0] = 111.0
    assert cache.get(("ws", 1)) is None


def test_cache_drops_the_oldest_entry_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summaries, "MAX_ENTRIES", 2)
    now = [0.0]
    cache = SummaryCache(clock=lambda: now[0])
    entry = VettingSummary(None, None, "unavailable", "caution", 0)
    for key in ("a", "b", "c"):
        now[0] += 1
        cache.put(key, entry)
    assert cache.get("a") is None and cache.get("b") == entry and cache.get("c") == entry


def test_summary_keeps_the_engagement_rate_and_the_first_reason() -> None:
    summary = VettingSummary.of(
        {
            "authenticity": {"score": 80.0, "risk": "low", "status": "ok"},
            "verdict": {
                "decision": "caution",
                "reasons": [{"message": "ER below the tier range"}, {"message": "x"}],
            },
            "kpis": {"metrics": {"engagement_rate_by_followers": {"value": 0.031}}},
        }
    )
    assert summary.engagement_rate == 0.031
    assert summary.first_reason == "ER below the tier range"
    assert summary.reasons == 2
