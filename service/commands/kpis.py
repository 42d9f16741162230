"""``redlens kpis FILE``: KPIs per note, KOL and campaign from RedLens metrics files.

FILE is a note-metrics file (``redlens_note_metrics``: snapshots of each note over time, and
optionally ``followers``, ``published_at``, ``category``, ``content_format``/``format``,
``content_type``, ``tier``) or a campaign-economics file (``redlens_campaign``), given alone or with
``--economics``. Both are read by the ingest layer exactly as ``redlens ingest`` reads them (CSV,
XLSX or JSON; counts such as ``1.2万`` or ``1,234``; money such as ``¥12,000``); see
service/ingest/FORMATS.md. The newest snapshot gives a note's KPIs, all of them its 48h / 7 / 30 /
90-day windows; the report itself is built by :func:`models.kpi.report.build_kpi_report`.

The command prints a table per level and can write the full results as JSON (``--json``) or as a
long CSV, one row per level, id and metric (``--csv``). CSV cells that a spreadsheet would run as
a formula (starting with = + - @, tab or carriage return) are prefixed with ``'``; plain negative
numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from models.kpi import EmvRates, KPIConfig, KPIInput, KPIInputError
from models.kpi.aggregate import GROUP_KEYS
from models.kpi.formulas import DEFAULT_EMV_RATES
from models.kpi.inputs import ECONOMICS_COUNTS, ECONOMICS_MONEY, NOTE_METRIC_COUNTS, NOTE_METRICS_OPTIONAL
from models.kpi.metric import currency_code, to_decimal
from models.kpi.report import EconomicsRow, KPIFileInputs, NoteSeries, build_kpi_report, report_rows
from service.exports import safe_cell
from service.ingest.core import Loaded, read_rows
from service.ingest.formats import FORMATS_BY_NAME
from service.ingest.parsing import CHINA_TZ
from service.ingest.readers import InputFileError
from service.ingest.summary import FileSummary

NOTE_FORMAT: Final = FORMATS_BY_NAME["redlens_note_metrics"]
ECONOMICS_FORMAT: Final = FORMATS_BY_NAME["redlens_campaign"]
_MAX_ERRORS: Final = 20


# --------------------------------------------------------------------------------------------
# reading (through the ingest layer)


class _Errors:
    """Bad values of one file, reported together: ``row 3: likes='-5' is not a whole number``."""

    def __init__(self, path: Path, summary: FileSummary | None = None) -> None:
        self.path = path
        self.items: list[str] = []
        for error in summary.errors if summary is not None else ():
            where = f"{error.column}={error.reason}" if error.column else error.reason
            self.add(error.line, where)

    def add(self, row: int, message: str) -> None:
        self.items.append(f"row {row}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            shown = self.items[:_MAX_ERRORS]
            more = len(self.items) - len(shown)
            tail = f"\n  ... and {more} more" if more else ""
            raise InputFileError(
                f"{self.path.name}: {len(self.items)} bad value(s)\n  " + "\n  ".join(shown) + tail
            )


def _china_time(moment: datetime) -> datetime:
    """A moment as China wall-clock time (how XHS shows it, and how the report prints it)."""
    return moment.astimezone(CHINA_TZ).replace(tzinfo=None)


def _add_snapshot(
    notes: dict[str, NoteSeries],
    seen: dict[tuple[str, datetime], int],
    item: Loaded,
    currency: str,
    errors: _Errors,
) -> None:
    record, line = item.record, item.line
    note_id, kol_id, taken = record["_note"], record["_kol"], _china_time(record["_taken_at"])
    series = notes.setdefault(note_id, NoteSeries(note_id, kol_id))
    if series.kol_id != kol_id:
        errors.add(line, f"note {note_id} belongs to kol {series.kol_id} in an earlier row, not {kol_id}")
        return
    if (note_id, taken) in seen:
        errors.add(
            line, f"note {note_id} has a second snapshot at {taken.isoformat()} (row {seen[note_id, taken]})"
        )
        return
    seen[note_id, taken] = line
    published = record["_published_at"]
    if published is not None:
        published = _china_time(published)
        if series.published_at is not None and series.published_at != published:
            errors.add(line, f"note {note_id}: published_at {published} differs from {series.published_at}")
        series.published_at = published
    series.segment.update(record["_segment"])
    counts = {name: record[name] for name in (*NOTE_METRIC_COUNTS, *NOTE_METRICS_OPTIONAL)}
    try:
        snapshot = KPIInput(**counts, followers=record["_followers"], currency=currency)
    except KPIInputError as exc:
        errors.add(line, str(exc))
        return
    series.snapshots.append((taken, snapshot))


def _notes(path: Path, items: list[Loaded], summary: FileSummary, currency: str) -> dict[str, NoteSeries]:
    errors = _Errors(path, summary)
    notes: dict[str, NoteSeries] = {}
    seen: dict[tuple[str, datetime], int] = {}
    for item in items:
        _add_snapshot(notes, seen, item, currency, errors)
    errors.raise_if_any()
    for series in notes.values():
        series.snapshots.sort(key=lambda pair: pair[0])
    return notes


def _economics(
    path: Path, items: list[Loaded], summary: FileSummary, currency: str
) -> dict[str, EconomicsRow]:
    errors = _Errors(path, summary)
    found: dict[str, EconomicsRow] = {}
    for item in items:
        record, line = item.record, item.line
        note_id = record["_note"]
        if note_id in found:
            errors.add(
                line, f"note {note_id} already has economics in row {found[note_id].row}: one row per note"
            )
            continue
        found[note_id] = EconomicsRow(
            line,
            record["_campaign"],
            note_id,
            record["_kol"],
            record["promo_code"] or "",
            {name: record[name] for name in ECONOMICS_COUNTS},
            {name: record[name] for name in ECONOMICS_MONEY},
            record["currency"] or currency,
        )
    errors.raise_if_any()
    return found


def _read(path: Path, formats: Sequence[Any]) -> tuple[str, list[Loaded], FileSummary]:
    try:
        spec, items, summary = read_rows(path, formats)
    except InputFileError as exc:
        raise InputFileError(f"{path.name}: {exc}") from None
    return spec.name, items, summary


def read_inputs(file: Path, economics: Path | None = None, *, currency: str = "CNY") -> KPIFileInputs:
    """Read FILE (note metrics or campaign economics) and the optional economics file."""
    code = currency_code(currency, field="--currency")
    kind, items, summary = _read(file, (NOTE_FORMAT, ECONOMICS_FORMAT))
    inputs = KPIFileInputs(notes={}, economics={}, files={})
    if kind == NOTE_FORMAT.name:
        inputs.notes = _notes(file, items, summary, code)
        inputs.files["notes"] = file.name
    else:
        inputs.economics = _economics(file, items, summary, code)
        inputs.files["economics"] = file.name
    if economics is not None:
        if kind == ECONOMICS_FORMAT.name:
            raise InputFileError(
                "--economics goes with a note-metrics FILE; FILE already is campaign economics"
            )
        _, econ_items, econ_summary = _read(economics, (ECONOMICS_FORMAT,))
        inputs.economics = _economics(economics, econ_items, econ_summary, code)
        inputs.files["economics"] = economics.name
    for note_id, row in inputs.economics.items():
        series = inputs.notes.get(note_id)
        if series is not None and series.kol_id != row.kol_id:
            raise InputFileError(
                f"note {note_id}: kol {row.kol_id} in the economics (row {row.row}) but "
                f"{series.kol_id} in the metrics"
            )
    return inputs


# --------------------------------------------------------------------------------------------
# writing


def neutralise_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will evaluate as a formula.

    Cells starting with = + - @ (or tab / carriage return, which some programs strip first) get a
    leading apostrophe, except plain numbers such as ``-0.25``.
    """
    return str(safe_cell("" if value is None else str(value)))


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8", newline="")


