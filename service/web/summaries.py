"""Short-lived cache of KOL vetting summaries (score, risk, verdict) for the KOL list.

The list shows each KOL's authenticity score and verdict, which takes a full vetting (about 40 ms
per KOL on the demo data). A summary is kept for :data:`TTL_SECONDS` under the KOL's identity, its
last update time and the serving model version, so a new model or an updated profile is vetted
again, and a KOL page view refreshes its entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

TTL_SECONDS = 120.0
MAX_ENTRIES = 5000


@dataclass(frozen=True)
class VettingSummary:
    score: float | None
    risk: str | None
    status: str
    decision: str
    reasons: int
    engagement_rate: float | None = None
    first_reason: str | None = None
    #: the first reason as the verdict holds it (code, effect, message, evidence): pages translate it
    first_reason_detail: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, vetting: Mapping[str, Any]) -> VettingSummary:
        authenticity = vetting.get("authenticity") or {}
        verdict = vetting.get("verdict") or {}
        reasons = verdict.get("reasons") or []
        er = ((vetting.get("kpis") or {}).get("metrics") or {}).get("engagement_rate_by_followers") or {}
        return cls(
            score=authenticity.get("score"),
            risk=authenticity.get("risk"),
            status=str(authenticity.get("status") or "unavailable"),
            decision=str(verdict.get("decision") or "caution"),
            reasons=len(reasons),
            engagement_rate=er.get("value"),
            first_reason=str(reasons[0].get("message"))
            if reasons and isinstance(reasons[0], Mapping)
            else None,
            first_reason_detail=dict(reasons[0]) if reasons and isinstance(reasons[0], Mapping) else None,
        )


class SummaryCache:
    """Thread-safe time-limited mapping; ``clock`` is injectable for tests."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, VettingSummary]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> VettingSummary | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self.clock() - entry[0] > self.ttl:
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: Hashable, summary: VettingSummary) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (self.clock(), summary)
