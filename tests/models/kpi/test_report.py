"""models.kpi.report: KPIs per group of notes, the report of metrics files, its long format."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from models.kpi import CurrencyMismatchError, KPIConfig, KPIInput, KPIInputError
from models.kpi.report import (
    CSV_HEADER,
    EconomicsRow,
    KPIFileInputs,
    NoteSeries,
    build_kpi_report,
    group_results,
    report_rows,
)

PARTS = {
    "n1": KPIInput(likes=10, comments=2, saves=3, shares=1, followers=1000),
    "n2": KPIInput(likes=20, comments=4, saves=6, shares=2, followers=3000),
    "n3": KPIInput(likes=5, comments=0, saves=0, shares=0, followers=500),
}
KOL_OF = {"n1": "k1", "n2": "k1", "n3": "k2"}


def test_group_results_sum_the_members_and_recompute_rates() -> None:
    groups = group_results(PARTS, KOL_OF.__getitem__, KPIConfig(), label="kol")
    assert [(key, members) for key, members, _ in groups] == [("k1", ["n1", "n2"]), ("k2", ["n3"])]
    k1 = groups[0][2].metrics
    assert k1["engagements"].value == 48
    assert k1["engagement_rate_by_followers"].value == pytest.approx(48 / 4000)


def test_group_results_name_the_group_and_keep_the_kind_of_error() -> None:
    parts = {"a": KPIInput(fee=Decimal(1), currency="CNY"), "b": KPIInput(fee=Decimal(1), currency="USD")}
    with pytest.raises(CurrencyMismatchError, match=r"^campaign spring: cannot aggregate"):
        group_results(parts, lambda _: "spring", KPIConfig(), label="campaign")


def _inputs() -> KPIFileInputs:
    series = NoteSeries("n1", "k1", published_at=datetime(2025, 9, 1))
    for day, likes in ((3, 100), (9, 300)):
        series.snapshots.append(
            (datetime(2025, 9, day), KPIInput(likes=likes, comments=1, saves=1, shares=1))
        )
    economics = EconomicsRow(
        2, "spring", "n2", "k2", "", {"clicks": 5}, {"fee": Decimal("100"), "revenue": Decimal("150")}, "CNY"
    )
    return KPIFileInputs(notes={"n1": series}, economics={"n2": economics}, files={"notes": "m.csv"})


def test_build_kpi_report_levels_and_warnings() -> None:
    report = build_kpi_report(_inputs(), KPIConfig())
    assert [n["note_id"] for n in report["notes"]] == ["n1", "n2"]
    assert report["notes"][0]["kpis"]["metrics"]["engagements"]["value"] == 303  # the newest snapshot
    assert report["notes"][0]["windows"]["windows"]["7d"]["snapshot_at"].startswith("2025-09-03")
    assert [k["kol_id"] for k in report["kols"]] == ["k1", "k2"]
    assert [(c["campaign"], c["notes"]) for c in report["campaigns"]] == [("spring", ["n2"])]
    assert "note n2: economics only, no note metrics in the file" in report["warnings"]


def test_build_kpi_report_names_the_note_of_a_bad_input() -> None:
    inputs = _inputs()
    inputs.economics["n2"] = EconomicsRow(2, "spring", "n2", "k2", "", {}, {}, "RMB¥")
    with pytest.raises(KPIInputError, match=r"^note n2: "):
        build_kpi_report(inputs, KPIConfig())


def test_report_rows_long_format_one_row_per_metric() -> None:
    report = build_kpi_report(_inputs(), KPIConfig(), by=("tier",))
    rows = list(report_rows(report))
    assert rows[0] == list(CSV_HEADER)
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    levels = {row[0] for row in rows[1:]}
    assert levels == {"note", "kol", "campaign", "by_tier"}
    window_rows = [row for row in rows if row[3] == "windows" and row[1] == "n1"]
    assert {row[2] for row in window_rows} >= {"engagements_7d", "engagement_share_by_day7"}