def _csv_text(report: Mapping[str, Any]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise_cell(c) for c in row] for row in report_rows(report))
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# tables

_MARK: Final = {"above": " ↑", "within": " =", "below": " ↓"}


def _value(entry: Mapping[str, Any], style: str) -> Text:
    value = entry["value"]
    if value is None:
        return Text("—", style="dim")
    if style == "pct":
        text = f"{value * 100:.2f}%"
    elif style == "ratio":
        text = f"{value:.2f}"
    elif style == "money":
        text = f"{Decimal(value):,.2f}"
    else:
        text = f"{value:,}"
    comparisons = entry.get("benchmarks") or []
    if comparisons and comparisons[0]["verdict"]:
        text += _MARK[comparisons[0]["verdict"]]
    return Text(text)


def _cells(kpis: Mapping[str, Any], columns: Sequence[tuple[str, str]]) -> list[Text]:
    return [_value(kpis["metrics"][name], style) for name, style in columns]


def _table(title: str, key_headers: Sequence[str], columns: Sequence[tuple[str, str, str]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for header in key_headers:
        table.add_column(header, overflow="fold")
    for header, _, _ in columns:
        table.add_column(header, justify="right", no_wrap=True)
    return table


#: Each metric's column header and how its value is shown.
_COLUMNS: Final = {
    "impressions": ("Impr.", "int"),
    "engagements": ("Eng.", "int"),
    "engagement_rate_by_followers": ("ER fol.", "pct"),
    "engagement_rate_by_impressions": ("ER impr.", "pct"),
    "save_rate_by_views": ("Save/view", "pct"),
    "ces_score": ("CES", "int"),
    "ctr": ("CTR", "pct"),
    "completion_rate": ("Compl.", "pct"),
    "emv": ("EMV", "money"),
    "total_cost": ("Cost", "money"),
    "roi": ("ROI", "pct"),
    "revenue": ("Revenue", "money"),
    "roas": ("ROAS", "ratio"),
    "cpm": ("CPM", "money"),
    "cpe": ("CPE", "money"),
    "cpa": ("CPA", "money"),
    "cac": ("CAC", "money"),
    "emv_return": ("EMV ret.", "ratio"),
}


def _columns(*metrics: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((_COLUMNS[m][0], m, _COLUMNS[m][1]) for m in metrics)


_NOTE_COLS: Final = _columns(
    "impressions",
    "engagements",
    "engagement_rate_by_followers",
    "engagement_rate_by_impressions",
    "save_rate_by_views",
    "ces_score",
    "ctr",
    "completion_rate",
)
_KOL_COLS: Final = _columns(
    "impressions", "engagements", "engagement_rate_by_followers", "ces_score", "emv", "total_cost", "roi"
)
_CAMPAIGN_COLS: Final = _columns(
    "total_cost", "revenue", "roi", "roas", "cpm", "cpe", "cpa", "cac", "emv", "emv_return"
)
_GROUP_COLS: Final = _columns(
    "impressions",
    "engagements",
    "engagement_rate_by_followers",
    "engagement_rate_by_impressions",
    "ctr",
    "cpe",
    "roi",
)


def render(report: Mapping[str, Any], console: Console) -> None:
    """Print one table per level, then the warnings."""

    def cols(spec: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
        return [(name, style) for _, name, style in spec]

    if report["notes"]:
        table = _table("Notes", ("Note", "KOL", "Tier", "Format", "Day-7 share"), _NOTE_COLS)
        for note in report["notes"]:
            segment = note["kpis"]["segment"]
            share = (note.get("windows") or {}).get("engagement_share_by_day7") or {"value": None}
            row = [Text(note["note_id"]), Text(note["kol_id"]), Text(segment["tier"] or "—")]
            row += [Text(segment["content_format"] or "—"), _value(share, "pct")]
            table.add_row(*row, *_cells(note["kpis"], cols(_NOTE_COLS)))
        console.print(table)
    if report["kols"]:
        table = _table("KOLs", ("KOL", "Tier", "Notes", "Followers"), _KOL_COLS)
        for kol in report["kols"]:
            followers = "—" if kol["followers"] is None else f"{kol['followers']:,}"
            row = [
                Text(kol["kol_id"]),
                Text(kol["tier"] or "—"),
                Text(str(len(kol["notes"]))),
                Text(followers),
            ]
            table.add_row(*row, *_cells(kol["kpis"], cols(_KOL_COLS)))
        console.print(table)
    if report["campaigns"]:
        table = _table("Campaigns", ("Campaign", "Currency", "KOLs", "Notes"), _CAMPAIGN_COLS)
        for campaign in report["campaigns"]:
            row = [Text(campaign["campaign"]), Text(campaign["kpis"]["currency"])]
            row += [Text(str(len(campaign["kols"]))), Text(str(len(campaign["notes"])))]
            table.add_row(*row, *_cells(campaign["kpis"], cols(_CAMPAIGN_COLS)))
        console.print(table)
    for key, groups in report["groups"].items():
        table = _table(f"By {key}", (key, "Notes"), _GROUP_COLS)
        for group in groups:
            row = [Text(group["group"]), Text(str(group["notes"]))]
            table.add_row(*row, *_cells(group["kpis"], cols(_GROUP_COLS)))
        console.print(table)
    console.print(
        Text(
            "↑ above / = within / ↓ below the benchmark for the tier, category or format; — undefined "
            "(see the JSON or CSV for the reason)",
            style="dim",
        )
    )
    for warning in report["warnings"]:
        console.print(Text(f"warning: {warning}", style="yellow"))


def _rate(option: str, value: str | None, default: Decimal) -> Decimal:
    amount = to_decimal(option, value) if value is not None else default
    return default if amount is None else amount


def kpis(
    file: Annotated[
        Path,
        typer.Argument(
            help="note-metrics or campaign-economics file (CSV, XLSX or JSON)",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    economics: Annotated[
        Path | None,
        typer.Option(
            "--economics",
            "-e",
            help="campaign-economics file joined to FILE by note_id",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    json_out: Annotated[
        str | None, typer.Option("--json", help="write the full results as JSON (- for stdout)")
    ] = None,
    csv_out: Annotated[
        str | None, typer.Option("--csv", help="write one row per metric as CSV (- for stdout)")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help=f"also aggregate by {', '.join(GROUP_KEYS)} (repeatable)"),
    ] = None,
    currency: Annotated[str, typer.Option(help="currency of notes without economics rows")] = "CNY",
    emv_cpm: Annotated[
        str | None, typer.Option(help="EMV value of 1,000 impressions in --currency (workspace rate card)")
    ] = None,
    emv_action: Annotated[
        str | None, typer.Option(help="EMV value of one like, comment, save or share in --currency")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no tables, only the files asked for")] = False,
) -> None:
    """KPIs per note, KOL and campaign (reach, engagement, conversion, cost, ROI, EMV) from a metrics file."""
    err = Console(stderr=True, highlight=False)
    try:
        code = currency_code(currency, field="--currency")
        config = KPIConfig()
        if emv_cpm is not None or emv_action is not None:
            cpm = _rate("--emv-cpm", emv_cpm, DEFAULT_EMV_RATES.cpm)
            action = _rate("--emv-action", emv_action, DEFAULT_EMV_RATES.like)
            card = EmvRates(
                code, cpm, action, action, action, action, source="rate card given on the command line"
            )
            config = KPIConfig(emv_rates={**config.emv_rates, code: card})
        inputs = read_inputs(file, economics, currency=code)
        report = build_kpi_report(inputs, config, currency=code, by=by or ())
    except (InputFileError, KPIInputError) as exc:
        err.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(code=2) from None
    to_stdout = "-" in (json_out, csv_out)
    if json_out is not None:
        _write(json_out, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if csv_out is not None:
        _write(csv_out, _csv_text(report))
    if not quiet and not to_stdout:
        render(report, Console(highlight=False))
