"""The shipped benchmark table and comparison rules."""

from __future__ import annotations

import pytest

from models.benchmarks import (
    BenchmarkError,
    BenchmarkRow,
    BenchmarkTable,
    Segment,
    default_benchmarks,
    verdict,
)
from models.kpi import LAYERS
from models.kpi.tiers import TIER_NAMES


def test_shipped_table_rows_have_sources_and_known_names() -> None:
    table = default_benchmarks()
    known_metrics = {name for names in LAYERS.values() for name in names}
    assert table.rows
    for row in table.rows:
        assert row.source.strip()
        assert row.metric in known_metrics
        assert row.tier is None or row.tier in TIER_NAMES
        if row.metric in ("cpm", "cpe"):  # costs in CNY, not rates
            assert row.low > 0 and row.high is not None and row.low < row.high and "CNY" in row.source
        else:
            assert 0 <= row.low <= 1 and (row.high is None or row.low <= row.high <= 1)


def test_shipped_table_has_the_framework_ranges() -> None:
    table = default_benchmarks()

    def ranges(metric: str, segment: Segment) -> list[tuple[float, float | None]]:
        return [(r.low, r.high) for r in table.rows_for(metric, segment)]

    er = "engagement_rate_by_followers"
    assert ranges(er, Segment(tier="top")) == [(0.01, 0.03)]
    assert ranges(er, Segment(tier="mid")) == [(0.03, 0.05)]
    assert ranges(er, Segment(tier="micro")) == [(0.05, 0.10)]
    assert ranges("save_rate_by_views", Segment(category="skincare")) == [(0.05, 0.15)]
    assert ranges("save_rate_by_views", Segment(category="beauty", content_type="tutorial")) == [(0.20, None)]
    assert ranges("completion_rate", Segment(content_format="video")) == [(0.50, 0.70)]
    assert ranges("completion_rate", Segment(content_format="image")) == []


def test_verdict_boundaries_are_inclusive_and_open_high() -> None:
    assert verdict(0.03, 0.03, 0.05) == "within"
    assert verdict(0.05, 0.03, 0.05) == "within"
    assert verdict(0.0299, 0.03, 0.05) == "below"
    assert verdict(0.0501, 0.03, 0.05) == "above"
    assert verdict(0.9, 0.2, None) == "within"


def test_table_from_dict_validates_rows() -> None:
    with pytest.raises(BenchmarkError, match="no source"):
        BenchmarkTable.from_dict({"rows": [{"metric": "x", "low": 0.1, "high": 0.2, "source": " "}]})
    with pytest.raises(BenchmarkError, match="unknown keys"):
        BenchmarkTable.from_dict({"rows": [{"metric": "x", "low": 0.1, "source": "s", "colour": "red"}]})
    with pytest.raises(BenchmarkError, match="below low"):
        BenchmarkRow("x", 0.5, 0.1, "s")
    table = BenchmarkTable.from_dict(
        {"rows": [{"metric": "x", "low": 0.1, "source": "s", "category": "护肤"}]}
    )
    assert table.rows[0].category == "skincare"


def test_table_refuses_two_ranges_for_one_segment() -> None:
    rows = [
        {"metric": "engagement_rate_by_followers", "tier": "mid", "low": 0.03, "high": 0.05, "source": "a"},
        {"metric": "engagement_rate_by_followers", "tier": "mid", "low": 0.03, "high": 0.08, "source": "b"},
    ]
    with pytest.raises(BenchmarkError, match="one range per segment"):
        BenchmarkTable.from_dict({"rows": rows})


def test_engagement_band_is_the_tables_range_for_every_tier() -> None:
    from models.authenticity.config import DEFAULT_TIERS
    from models.benchmarks import engagement_band

    for tier in DEFAULT_TIERS:
        row = engagement_band(tier.name)
        assert row is not None and (tier.er_low, tier.er_high) == (row.low, row.high)
