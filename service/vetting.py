"""KOL vetting: gather a KOL's recent data, run the domain models, and decide.

Steps (:func:`vet_kol`):

1. the KOL's ``recent_notes`` newest notes, their comments (analysed on the fly with the serving
   model when needed, and saved), its follower history and the notes' metric snapshots;
2. audience authenticity (:func:`models.authenticity.score_account`) over those, mapped to the
   model's dataclasses;
3. comment sentiment and intent breakdown, KPIs of the notes against the tier benchmarks, and the
   top comment themes;
4. the verdict (:func:`models.vetting.decide`): recommend / caution / avoid with reasons.

Rows that the authenticity dataclasses cannot represent honestly are left out and counted in
``window``: notes without a publication time or like count, comments without a time, follower
snapshots without a count.

Authenticity also sees older notes (up to :data:`AUTHENTICITY_NOTES`), so a follower jump months
ago is judged with the note that caused it. Comment sentiment, intents and themes count only the
comments the authenticity signal keeps (not likely bots, coordinated copies or spam), with the raw
figures beside them; intent reasons carry the serving intent model's measured precision and recall.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from models.authenticity import AccountData, AuthenticityResult, score_account
from models.authenticity import Comment as AComment
from models.authenticity import FollowerSnapshot as AFollowerSnapshot
from models.authenticity import Note as ANote
from models.authenticity import NoteMetricsSnapshot as ANoteMetrics
from models.authenticity.result import as_json
from models.comments import CommentModels
from models.kpi import aggregate, compute
from models.labels import INTENTS
from models.themes import leading_themes, summarize_themes
from models.vetting import (
    DEFAULT_THRESHOLDS,
    AuthenticitySummary,
    BenchmarkCheck,
    CommentMix,
    IntentReliability,
    VettingInput,
    VettingThresholds,
    comment_mix,
    decide,
    intent_reliability,
    screened_comment_mix,
)
from service.campaigns import (
    FollowerLookup,
    kpi_config_for,
    load_analysed_comments,
    note_kpi_input,
    theme_comments,
)
from service.comment_analysis import intent_flags, intent_probabilities
from service.market import audience_section, sponsorship_section
from service.store.repositories import (
    follower_series,
    get_model_version,
    latest_note_metrics,
    list_notes_for_kol,
    note_metrics_series,
)
from service.store.tables import Comment, FollowerSnapshot, Kol, Note, NoteMetricsSnapshot, Workspace

SCHEMA = "redlens.vetting/1"
R = TypeVar("R")
T = TypeVar("T")
log = logging.getLogger("redlens.vetting")
RECENT_NOTES = 20
AUTHENTICITY_NOTES = 200
MAX_FLAGS_SHOWN = 10
MAX_FINDINGS_SHOWN = 3


def _naive_utc(moment: datetime) -> datetime:
    """UTC without tzinfo: the authenticity model reads naive times as UTC and compares them with
    its own naive clock, so aware times are converted here."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _converted(
    rows: Iterable[R], convert: Callable[[R], T | None], skipped: dict[str, int], what: str
) -> list[T]:
    """Each row converted; those ``convert`` cannot represent (``None``) counted in ``skipped[what]``."""
    out = []
    for row in rows:
        item = convert(row)
        if item is None:
            skipped[what] += 1
        else:
            out.append(item)
    return out


def _a_note(n: Note) -> ANote | None:
    if n.published_at is None or n.liked_count is None:
        return None
    return ANote(
        note_id=n.platform_note_id,
        published_at=_naive_utc(n.published_at),
        type="video" if n.type == "video" else "normal",
        title=n.title or "",
        sponsored=bool(n.sponsored),
        liked_count=int(n.liked_count),
        collected_count=int(n.collected_count or 0),
        comment_count=int(n.comment_count or 0),
        share_count=int(n.share_count or 0),
    )


