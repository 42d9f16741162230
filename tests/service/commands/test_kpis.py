"""``redlens kpis FILE``: tables, JSON and CSV output, input errors, formula-injection safety."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from service.commands import kpis as kpis_command
from service.exports import PLAIN_NUMBER
from tests.utils import FIXTURES as TEST_FILES

FIXTURES = TEST_FILES / "kpis"
METRICS = FIXTURES / "note_metrics.csv"
ECONOMICS = FIXTURES / "campaign_economics.csv"


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root."""

    app.command("kpis")(kpis_command.kpis)
    return app


def run(*args: str) -> Any:
    return CliRunner().invoke(make_app(), ["kpis", *args], env={"COLUMNS": "200"})


def json_report(*args: str) -> dict[str, Any]:
    result = run(*args, "--json", "-")
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def by_id(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(item for item in items if item[key] == value)


def economics_rows() -> list[dict[str, str]]:
    with ECONOMICS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_kpis_command_runs_through_the_redlens_cli() -> None:
    from service.cli import app

    result = CliRunner().invoke(app, ["kpis", str(METRICS), "--json", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema"] == "redlens.kpis.report/1"


def test_kpis_prints_tables_per_level() -> None:
    result = run(str(METRICS), "--economics", str(ECONOMICS))
    assert result.exit_code == 0, result.output
    for text in ("Notes", "KOLs", "Campaigns", "n1", "kol_b", "spring", "autumn"):
        assert text in result.stdout


def test_kpis_campaign_totals_are_sums_of_economics_rows() -> None:
    report = json_report(str(METRICS), "--economics", str(ECONOMICS))
    spring_rows = [r for r in economics_rows() if r["campaign"] == "spring"]
    cost = sum(
        (
            Decimal(r[c] or "0")
            for r in spring_rows
            for c in ("fee", "product_cost", "paid_media", "agency_cost")
        ),
        Decimal(0),
    )
    revenue = sum((Decimal(r["revenue"]) for r in spring_rows), Decimal(0))
    new_customers = sum(int(r["new_customers"]) for r in spring_rows)
    spring = by_id(report["campaigns"], "campaign", "spring")["kpis"]["metrics"]
    assert Decimal(spring["total_cost"]["value"]) == cost
    assert Decimal(spring["revenue"]["value"]) == revenue
    assert spring["roi"]["value"] == pytest.approx(float((revenue - cost) / cost))
    assert Decimal(spring["cac"]["value"]) == (cost / new_customers).quantize(Decimal("0.0001"))


def test_kpis_kol_level_sums_latest_snapshots_of_its_notes() -> None:
    report = json_report(str(METRICS))
    kol_a = by_id(report["kols"], "kol_id", "kol_a")
    assert kol_a["notes"] == ["n1", "n2"]
    assert kol_a["followers"] == 46_500
    metrics = kol_a["kpis"]["metrics"]
    n1 = by_id(report["notes"], "note_id", "n1")["kpis"]["metrics"]
    n2 = by_id(report["notes"], "note_id", "n2")["kpis"]["metrics"]
    assert metrics["impressions"]["value"] == n1["impressions"]["value"] + n2["impressions"]["value"]
    engagements = n1["engagements"]["value"] + n2["engagements"]["value"]
    followers = n1["followers"]["value"] + n2["followers"]["value"]
    assert metrics["engagement_rate_by_followers"]["value"] == pytest.approx(engagements / followers)


def test_kpis_note_windows_from_snapshots() -> None:
    report = json_report(str(METRICS))
    windows = by_id(report["notes"], "note_id", "n1")["windows"]
    day7 = windows["windows"]["7d"]
    day90 = windows["windows"]["90d"]
    assert day7["snapshot_at"].startswith("2025-09-08")
    assert day90["snapshot_at"].startswith("2025-10-01")
    share = windows["engagement_share_by_day7"]["value"]
    assert share == pytest.approx(day7["engagements"] / day90["engagements"])


def test_kpis_warns_about_early_report_and_click_disagreement() -> None:
    report = json_report(str(METRICS), "--economics", str(ECONOMICS))
    warnings = "\n".join(report["warnings"])
    assert "note n4" in warnings and "before day 7" in warnings
    assert "clicks 120 in the metrics and 150 in the economics" in warnings


def test_kpis_note_segment_and_benchmarks() -> None:
    report = json_report(str(METRICS))
    n1 = by_id(report["notes"], "note_id", "n1")["kpis"]
    assert n1["segment"]["content_format"] == "image"
    assert n1["segment"]["tier"] == "micro"
    comparisons = n1["metrics"]["save_rate_by_views"]["benchmarks"]
    assert comparisons[0]["range"] == [0.2, None]  # beauty tutorial


def test_kpis_economics_file_alone_gives_campaigns() -> None:
    report = json_report(str(ECONOMICS))
    assert [c["campaign"] for c in report["campaigns"]] == ["autumn", "spring"]
    assert report["notes"][0]["windows"] is None


def test_kpis_group_by_tier() -> None:
    report = json_report(str(METRICS), "--by", "tier", "--by", "content_format")
    tiers = [g["group"] for g in report["groups"]["tier"]]
    assert tiers == ["micro", "mid", "nano"]
    formats = {g["group"]: g["notes"] for g in report["groups"]["content_format"]}
    assert formats == {"image": 2, "video": 2}


def test_kpis_writes_json_and_csv_files(tmp_path: Path) -> None:
    out_json = tmp_path / "kpis.json"
    out_csv = tmp_path / "kpis.csv"
    result = run(str(METRICS), "-e", str(ECONOMICS), "--json", str(out_json), "--csv", str(out_csv), "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    report = json.loads(out_json.read_text(encoding="utf-8"))
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8", newline="")))
    assert rows[0].keys() >= {"level", "id", "metric", "value", "unit", "reason", "benchmark"}
    roi = next(r for r in rows if r["level"] == "campaign" and r["id"] == "autumn" and r["metric"] == "roi")
    autumn = by_id(report["campaigns"], "campaign", "autumn")["kpis"]["metrics"]["roi"]["value"]
    assert autumn < 0
    assert float(roi["value"]) == pytest.approx(autumn)  # a negative number stays a number
    undefined = next(r for r in rows if r["metric"] == "follower_growth_net" and r["level"] == "kol")
    assert undefined["value"] == "" and undefined["reason"]


def test_kpis_csv_neutralises_formula_cells() -> None:
    result = run(str(FIXTURES / "injection.csv"), "--csv", "-")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    cells = {cell for row in rows for cell in row}
    for row in rows[1:]:
        for cell in row:
            dangerous = cell[:1] in ("=", "+", "@", "\t", "\r") or (
                cell.startswith("-") and not PLAIN_NUMBER.fullmatch(cell)
            )
            assert not dangerous, cell
    assert '\'=HYPERLINK("http://example.invalid","x")' in cells
    assert "'@kol" in cells and "'+n2" in cells and "'-2+3" in cells


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("-0.25", "-0.25"),
        ("-1e-05", "-1e-05"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_neutralise_cell(cell: str | None, expected: str) -> None:
    assert kpis_command.neutralise_cell(cell) == expected


def test_kpis_table_prints_markup_in_ids_literally() -> None:
    result = run(str(FIXTURES / "injection.csv"))
    assert result.exit_code == 0, result.output
    assert "[bold red]n3[/bold red]" in result.stdout


def test_kpis_bad_values_exit_2_with_row_and_column() -> None:
    result = run(str(FIXTURES / "bad_values.csv"))
    assert result.exit_code == 2
    assert "row 2: likes='-5' is not a whole number >= 0" in result.stderr
    assert "row 3: comments='2.5'" in result.stderr
    assert "row 3: date='20/09/2025' is not an ISO date" in result.stderr


def test_kpis_missing_columns_named() -> None:
    result = run(str(FIXTURES / "missing_column.csv"))
    assert result.exit_code == 2
    assert "reach, views, follows" in result.stderr


def test_kpis_currency_mismatch_in_aggregation_rejected() -> None:
    result = run(str(METRICS), "--economics", str(FIXTURES / "economics_mixed_currency.csv"))
    assert result.exit_code == 2
    assert "kol kol_a" in result.stderr and "different currencies" in result.stderr


def test_kpis_emv_rate_card_from_options() -> None:
    report = json_report(str(METRICS), "--emv-cpm", "10", "--emv-action", "1")
    n4 = by_id(report["notes"], "note_id", "n4")["kpis"]["metrics"]
    expected = Decimal(8000) / 1000 * 10 + (300 + 150 + 40 + 10)
    assert Decimal(n4["emv"]["value"]) == expected


def test_kpis_bad_currency_option_rejected() -> None:
    result = run(str(METRICS), "--currency", "RMB¥")
    assert result.exit_code == 2
    assert "currency code" in result.stderr


def test_kpis_reads_counts_and_money_as_ingest_does(tmp_path: Path) -> None:
    """The same spellings `redlens ingest` accepts for these formats: 1.2万, 1,234, ¥ amounts."""
    metrics = tmp_path / "metrics.csv"
    metrics.write_text(
        "note_id,kol_id,date,impressions,reach,views,likes,saves,comments,shares,follows\n"
        'n1,k1,2025-09-20,1.2万,"8,000",2000,"1,234",56,7,8,0\n',
        encoding="utf-8",
    )
    economics = tmp_path / "economics.csv"
    economics.write_text(
        "campaign,note_id,kol_id,fee,product_cost,paid_media,promo_code,clicks,add_to_carts,orders,"
        'revenue,new_customers,currency\nc1,n1,k1,"¥12,000",0,0,,"1,100",240,96,1.8万,70,CNY\n',
        encoding="utf-8",
    )
    report = json_report(str(metrics), "--economics", str(economics))
    note = by_id(report["notes"], "note_id", "n1")["kpis"]["metrics"]
    assert (note["impressions"]["value"], note["reach"]["value"]) == (12000, 8000)
    assert note["engagements"]["value"] == 1234 + 56 + 7 + 8
    campaign = by_id(report["campaigns"], "campaign", "c1")["kpis"]["metrics"]
    assert Decimal(campaign["total_cost"]["value"]) == Decimal("12000")
    assert Decimal(campaign["revenue"]["value"]) == Decimal("18000")


def test_kpis_reads_a_spreadsheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with METRICS.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(tmp_path / "metrics.xlsx")
    assert json_report(str(tmp_path / "metrics.xlsx"))["kols"] == json_report(str(METRICS))["kols"]


@pytest.mark.parametrize("value", ["9" * 5000, "1" + "0" * 30, "1" + "0" * 30 + "万"])
def test_kpis_a_huge_count_is_one_clear_line_not_a_traceback(tmp_path: Path, value: str) -> None:
    metrics = tmp_path / "metrics.csv"
    metrics.write_text(
        "note_id,kol_id,date,impressions,reach,views,likes,saves,comments,shares,follows\n"
        f"n1,k1,2025-09-20,100,80,20,{value},5,1,1,0\n",
        encoding="utf-8",
    )
    result = run(str(metrics))
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert "row 2: likes=" in result.stderr and "too large for a count" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the file's line, then the row's


def test_kpis_an_xlsx_that_is_no_workbook_is_one_clear_line(tmp_path: Path) -> None:
    fake = tmp_path / "metrics.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    result = run(str(fake))
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == "error: metrics.xlsx: not a readable .xlsx workbook (File is not a zip file)"
    )
