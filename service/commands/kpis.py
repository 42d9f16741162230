"""``redlens kpis FILE``: KPIs per note, KOL and campaign from a RedLens metrics CSV.

Input formats (UTF-8, header row; a BOM is fine; blank cells mean "not given"):

* note metrics snapshots: ``note_id,kol_id,date,impressions,reach,views,likes,saves,comments,
  shares,follows`` and optionally ``completions,avg_watch_seconds,clicks``. Also read when present:
  ``followers`` (account followers, needed for engagement rate by followers and the tier),
  ``published_at`` (else the first snapshot stands in, with a warning), ``category``,
  ``content_format`` (or ``format``: video/image, 视频/图文), ``content_type``, ``tier``.
  Several rows per note are snapshots over time: the newest gives the note's KPIs, all of them
  its 48h / 7 / 30 / 90-day windows.
* campaign economics: ``campaign,note_id,kol_id,fee,product_cost,paid_media,promo_code,clicks,
  add_to_carts,orders,revenue,new_customers,currency`` and optionally ``agency_cost``; one row
  per note. Given as FILE alone, or with ``--economics`` next to a note-metrics FILE.

The command prints a table per level and can write the full results as JSON (``--json``) or as a
long CSV, one row per level, id and metric (``--csv``). CSV cells that a spreadsheet would run as
a formula (starting with = + - @, tab or carriage return) are prefixed with ``'``; plain negative
numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from models.kpi import (
    EmvRates,
    KPIConfig,
    KPIInput,
    KPIInputError,
    Snapshot,
    aggregate,
    compute,
    group_by,
    window_report,
)
from models.kpi.aggregate import GROUP_KEYS
from models.kpi.compute import KPIResult
from models.kpi.formulas import DEFAULT_EMV_RATES
from models.kpi.metric import currency_code, to_decimal
from service.exports import safe_cell
from service.ingest.formats import FORMATS_BY_NAME

__all__ = [
    "ECONOMICS_COLUMNS",
    "NOTE_COLUMNS",
    "CsvInputError",
    "build_report",
    "neutralise_cell",
    "read_inputs",
    "register",
    "report_rows",
]

REPORT_SCHEMA: Final = "redlens.kpis.report/1"
# The RedLens CSV formats are defined once, by the ingest layer (service/ingest/FORMATS.md).
NOTE_COLUMNS: Final = FORMATS_BY_NAME["redlens_note_metrics"].required
NOTE_OPTIONAL: Final = (
    *FORMATS_BY_NAME["redlens_note_metrics"].optional,
    "followers",
    "published_at",
    "category",
    "content_format",
    "content_type",
    "tier",
)
ECONOMICS_COLUMNS: Final = FORMATS_BY_NAME["redlens_campaign"].required
ECONOMICS_OPTIONAL: Final = FORMATS_BY_NAME["redlens_campaign"].optional
_HEADER_ALIASES: Final = {"format": "content_format"}
_NOTE_COUNTS: Final = (
    "impressions",
    "reach",
    "views",
    "likes",
    "saves",
    "comments",
    "shares",
    "follows",
    "completions",
    "clicks",
    "followers",
)
_ECON_COUNTS: Final = ("clicks", "add_to_carts", "orders", "new_customers")
_ECON_MONEY: Final = ("fee", "product_cost", "paid_media", "agency_cost", "revenue")
_MAX_ERRORS: Final = 20
_INT_RE: Final = re.compile(r"\d+")


class CsvInputError(ValueError):
    """A file the command cannot use; the message names the file, row and column."""


# --------------------------------------------------------------------------------------------
# reading


@dataclass
class NoteSeries:
    """All snapshots of one note from the metrics file."""

    note_id: str
    kol_id: str
    snapshots: list[tuple[datetime, KPIInput]] = field(default_factory=list)
    published_at: datetime | None = None
    segment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EconomicsRow:
    row: int
    campaign: str
    note_id: str
    kol_id: str
    promo_code: str
    counts: dict[str, int | None]
    money: dict[str, Decimal | None]
    currency: str


@dataclass
class Inputs:
    notes: dict[str, NoteSeries]
    economics: dict[str, EconomicsRow]
    files: dict[str, str]
    warnings: list[str] = field(default_factory=list)


class _Errors:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, row: int, message: str) -> None:
        self.items.append(f"row {row}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            shown = self.items[:_MAX_ERRORS]
            more = len(self.items) - len(shown)
            tail = f"\n  ... and {more} more" if more else ""
            raise CsvInputError(
                f"{self.path.name}: {len(self.items)} bad value(s)\n  " + "\n  ".join(shown) + tail
            )


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvInputError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_row = next(reader)
    except StopIteration:
        raise CsvInputError(f"{path.name}: the file is empty; it needs a header row") from None
    header = [_HEADER_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header_row]
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        raise CsvInputError(f"{path.name}: column(s) {', '.join(duplicated)} appear more than once")
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise CsvInputError(
                f"{path.name}: row {line_no} has {len(values)} cells for {len(header)} columns"
            )
        rows.append(
            (line_no, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)})
        )
    return header, rows


def detect_kind(header: Sequence[str], path: Path) -> str:
    """``"notes"`` or ``"economics"`` from the columns, or a message naming what is missing."""
    columns = set(header)
    if {"campaign", "fee"} <= columns:
        missing = [c for c in ECONOMICS_COLUMNS if c not in columns]
        if missing:
            raise CsvInputError(
                f"{path.name}: looks like campaign economics but lacks {', '.join(missing)}; "
                f"the columns are {','.join(ECONOMICS_COLUMNS)}[,agency_cost]"
            )
        return "economics"
    missing = [c for c in NOTE_COLUMNS if c not in columns]
    if missing:
        raise CsvInputError(
            f"{path.name}: lacks column(s) {', '.join(missing)}. Expected note metrics "
            f"({','.join(NOTE_COLUMNS)}[,completions,avg_watch_seconds,clicks]) or campaign economics "
            f"({','.join(ECONOMICS_COLUMNS)}[,agency_cost])"
        )
    return "notes"


def _count(value: str, column: str, row: int, errors: _Errors) -> int | None:
    if value == "":
        return None
    if not _INT_RE.fullmatch(value):
        errors.add(row, f"{column}={value!r} is not a whole number >= 0")
        return None
    return int(value)


def _when(value: str, column: str, row: int, errors: _Errors) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        errors.add(row, f"{column}={value!r} is not an ISO date or time (2025-09-01 or 2025-09-01T20:30)")
        return None


def _ident(value: str, column: str, row: int, errors: _Errors) -> str | None:
    if not value:
        errors.add(row, f"{column} is empty")
        return None
    return value


def _parse_notes(path: Path, rows: list[tuple[int, dict[str, str]]], currency: str) -> dict[str, NoteSeries]:
    errors = _Errors(path)
    notes: dict[str, NoteSeries] = {}
    seen: dict[tuple[str, datetime], int] = {}
    for line, row in rows:
        note_id = _ident(row["note_id"], "note_id", line, errors)
        kol_id = _ident(row["kol_id"], "kol_id", line, errors)
        taken = _when(row["date"], "date", line, errors) if row["date"] else None
        if row["date"] == "":
            errors.add(line, "date is empty")
        counts: dict[str, Any] = {c: _count(row.get(c, ""), c, line, errors) for c in _NOTE_COUNTS}
        watch: float | None = None
        if row.get("avg_watch_seconds", ""):
            try:
                watch = float(row["avg_watch_seconds"])
            except ValueError:
                errors.add(line, f"avg_watch_seconds={row['avg_watch_seconds']!r} is not a number of seconds")
        published = (
            _when(row["published_at"], "published_at", line, errors) if row.get("published_at") else None
        )
        if note_id is None or kol_id is None or taken is None:
            continue
        series = notes.setdefault(note_id, NoteSeries(note_id, kol_id))
        if series.kol_id != kol_id:
            errors.add(line, f"note {note_id} belongs to kol {series.kol_id} in an earlier row, not {kol_id}")
            continue
        if (note_id, taken) in seen:
            errors.add(
                line,
                f"note {note_id} has a second snapshot at {taken.isoformat()} (row {seen[note_id, taken]})",
            )
            continue
        seen[note_id, taken] = line
        if published is not None:
            if series.published_at is not None and series.published_at != published:
                errors.add(
                    line, f"note {note_id}: published_at {published} differs from {series.published_at}"
                )
            series.published_at = published
        for name in ("category", "content_format", "content_type", "tier"):
            if row.get(name):
                series.segment[name] = row[name]
        try:
            snapshot = KPIInput(**counts, avg_watch_seconds=watch, currency=currency)
        except KPIInputError as exc:
            errors.add(line, str(exc))
            continue
        series.snapshots.append((taken, snapshot))
    errors.raise_if_any()
    for series in notes.values():
        series.snapshots.sort(key=lambda pair: pair[0])
    return notes


def _parse_economics(path: Path, rows: list[tuple[int, dict[str, str]]]) -> dict[str, EconomicsRow]:
    errors = _Errors(path)
    found: dict[str, EconomicsRow] = {}
    for line, row in rows:
        ids = {c: _ident(row[c], c, line, errors) for c in ("campaign", "note_id", "kol_id")}
        counts = {c: _count(row.get(c, ""), c, line, errors) for c in _ECON_COUNTS}
        money: dict[str, Decimal | None] = {}
        for column in _ECON_MONEY:
            try:
                money[column] = to_decimal(column, row.get(column) or None)
            except KPIInputError as exc:
                errors.add(line, str(exc))
        try:
            code = currency_code(row["currency"])
        except KPIInputError as exc:
            errors.add(line, str(exc))
            continue
        campaign, note_id, kol_id = ids["campaign"], ids["note_id"], ids["kol_id"]
        if campaign is None or note_id is None or kol_id is None:
            continue
        if note_id in found:
            errors.add(
                line, f"note {note_id} already has economics in row {found[note_id].row}: one row per note"
            )
            continue
        found[note_id] = EconomicsRow(line, campaign, note_id, kol_id, row["promo_code"], counts, money, code)
    errors.raise_if_any()
    return found


def read_inputs(file: Path, economics: Path | None = None, *, currency: str = "CNY") -> Inputs:
    """Read FILE (note metrics or campaign economics) and the optional economics file."""
    code = currency_code(currency, field="--currency")
    header, rows = _read_csv(file)
    kind = detect_kind(header, file)
    notes: dict[str, NoteSeries] = {}
    econ: dict[str, EconomicsRow] = {}
    files = {kind: file.name}
    if kind == "notes":
        notes = _parse_notes(file, rows, code)
    else:
        econ = _parse_economics(file, rows)
    if economics is not None:
        if kind == "economics":
            raise CsvInputError(
                "--economics goes with a note-metrics FILE; FILE already is campaign economics"
            )
        econ_header, econ_rows = _read_csv(economics)
        if detect_kind(econ_header, economics) != "economics":
            raise CsvInputError(f"{economics.name}: --economics needs a campaign-economics CSV")
        econ = _parse_economics(economics, econ_rows)
        files["economics"] = economics.name
    for note_id, row in econ.items():
        series = notes.get(note_id)
        if series is not None and series.kol_id != row.kol_id:
            raise CsvInputError(
                f"note {note_id}: kol {row.kol_id} in the economics (row {row.row}) but "
                f"{series.kol_id} in the metrics"
            )
    return Inputs(notes, econ, files)


# --------------------------------------------------------------------------------------------
# computing


def _note_input(
    series: NoteSeries | None, econ: EconomicsRow | None, currency: str, warnings: list[str]
) -> KPIInput:
    values: dict[str, Any] = {"currency": econ.currency if econ else currency}
    if series is not None:
        latest = series.snapshots[-1][1]
        for name in (*_NOTE_COUNTS, "avg_watch_seconds"):
            values[name] = getattr(latest, name)
        values.update(series.segment)
    if econ is not None:
        for name, value in econ.counts.items():
            if value is None:
                continue
            metric_value = values.get(name)
            if metric_value is not None and metric_value != value:
                warnings.append(
                    f"note {econ.note_id}: {name} {metric_value} in the metrics and {value} in the "
                    "economics; the economics figure is used"
                )
            values[name] = value
        values.update({k: v for k, v in econ.money.items() if v is not None})
    return KPIInput(**values)


def build_report(
    inputs: Inputs, config: KPIConfig, *, currency: str = "CNY", by: Sequence[str] = ()
) -> dict[str, Any]:
    """The full JSON report: notes (with windows), KOLs, campaigns, groups and warnings."""
    warnings = list(inputs.warnings)
    note_ids = sorted(set(inputs.notes) | set(inputs.economics))
    note_inputs: dict[str, KPIInput] = {}
    kol_of: dict[str, str] = {}
    for note_id in note_ids:
        series = inputs.notes.get(note_id)
        econ = inputs.economics.get(note_id)
        try:
            note_inputs[note_id] = _note_input(series, econ, currency, warnings)
        except KPIInputError as exc:
            raise CsvInputError(f"note {note_id}: {exc}") from None
        if series is not None:
            kol_of[note_id] = series.kol_id
        elif econ is not None:
            kol_of[note_id] = econ.kol_id
    unpublished = [n for n, s in inputs.notes.items() if s.published_at is None]
    if unpublished:
        warnings.append(
            f"{len(unpublished)} note(s) have no published_at: their windows count from the first snapshot"
        )

    notes_out = []
    for note_id in note_ids:
        series = inputs.notes.get(note_id)
        econ = inputs.economics.get(note_id)
        result = compute(note_inputs[note_id], config)
        windows = None
        if series is not None:
            published = series.published_at or series.snapshots[0][0]
            try:
                report = window_report(published, [Snapshot(t, c) for t, c in series.snapshots])
            except KPIInputError as exc:
                raise CsvInputError(f"note {note_id}: {exc}") from None
            windows = report.to_dict()
            warnings.extend(f"note {note_id}: {w}" for w in report.warnings)
        else:
            warnings.append(f"note {note_id}: economics only, no note metrics in the file")
        warnings.extend(f"note {note_id}: {w}" for w in result.warnings)
        notes_out.append(
            {
                "note_id": note_id,
                "kol_id": kol_of[note_id],
                "campaign": econ.campaign if econ else None,
                "snapshots": len(series.snapshots) if series else 0,
                "kpis": result.to_dict(),
                "windows": windows,
            }
        )

    def level(groups: Mapping[str, list[str]], label: str) -> list[tuple[str, list[str], KPIResult]]:
        out = []
        for key in sorted(groups):
            members = groups[key]
            try:
                combined = aggregate({n: note_inputs[n] for n in members}, label="notes", tiers=config.tiers)
            except KPIInputError as exc:
                raise CsvInputError(f"{label} {key}: {exc}") from None
            result = compute(combined, config)
            warnings.extend(f"{label} {key}: {w}" for w in result.warnings)
            out.append((key, members, result))
        return out

    by_kol: dict[str, list[str]] = {}
    for note_id in note_ids:
        by_kol.setdefault(kol_of[note_id], []).append(note_id)
    kols_out = []
    for kol_id, members, result in level(by_kol, "kol"):
        followers = [f for f in (note_inputs[n].followers for n in members) if f is not None]
        kols_out.append(
            {
                "kol_id": kol_id,
                "notes": members,
                "followers": max(followers) if followers else None,
                "tier": result.segment.tier,
                "kpis": result.to_dict(),
            }
        )

    by_campaign: dict[str, list[str]] = {}
    for note_id, row in inputs.economics.items():
        by_campaign.setdefault(row.campaign, []).append(note_id)
    campaigns_out = []
    for campaign, members, result in level({k: sorted(v) for k, v in by_campaign.items()}, "campaign"):
        campaigns_out.append(
            {
                "campaign": campaign,
                "notes": members,
                "kols": sorted({kol_of[n] for n in members}),
                "promo_codes": sorted({inputs.economics[n].promo_code for n in members} - {""}),
                "kpis": result.to_dict(),
            }
        )

    groups_out: dict[str, list[dict[str, Any]]] = {}
    for key in by:
        try:
            grouped = group_by(note_inputs, key, tiers=config.tiers)
        except KPIInputError as exc:
            raise CsvInputError(f"--by {key}: {exc}") from None
        groups_out[key] = [
            {"group": name, "notes": data.parts, "kpis": compute(data, config).to_dict()}
            for name, data in grouped.items()
        ]

    return {
        "schema": REPORT_SCHEMA,
        "files": inputs.files,
        "notes": notes_out,
        "kols": kols_out,
        "campaigns": campaigns_out,
        "groups": groups_out,
        "warnings": warnings,
    }


# --------------------------------------------------------------------------------------------
# writing


def neutralise_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will evaluate as a formula.

    Cells starting with = + - @ (or tab / carriage return, which some programs strip first) get a
    leading apostrophe, except plain numbers such as ``-0.25``.
    """
    return str(safe_cell("" if value is None else str(value)))