def _a_snapshot(s: FollowerSnapshot) -> AFollowerSnapshot | None:
    if s.followers is None:
        return None
    return AFollowerSnapshot(
        date=s.date,
        followers=int(s.followers),
        following=s.following,
        notes=s.notes,
        likes_and_collects=s.likes_and_collects,
    )


def _a_comment(c: Comment, platform_of: Mapping[int, str]) -> AComment | None:
    if c.created_at is None:
        return None
    probabilities = {k: min(max(v, 0.0), 1.0) for k, v in intent_probabilities(c).items() if k in INTENTS}
    return AComment(
        comment_id=c.platform_comment_id,
        note_id=platform_of.get(c.note_id, str(c.note_id)),
        text=c.text or "",
        created_at=_naive_utc(c.created_at),
        commenter_id=c.commenter_id or c.commenter_hash or f"unknown:{c.platform_comment_id}",
        nickname=c.nickname or "",
        like_count=int(c.like_count or 0),
        ip_location=c.ip_location,
        parent_comment_id=c.parent_comment_id,
        sentiment=c.sentiment,
        intents=probabilities or None,
    )


def _account(
    kol: Kol,
    notes: Sequence[Note],
    snapshots: Sequence[FollowerSnapshot],
    metrics: dict[int, list[NoteMetricsSnapshot]],
    comments: Sequence[Comment],
    comment_notes: Sequence[Note] | None = None,
) -> tuple[AccountData, dict[str, int]]:
    skipped = {"notes": 0, "comments": 0, "follower_snapshots": 0}
    platform_of = {n.id: n.platform_note_id for n in notes}
    a_notes = _converted(notes, _a_note, skipped, "notes")
    a_snaps = _converted(snapshots, _a_snapshot, skipped, "follower_snapshots")
    a_metrics = [
        ANoteMetrics(
            note_id=platform_of[note_id],
            date=m.captured_at,
            impressions=m.impressions,
            reach=m.reach,
            views=m.views,
            likes=m.likes,
            saves=m.saves,
            comments=m.comments,
            shares=m.shares,
            follows=m.follows,
        )
        for note_id, series in metrics.items()
        for m in series
    ]
    a_comments = _converted(comments, lambda c: _a_comment(c, platform_of), skipped, "comments")
    account = AccountData(
        kol_id=kol.platform_user_id,
        follower_snapshots=a_snaps,
        notes=a_notes,
        note_metrics=a_metrics,
        comments=a_comments,
        followers=kol.followers,
        category=kol.category,
        kol_user_id=kol.platform_user_id,
        comment_notes=None if comment_notes is None else [n.platform_note_id for n in comment_notes],
    )
    return account, skipped


#: What the vetting shows of each signal (its features, flags and series are left out).
SIGNAL_FIELDS = ("name", "status", "score", "finding", "coverage", "metrics", "missing")


def _authenticity_json(result: AuthenticityResult) -> dict[str, Any]:
    """The result as JSON with the first flags, each signal's :data:`SIGNAL_FIELDS` and the number
    of rejected comments; only what is kept is converted."""
    data: dict[str, Any] = {}
    for item in fields(result):
        value = getattr(result, item.name)
        if item.name == "signals":
            data["signals"] = {
                str(name): {k: as_json(getattr(signal, k)) for k in SIGNAL_FIELDS}
                for name, signal in value.items()
            }
        elif item.name == "flags":
            data["flags"] = as_json(value[:MAX_FLAGS_SHOWN])
        elif item.name != "rejected_comments":
            data[item.name] = as_json(value)
    data["rejected_comments"] = len(result.rejected_comments)
    return data


def _authenticity_summary(result: AuthenticityResult) -> AuthenticitySummary:
    return AuthenticitySummary(
        status=result.status,
        score=result.score,
        risk=result.risk,
        confidence=result.confidence,
        evidence=[f"{f.words}: {f.evidence}" for f in result.findings[:MAX_FINDINGS_SHOWN]],
        finding_codes=[f.code for f in result.findings[:MAX_FINDINGS_SHOWN]],
        missing=list(result.missing),
        interval=result.score_interval,
    )


