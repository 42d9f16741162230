"""KPI reports over a set of notes: per note (with its windows), per KOL, per campaign and by segment.

Pure computation over plain dataclasses: ``redlens kpis`` reads note-metrics snapshots and
campaign economics into :class:`KPIFileInputs` (through the ingest layer) and
:func:`build_kpi_report` makes the report; :mod:`models.campaign_report` groups a stored
campaign's notes by KOL with the same :func:`group_results`. Levels above the note sum the
notes' counts and money and recompute every rate from the sums (:mod:`models.kpi.aggregate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from models.kpi.aggregate import aggregate, group_by
from models.kpi.compute import KPIResult, compute
from models.kpi.inputs import NOTE_METRIC_COUNTS, KPIConfig, KPIInput
from models.kpi.metric import KPIInputError
from models.kpi.windows import Snapshot, window_report

__all__ = [
    "CSV_HEADER",
    "REPORT_SCHEMA",
    "EconomicsRow",
    "KPIFileInputs",
    "NoteSeries",
    "build_kpi_report",
    "group_results",
    "report_rows",
]

REPORT_SCHEMA: Final = "redlens.kpis.report/1"
#: Counts of a note taken from its newest snapshot.
SNAPSHOT_COUNTS: Final = (*NOTE_METRIC_COUNTS, "completions", "clicks", "followers")
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


@dataclass
class NoteSeries:
    """All snapshots of one note, oldest first."""

    note_id: str
    kol_id: str
    snapshots: list[tuple[datetime, KPIInput]] = field(default_factory=list)
    published_at: datetime | None = None
    segment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EconomicsRow:
    """One note's campaign economics."""

    row: int
    campaign: str
    note_id: str
    kol_id: str
    promo_code: str
    counts: dict[str, int | None]
    money: dict[str, Decimal | None]
    currency: str


@dataclass
class KPIFileInputs:
    notes: dict[str, NoteSeries]
    economics: dict[str, EconomicsRow]
    files: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def group_results(
    parts: Mapping[str, KPIInput],
    group_of: Callable[[str], str],
    config: KPIConfig,
    *,
    label: str,
) -> list[tuple[str, list[str], KPIResult]]:
    """KPIs of each group of parts (their inputs summed, rates recomputed), sorted by group, each
    with its members. An input error names the group (``"kol k1: cannot aggregate ..."``)."""
    members: dict[str, list[str]] = {}
    for part_id in parts:
        members.setdefault(group_of(part_id), []).append(part_id)
    out = []
    for key in sorted(members):
        try:
            combined = aggregate({m: parts[m] for m in members[key]}, tiers=config.tiers)
        except KPIInputError as exc:  # keeps the kind (CurrencyMismatchError) and names the group
            raise type(exc)(f"{label} {key}: {exc}") from None
        out.append((key, members[key], compute(combined, config)))
    return out


def _note_input(
    series: NoteSeries | None, econ: EconomicsRow | None, currency: str, warnings: list[str]
) -> KPIInput:
    """The newest snapshot's counts and segment, overlaid with the economics' counts and money."""
    values: dict[str, Any] = {"currency": econ.currency if econ else currency}
    if series is not None:
        latest = series.snapshots[-1][1]
        for name in (*SNAPSHOT_COUNTS, "avg_watch_seconds"):
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


def _note_entry(
    note_id: str, inputs: KPIFileInputs, data: KPIInput, kol_id: str, config: KPIConfig, warnings: list[str]
) -> dict[str, Any]:
    series = inputs.notes.get(note_id)
    econ = inputs.economics.get(note_id)
    result = compute(data, config)
    windows = None
    if series is not None:
        published = series.published_at or series.snapshots[0][0]
        try:
            report = window_report(published, [Snapshot(t, c) for t, c in series.snapshots])
        except KPIInputError as exc:
            raise KPIInputError(f"note {note_id}: {exc}") from None
        windows = report.to_dict()
        warnings.extend(f"note {note_id}: {w}" for w in report.warnings)
    else:
        warnings.append(f"note {note_id}: economics only, no note metrics in the file")
    warnings.extend(f"note {note_id}: {w}" for w in result.warnings)
    return {
        "note_id": note_id,
        "kol_id": kol_id,
        "campaign": econ.campaign if econ else None,
        "snapshots": len(series.snapshots) if series else 0,
        "kpis": result.to_dict(),
        "windows": windows,
    }


def _with_warnings(
    results: list[tuple[str, list[str], KPIResult]], label: str, warnings: list[str]
) -> list[tuple[str, list[str], KPIResult]]:
    for key, _, result in results:
        warnings.extend(f"{label} {key}: {w}" for w in result.warnings)
    return results


def _kol_entries(
    note_inputs: Mapping[str, KPIInput], kol_of: Mapping[str, str], config: KPIConfig, warnings: list[str]
) -> list[dict[str, Any]]:
    entries = []
    for kol_id, members, result in _with_warnings(
        group_results(note_inputs, kol_of.__getitem__, config, label="kol"), "kol", warnings
    ):
        followers = [f for f in (note_inputs[n].followers for n in members) if f is not None]
        entries.append(
            {
                "kol_id": kol_id,
                "notes": members,
                "followers": max(followers) if followers else None,
                "tier": result.segment.tier,
                "kpis": result.to_dict(),
            }
        )
    return entries