CSV_HEADER: Final = (
    "level",
    "id",
    "metric",
    "layer",
    "value",
    "unit",
    "currency",
    "formula",
    "reason",
    "benchmark",
)


def _benchmark_text(entry: Mapping[str, Any]) -> str:
    parts = []
    for comparison in entry.get("benchmarks", []):
        low, high = comparison["range"]
        span = f"{low:g}-{high:g}" if high is not None else f">={low:g}"
        parts.append(f"{comparison['verdict'] or 'n/a'} {span}")
    return "; ".join(parts)


def report_rows(report: Mapping[str, Any]) -> Iterable[list[str]]:
    """Long-format rows (level, id, metric, ...) of a report, cells neutralised."""
    yield list(CSV_HEADER)

    def metric_rows(level: str, ident: str, kpis: Mapping[str, Any]) -> Iterable[list[str]]:
        for name, entry in kpis["metrics"].items():
            cells = [
                level,
                ident,
                name,
                entry["layer"],
                entry["value"],
                entry["unit"],
                entry.get("currency", ""),
                entry["formula"],
                entry["reason"] or "",
                _benchmark_text(entry),
            ]
            yield [neutralise_cell(c) for c in cells]

    for note in report["notes"]:
        yield from metric_rows("note", note["note_id"], note["kpis"])
        windows = note.get("windows")
        if windows:
            for name, window in windows["windows"].items():
                cells = ["note", note["note_id"], f"engagements_{name}", "windows", window["engagements"]]
                cells += ["count", "", "engagements", window["reason"] or "", ""]
                yield [neutralise_cell(c) for c in cells]
            for name in ("engagement_share_by_day7", "long_tail_share"):
                entry = windows[name]
                cells = ["note", note["note_id"], name, "windows", entry["value"], entry["unit"], ""]
                cells += [entry["formula"], entry["reason"] or "", ""]
                yield [neutralise_cell(c) for c in cells]
    for kol in report["kols"]:
        yield from metric_rows("kol", kol["kol_id"], kol["kpis"])
    for campaign in report["campaigns"]:
        yield from metric_rows("campaign", campaign["campaign"], campaign["kpis"])
    for key, groups in report["groups"].items():
        for group in groups:
            yield from metric_rows(f"by_{key}", group["group"], group["kpis"])


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8", newline="")