def _score_authenticity(
    account: AccountData, kol: Kol, calibration: Any, calibration_error: str | None
) -> tuple[dict[str, Any], AuthenticitySummary, AuthenticityResult | None]:
    """The authenticity section and its summary for the verdict; unavailable (with the reason)
    without a calibration or when the data defeats the score."""
    result: AuthenticityResult | None = None
    reason = calibration_error or "the authenticity calibration is not installed"
    if calibration is not None:
        try:
            result = score_account(account, calibration=calibration)
        except (ValueError, ArithmeticError) as exc:  # data the score cannot handle: say so, never 500
            log.exception("authenticity scoring failed for KOL %s", kol.id)
            reason = f"the authenticity score could not be computed from this KOL's data ({exc})"
    if result is None:
        unavailable = {"status": "unavailable", "score": None, "risk": None, "reason": reason}
        return unavailable, AuthenticitySummary(status="unavailable", reason=reason), None
    return _authenticity_json(result), _authenticity_summary(result), result


def intent_model_reliability(
    session: Session, workspace_id: int, models: CommentModels
) -> dict[str, IntentReliability]:
    """Per-intent precision and recall of the serving intent model, from its model card's metrics
    (empty when the version is not recorded: the reasons then say its reliability is unknown)."""
    row = get_model_version(session, "intents", models.intents_version, workspace_id=workspace_id)
    return intent_reliability(row.metrics if row is not None else None, models.intents_version)


def _screened_mix(comments: Sequence[Comment], result: AuthenticityResult | None) -> CommentMix:
    """The comment mix over real commenters when authenticity screened the comments, else over all."""
    if result is None:
        return comment_mix(
            ((c.sentiment, intent_flags(c), c.low_effort) for c in comments), total=len(comments)
        )
    rejected = result.rejected_comments
    return screened_comment_mix(
        (
            (c.sentiment, intent_flags(c), c.low_effort, rejected.get(c.platform_comment_id, ()))
            for c in comments
        ),
        total=len(comments),
    )


def _note_kpis(
    workspace: Workspace,
    kol: Kol,
    notes: Sequence[Note],
    snapshots: Sequence[FollowerSnapshot],
    latest: Mapping[int, NoteMetricsSnapshot],
) -> tuple[dict[str, Any], list[BenchmarkCheck], int]:
    """KPIs of the notes with counters (summed, against the KOL's tier now; ``latest``: each note's
    newest metrics snapshot), the engagement-rate benchmark checks for the verdict, and how many
    notes counted."""
    config, warnings = kpi_config_for(workspace)
    followers = FollowerLookup(snapshots, kol.followers)
    # The KOL's tier now (what a booking buys), not the tier each old note happened to fall in.
    tier = kol.tier if kol.tier in config.tiers.names else None
    if tier is None and kol.followers is not None:
        tier = config.tiers.tier_for(kol.followers)
    counted = [n for n in notes if n.liked_count is not None or n.id in latest]
    parts = {
        n.platform_note_id: note_kpi_input(
            n,
            latest.get(n.id),
            followers=followers.at(n.published_at),
            category=kol.category,
            currency=workspace.currency,
            tier=tier,
        )
        for n in counted
    }
    checks: list[BenchmarkCheck] = []
    if parts:
        kpi_result = compute(aggregate(parts, tiers=config.tiers), config)
        kpis = kpi_result.to_dict()
        segment = kpi_result.segment
        for comparison in kpi_result.comparisons.get("engagement_rate_by_followers", []):
            checks.append(
                BenchmarkCheck(
                    metric="engagement_rate_by_followers",
                    value=comparison.value,
                    low=comparison.row.low,
                    high=comparison.row.high,
                    verdict=comparison.verdict,
                    segment=f"{segment.tier} tier" if segment.tier else "all tiers",
                    source=comparison.row.source,
                )
            )
    else:
        kpis = {"schema": "redlens.kpis/1", "metrics": {}, "warnings": ["no notes with counters"]}
    kpis["warnings"] = [*kpis.get("warnings", []), *warnings]
    return kpis, checks, len(parts)


