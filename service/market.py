"""Audience fit and sponsorship sections of a KOL (issue #14, sections 2 and 3).

* :func:`audience_section`: commenter regions over real commenters (the comments the authenticity
  comment signal keeps), the imported platform fan portrait, the workspace's target profile and the
  fit score (:func:`models.market.audience.fit_score`); :func:`campaign_audience` gives it for each
  KOL of a campaign (over the comments on the campaign's notes) and for the campaign as a whole.
* :func:`sponsorship_section`: the KOL's sponsored notes with their evidence and brands, the
  sponsored-to-organic engagement ratio, and CPM / CPE of the prices the user quoted.

Both are parts of the vetting report (``audience`` and ``sponsorship``) and have routes of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.kpi.tiers import TIER_NAMES, tier_for
from models.market.audience import ProfileCheck, campaign_fit, check_profile, fit_score
from models.market.regions import commenter_regions
from models.market.sponsorship import NoteFacts, detect_sponsorship, engagement_ratio, price_estimate
from service.campaigns import FollowerLookup, screen_kol_comments
from service.errors import InvalidInput
from service.ingest.core import _choose_header
from service.ingest.readers import InputFileError, TableReader
from service.security import Principal
from service.store.market import add_audience_profile, add_quote, latest_audience_profile, latest_quotes
from service.store.repositories import (
    comments_for_notes,
    follower_series,
    latest_note_metrics,
    list_notes_for_kol,
)
from service.store.tables import (
    QUOTE_FORMATS,
    AudienceProfile,
    Campaign,
    Comment,
    FollowerSnapshot,
    Kol,
    Note,
    NoteMetricsSnapshot,
)

RECENT_NOTES = 20
HISTORY_NOTES = 200
MAX_PROFILE_ROWS = 2000
#: Accepted headers of a profile file (English or as 蒲公英 exports name them).
PROFILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dimension": ("dimension", "维度", "类型", "画像维度"),
    "bucket": ("bucket", "分类", "项目", "名称", "标签"),
    "share": ("share", "占比", "比例", "百分比"),
}


def entered_by(principal: Principal) -> tuple[str, str]:
    """Who entered a row (the key's name and prefix) and how (``key`` or ``cookie``)."""
    return f"{principal.key_name} ({principal.key_prefix}…)", principal.via


def profile_json(row: AudienceProfile | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "shares": row.shares,
        "weights": row.weights,
        "source": row.source,
        "entered_by": row.entered_by,
        "entered_via": row.entered_via,
        "entered_at": row.entered_at.isoformat(timespec="seconds"),
    }


def audience_section(
    session: Session,
    workspace_id: int,
    kol: Kol,
    comments: Sequence[Comment],
    rejected: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Regions of real commenters (``rejected``: the comments screened out; ``None`` when they could
    not be screened), the fan portrait, the target and the fit score."""
    kept = sorted(
        (c for c in comments if c.platform_comment_id not in (rejected or {})),
        key=lambda c: c.created_at or datetime.min.replace(tzinfo=UTC),
    )
    regions = commenter_regions(
        (c.commenter_hash or c.commenter_id or f"comment:{c.platform_comment_id}", c.ip_location)
        for c in kept
    )
    portrait = latest_audience_profile(session, workspace_id, "kol", kol.id)
    target = latest_audience_profile(session, workspace_id, "target")
    derived = {"region": {**regions.provinces}, "city_tier": regions.city_tiers} if regions.located else None
    if derived is not None and regions.outside_mainland:
        derived["region"]["outside_mainland"] = regions.outside_mainland
    fit = fit_score(
        target.shares if target else None,
        (target.weights or {}) if target else {},
        portrait.shares if portrait else None,
        derived,
    )
    return {
        "regions": {
            **regions.to_dict(),
            "screened": rejected is not None,
            "screened_out": len(comments) - len(kept),
        },
        "portrait": profile_json(portrait),
        "target": profile_json(target),
        "fit": fit.to_dict(),
    }


def kol_audience(session: Session, workspace_id: int, kol: Kol) -> dict[str, Any]:
    """:func:`audience_section` over the comments of the KOL's recent notes, screened here."""
    notes = list_notes_for_kol(session, workspace_id, kol.id, limit=RECENT_NOTES)
    comments = comments_for_notes(session, workspace_id, [n.id for n in notes])
    return audience_section(
        session, workspace_id, kol, comments, screen_kol_comments(kol.platform_user_id, comments)
    )


def _campaign_kol_fit(kol: Kol, section: Mapping[str, Any], has_target: bool) -> dict[str, Any]:
    fit, regions = section["fit"], section["regions"]
    code = None
    if fit["score"] is None:
        code = "no_data" if has_target else "no_target"
    driver = next((d for d in fit["dimensions"] if d["dimension"] == fit["driver"]), None)
    return {
        "kol_id": kol.platform_user_id,
        "kol_name": kol.nickname or kol.platform_user_id,
        "followers": kol.followers,
        "score": fit["score"],
        "driver": fit["driver"],
        "driver_fit": driver["fit"] if driver else None,
        "dimensions": fit["dimensions"],
        "missing": fit["missing"],
        "reason": fit["reason"],
        "reason_code": code,
        "portrait": section["portrait"] is not None,
        "commenters": regions["commenters"],
        "located": regions["located"],
        "coverage": regions["coverage"],
    }


def campaign_audience(
    session: Session,
    workspace_id: int,
    kols: Sequence[Kol],
    comments_by_kol: Mapping[int, Sequence[Comment]],
    rejected: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Audience fit of each campaign KOL (:func:`audience_section` over the comments of its campaign
    notes, ``rejected`` screened out) and of the campaign (:func:`models.market.audience.campaign_fit`)."""
    target = latest_audience_profile(session, workspace_id, "target")
    rows = [
        _campaign_kol_fit(
            kol,
            audience_section(session, workspace_id, kol, comments_by_kol.get(kol.id, ()), rejected),
            target is not None,
        )
        for kol in kols
    ]
    return {
        "target": profile_json(target),
        "kols": rows,
        "campaign": campaign_fit((r["score"], r["followers"]) for r in rows).to_dict(),
        "comments": "comments on the campaign's notes, real commenters only",
    }


def _facts(note: Note, followers: FollowerLookup, metrics: NoteMetricsSnapshot | None) -> NoteFacts:
    counters = (note.liked_count, note.collected_count, note.comment_count, note.share_count)
    engagements = None if note.liked_count is None else sum(int(v or 0) for v in counters)
    reach = None
    if metrics is not None:
        reach = next((v for v in (metrics.reach, metrics.impressions, metrics.views) if v is not None), None)
    return NoteFacts(
        note_id=note.platform_note_id,
        title=note.title or "",
        description=note.description or "",
        tags=tuple(str(t) for t in note.tags or ()),
        flagged=bool(note.sponsored),
        format="video" if note.type == "video" else "image",
        engagements=engagements,
        followers=followers.at(note.published_at),
        reach=None if reach is None else int(reach),
    )


def _tier(kol: Kol) -> str | None:
    if kol.tier in TIER_NAMES:
        return kol.tier
    return tier_for(kol.followers) if kol.followers is not None else None


def known_brands(session: Session, workspace_id: int) -> list[str]:
    """The brands the workspace named on its campaigns."""
    rows = session.scalars(select(Campaign.brand).where(Campaign.workspace_id == workspace_id).distinct())
    return sorted({b.strip() for b in rows if b and b.strip()})


def sponsorship_section(
    session: Session,
    workspace_id: int,
    kol: Kol,
    notes: Sequence[Note],
    snapshots: Sequence[FollowerSnapshot],
) -> dict[str, Any]:
    """Sponsored notes, the sponsored-to-organic engagement ratio and the quoted prices' CPM / CPE."""
    latest = latest_note_metrics(session, workspace_id, [n.id for n in notes])
    lookup = FollowerLookup(snapshots, kol.followers)
    facts = [_facts(n, lookup, latest.get(n.id)) for n in notes]
    sponsored = detect_sponsorship(facts, known_brands(session, workspace_id))
    ids = {s.note_id for s in sponsored}
    titles = {
        n.platform_note_id: (n.title, n.published_at.isoformat() if n.published_at else None) for n in notes
    }
    brands: dict[str, int] = {}
    for s in sponsored:
        for b in s.brands:
            brands[b] = brands.get(b, 0) + 1
    organic = [f for f in facts if f.note_id not in ids]
    tier = _tier(kol)
    quotes = []
    for fmt, quote in sorted(latest_quotes(session, workspace_id, kol.id).items()):
        estimate = price_estimate(fmt, float(quote.price), quote.currency, organic, tier)
        if quote.currency != "CNY":
            estimate.benchmarks = {"cpm": None, "cpe": None}
            estimate.reasons.append("benchmarks are in CNY; this quote is in " + quote.currency)
        quotes.append(
            {
                **estimate.to_dict(),
                "entered_by": quote.entered_by,
                "entered_at": quote.entered_at.isoformat(timespec="seconds"),
            }
        )
    return {
        "notes": len(facts),
        "sponsored": [
            {
                **s.to_dict(),
                "title": titles[s.note_id][0],
                "published_at": titles[s.note_id][1],
            }
            for s in sponsored
        ],
        "brands": dict(sorted(brands.items(), key=lambda kv: -kv[1])),
        "engagement_ratio": engagement_ratio(facts, ids).to_dict(),
        "tier": tier,
        "quotes": quotes,
    }


def kol_sponsorship(session: Session, workspace_id: int, kol: Kol) -> dict[str, Any]:
    notes = list_notes_for_kol(session, workspace_id, kol.id, limit=HISTORY_NOTES)
    return sponsorship_section(
        session, workspace_id, kol, notes, follower_series(session, workspace_id, kol.id)
    )


def _column(headers: Sequence[str], name: str) -> str:
    wanted = {h.lower() for h in PROFILE_COLUMNS[name]}
    for header in headers:
        if " ".join(str(header).split()).lower() in wanted:
            return header
    raise InputFileError(
        f"the profile file has no {name} column; accepted headers: {', '.join(PROFILE_COLUMNS[name])} "
        f"(found: {', '.join(map(str, headers)) or 'none'})"
    )


def read_profile_file(path: Path) -> ProfileCheck:
    """A fan-portrait file (CSV or XLSX, one row per dimension and bucket: see README) checked
    row by row; raises :class:`InputFileError` when it is not such a table."""
    reader = TableReader(path)
    try:
        reader.open(_choose_header)
        rows: list[tuple[int | str, Any, Any, Any]] = []
        errors: list[str] = []
        columns: tuple[str, str, str] | None = None
        for raw in reader:
            if columns is None:
                columns = (
                    _column(reader.headers, "dimension"),
                    _column(reader.headers, "bucket"),
                    _column(reader.headers, "share"),
                )
            if len(rows) >= MAX_PROFILE_ROWS:
                raise InputFileError(f"a profile has at most {MAX_PROFILE_ROWS} rows")
            if raw.values is None:
                errors.append(f"row {raw.line}: {raw.error}")
                continue
            if not any(str(v or "").strip() for v in raw.values.values()):
                continue
            values = raw.values
            rows.append(
                (f"row {raw.line}", values.get(columns[0]), values.get(columns[1]), values.get(columns[2]))
            )
    finally:
        reader.close()
    if not rows:
        raise InputFileError(f"{path.name}: no profile rows (columns dimension, bucket, share)")
    check = check_profile(rows)
    check.errors[:0] = errors
    return check


def parse_price(raw: Any) -> Decimal:
    """A quoted price: a positive amount below 100,000,000 (``8000``, ``8,000``, ``¥8000``)."""
    text = str(raw or "").strip().replace(",", "").lstrip("¥￥")
    try:
        price = Decimal(text)
    except ArithmeticError:
        raise ValueError(f"price {raw!r} is not a number; write e.g. 8000") from None
    if not price.is_finite() or price <= 0 or price >= Decimal("100000000"):
        raise ValueError(f"price {raw!r} must be more than 0 and less than 100,000,000")
    return price.quantize(Decimal("0.01"))


def save_profile(
    session: Session,
    workspace_id: int,
    who: tuple[str, str],
    check: ProfileCheck,
    *,
    kind: str,
    kol_id: int | None = None,
    weights: Mapping[str, float] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Store the usable dimensions of a checked profile (the row errors come back beside them);
    :class:`InvalidInput` with the row errors when no dimension is usable. ``who``: who entered it
    and how (:func:`entered_by`)."""
    if not check.shares:
        raise InvalidInput(
            "no usable dimension in the profile: " + ("; ".join(check.errors[:5]) or "it is empty"),
            row_errors=check.errors[:50],
        )
    row = add_audience_profile(
        session,
        workspace_id,
        kind=kind,
        kol_id=kol_id,
        shares=check.shares,
        weights=weights,
        source=source,
        entered_by=who[0],
        entered_via=who[1],
    )
    return {"kept": sorted(check.shares), "errors": check.errors, "profile": profile_json(row)}


def save_quote(
    session: Session, workspace_id: int, kol: Kol, fmt: str, price: Any, currency: str, who: tuple[str, str]
) -> None:
    """Store a quoted price (``fmt`` image or video); :class:`InvalidInput` on a bad value."""
    if fmt not in QUOTE_FORMATS:
        raise InvalidInput(f"note format {fmt!r} is not known; use {' or '.join(QUOTE_FORMATS)}")
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput(f"currency {currency!r} must be a 3-letter code such as CNY")
    try:
        amount = parse_price(price)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    add_quote(
        session,
        workspace_id,
        kol.id,
        fmt=fmt,
        price=amount,
        currency=code,
        entered_by=who[0],
        entered_via=who[1],
    )