def _csv_text(report: Mapping[str, Any]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(report_rows(report))
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


_NOTE_COLS: Final = (
    ("Impr.", "impressions", "int"),
    ("Eng.", "engagements", "int"),
    ("ER fol.", "engagement_rate_by_followers", "pct"),
    ("ER impr.", "engagement_rate_by_impressions", "pct"),
    ("Save/view", "save_rate_by_views", "pct"),
    ("CES", "ces_score", "int"),
    ("CTR", "ctr", "pct"),
    ("Compl.", "completion_rate", "pct"),
)
_KOL_COLS: Final = (
    ("Impr.", "impressions", "int"),
    ("Eng.", "engagements", "int"),
    ("ER fol.", "engagement_rate_by_followers", "pct"),
    ("CES", "ces_score", "int"),
    ("EMV", "emv", "money"),
    ("Cost", "total_cost", "money"),
    ("ROI", "roi", "pct"),
)
_CAMPAIGN_COLS: Final = (
    ("Cost", "total_cost", "money"),
    ("Revenue", "revenue", "money"),
    ("ROI", "roi", "pct"),
    ("ROAS", "roas", "ratio"),
    ("CPM", "cpm", "money"),
    ("CPE", "cpe", "money"),
    ("CPA", "cpa", "money"),
    ("CAC", "cac", "money"),
    ("EMV", "emv", "money"),
    ("EMV ret.", "emv_return", "ratio"),
)
_GROUP_COLS: Final = (
    ("Impr.", "impressions", "int"),
    ("Eng.", "engagements", "int"),
    ("ER fol.", "engagement_rate_by_followers", "pct"),
    ("ER impr.", "engagement_rate_by_impressions", "pct"),
    ("CTR", "ctr", "pct"),
    ("CPE", "cpe", "money"),
    ("ROI", "roi", "pct"),
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


# --------------------------------------------------------------------------------------------
# command


def _rate(option: str, value: str | None, default: Decimal) -> Decimal:
    amount = to_decimal(option, value) if value is not None else default
    return default if amount is None else amount


def kpis(
    file: Annotated[
        Path,
        typer.Argument(
            help="note-metrics or campaign-economics CSV", exists=True, dir_okay=False, readable=True
        ),
    ],
    economics: Annotated[
        Path | None,
        typer.Option(
            "--economics",
            "-e",
            help="campaign-economics CSV joined to FILE by note_id",
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
    """KPIs per note, KOL and campaign (reach, engagement, conversion, cost, ROI, EMV) from a metrics CSV."""
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
        report = build_report(inputs, config, currency=code, by=by or ())
    except (CsvInputError, KPIInputError) as exc:
        err.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(code=2) from None
    to_stdout = "-" in (json_out, csv_out)
    if json_out is not None:
        _write(json_out, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if csv_out is not None:
        _write(csv_out, _csv_text(report))
    if not quiet and not to_stdout:
        render(report, Console(highlight=False))


def register(app: typer.Typer) -> None:
    """Add ``redlens kpis`` to the CLI."""
    app.command("kpis")(kpis)