def vet_kol(
    session: Session,
    writer: sessionmaker[Session],
    workspace: Workspace,
    kol: Kol,
    models: CommentModels,
    *,
    calibration: Any = None,
    calibration_error: str | None = None,
    recent_notes: int = RECENT_NOTES,
    thresholds: VettingThresholds = DEFAULT_THRESHOLDS,
    now: datetime | None = None,
    sections: bool = True,
    theme_top: int | None = None,
) -> dict[str, Any]:
    """The vetting report of one KOL (``redlens.vetting/1``) as JSON-ready data.

    Comments the serving model has not analysed are analysed and saved through ``writer``.
    ``sections`` False leaves out the themes, audience and sponsorship sections (``None``), for a
    caller that reads only the verdict, authenticity, comment mix and KPIs (they are the same).
    ``theme_top``: the caller shows only the first ``theme_top`` themes (the others may be left out,
    :func:`models.themes.leading_themes`).

    ``calibration`` is the authenticity calibration (``None``: authenticity is reported as
    unavailable with ``calibration_error``).
    """
    ws = workspace.id
    history = list_notes_for_kol(session, ws, kol.id, limit=max(recent_notes, AUTHENTICITY_NOTES))
    notes = history[:recent_notes]
    note_ids = [n.id for n in notes]
    snapshots = follower_series(session, ws, kol.id)
    series = {n.id: note_metrics_series(session, ws, n.id) for n in history}
    latest = latest_note_metrics(session, ws, note_ids)
    reliability = intent_model_reliability(session, ws, models)
    comments, analysed_now = load_analysed_comments(session, writer, ws, note_ids, models)
    # No database work past this point: the session's connection is back in the pool.
    account, skipped = _account(kol, history, snapshots, series, comments, comment_notes=notes)

    authenticity, summary, result = _score_authenticity(account, kol, calibration, calibration_error)
    mix = _screened_mix(comments, result)
    kept = [c for c in comments if result is None or c.platform_comment_id not in result.rejected_comments]

    kpis, checks, counted = _note_kpis(workspace, kol, notes, snapshots, latest)
    themes = None
    if kept and sections:
        items = theme_comments(kept)
        themes = summarize_themes(items) if theme_top is None else leading_themes(items, theme_top)
    verdict = decide(
        VettingInput(
            authenticity=summary,
            comments=mix,
            n_notes=counted,
            engagement=checks,
            intent_reliability=reliability,
        ),
        thresholds,
    )
    published = [n.published_at for n in notes if n.published_at is not None]
    return {
        "schema": SCHEMA,
        "kol": {
            "id": kol.id,
            "platform_user_id": kol.platform_user_id,
            "nickname": kol.nickname,
            "followers": kol.followers,
            "category": kol.category,
            "tier": kol.tier,
        },
        "verdict": verdict.to_dict(),
        "authenticity": authenticity,
        "comments": mix.to_dict(),
        "kpis": kpis,
        "themes": themes.to_dict() if themes is not None else None,
        "audience": audience_section(
            session, ws, kol, comments, None if result is None else result.rejected_comments
        )
        if sections
        else None,
        "sponsorship": sponsorship_section(session, ws, kol, history, snapshots) if sections else None,
        "window": {
            "recent_notes_limit": recent_notes,
            "notes": len(notes),
            "notes_with_counters": counted,
            "first_note": min(published).isoformat() if published else None,
            "last_note": max(published).isoformat() if published else None,
            "comments": len(comments),
            "comments_analyzed_now": analysed_now,
            "follower_snapshots": len(snapshots),
            "notes_for_authenticity": len(history),
            "left_out_of_authenticity": skipped,
        },
        "model_version": models.version,
        "evaluated_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