def _campaign_entries(
    inputs: KPIFileInputs,
    note_inputs: Mapping[str, KPIInput],
    kol_of: Mapping[str, str],
    config: KPIConfig,
    warnings: list[str],
) -> list[dict[str, Any]]:
    economics = inputs.economics
    parts = {note_id: note_inputs[note_id] for note_id in sorted(economics)}
    grouped = group_results(parts, lambda n: economics[n].campaign, config, label="campaign")
    return [
        {
            "campaign": campaign,
            "notes": members,
            "kols": sorted({kol_of[n] for n in members}),
            "promo_codes": sorted({economics[n].promo_code for n in members} - {""}),
            "kpis": result.to_dict(),
        }
        for campaign, members, result in _with_warnings(grouped, "campaign", warnings)
    ]


def _segment_groups(
    note_inputs: Mapping[str, KPIInput], by: Sequence[str], config: KPIConfig
) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for key in by:
        try:
            grouped = group_by(note_inputs, key, tiers=config.tiers)
        except KPIInputError as exc:
            raise KPIInputError(f"--by {key}: {exc}") from None
        groups[key] = [
            {"group": name, "notes": data.parts, "kpis": compute(data, config).to_dict()}
            for name, data in grouped.items()
        ]
    return groups


def build_kpi_report(
    inputs: KPIFileInputs, config: KPIConfig, *, currency: str = "CNY", by: Sequence[str] = ()
) -> dict[str, Any]:
    """The full report (schema :data:`REPORT_SCHEMA`): notes with windows, KOLs, campaigns, groups
    and warnings. Raises :class:`KPIInputError` naming the note, KOL, campaign or grouping."""
    warnings = list(inputs.warnings)
    note_ids = sorted(set(inputs.notes) | set(inputs.economics))
    note_inputs: dict[str, KPIInput] = {}
    kol_of: dict[str, str] = {}
    for note_id in note_ids:
        series, econ = inputs.notes.get(note_id), inputs.economics.get(note_id)
        try:
            note_inputs[note_id] = _note_input(series, econ, currency, warnings)
        except KPIInputError as exc:
            raise KPIInputError(f"note {note_id}: {exc}") from None
        owner = series if series is not None else econ
        assert owner is not None  # every note id comes from the metrics or the economics
        kol_of[note_id] = owner.kol_id
    unpublished = [n for n, s in inputs.notes.items() if s.published_at is None]
    if unpublished:
        warnings.append(
            f"{len(unpublished)} note(s) have no published_at: their windows count from the first snapshot"
        )
    notes = [_note_entry(n, inputs, note_inputs[n], kol_of[n], config, warnings) for n in note_ids]
    return {
        "schema": REPORT_SCHEMA,
        "files": inputs.files,
        "notes": notes,
        "kols": _kol_entries(note_inputs, kol_of, config, warnings),
        "campaigns": _campaign_entries(inputs, note_inputs, kol_of, config, warnings),
        "groups": _segment_groups(note_inputs, by, config),
        "warnings": warnings,
    }


# --------------------------------------------------------------------------------------------
# long format


def _benchmark_text(entry: Mapping[str, Any]) -> str:
    parts = []
    for comparison in entry.get("benchmarks", []):
        low, high = comparison["range"]
        span = f"{low:g}-{high:g}" if high is not None else f">={low:g}"
        parts.append(f"{comparison['verdict'] or 'n/a'} {span}")
    return "; ".join(parts)


def _metric_rows(level: str, ident: str, kpis: Mapping[str, Any]) -> Iterable[list[Any]]:
    for name, entry in kpis["metrics"].items():
        yield [
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


def _window_rows(note_id: str, windows: Mapping[str, Any]) -> Iterable[list[Any]]:
    for name, window in windows["windows"].items():
        engagements, reason = window["engagements"], window["reason"] or ""
        yield [
            "note",
            note_id,
            f"engagements_{name}",
            "windows",
            engagements,
            "count",
            "",
            "engagements",
            reason,
            "",
        ]
    for name in ("engagement_share_by_day7", "long_tail_share"):
        entry = windows[name]
        value, unit, formula, reason = entry["value"], entry["unit"], entry["formula"], entry["reason"] or ""
        yield ["note", note_id, name, "windows", value, unit, "", formula, reason, ""]


def report_rows(report: Mapping[str, Any]) -> Iterable[list[Any]]:
    """The report in long format: the :data:`CSV_HEADER` row, then one row per level, id and
    metric (cells as values; a writer neutralises them for spreadsheets)."""
    yield list(CSV_HEADER)
    for note in report["notes"]:
        yield from _metric_rows("note", note["note_id"], note["kpis"])
        if note.get("windows"):
            yield from _window_rows(note["note_id"], note["windows"])
    for kol in report["kols"]:
        yield from _metric_rows("kol", kol["kol_id"], kol["kpis"])
    for campaign in report["campaigns"]:
        yield from _metric_rows("campaign", campaign["campaign"], campaign["kpis"])
    for key, groups in report["groups"].items():
        for group in groups:
            yield from _metric_rows(f"by_{key}", group["group"], group["kpis"])
