"""Engagement-consistency signal.

* Engagement rate (ER) = median over mature recent notes of
  ``(likes + collects + comments + shares) / followers at publication`` (a fraction). It is
  compared with the tier band of :data:`models.authenticity.config.DEFAULT_TIERS`: an ER more
  than ``er_band_tolerance`` times below the band (followers who never engage: bought followers)
  or above it (bought engagement) is flagged, at full strength ``er_band_full`` times outside.
* Bought likes on single notes: a note with ``likes >= 1.5 x`` the account median whose
  saves-per-like and comments-per-like are both far below the account's own medians.
* Account-wide atypical ratios: median saves/like and comments/like below typical XHS ranges.
* Sponsored notes whose interactions are ``sponsored_jump_factor`` or more times the median of
  the account's own non-sponsored notes.
* Creator metrics, when present: more likes than ``max_likes_per_view`` of the views.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np

from models.authenticity.config import EngagementConfig, tier_for
from models.authenticity.data import AccountData, Note, NoteMetricsSnapshot
from models.authenticity.result import Flag, SignalResult, clip01, noisy_or, severity_for

SIGNAL = "engagement"
F_ER_LOW = "engagement.er_low"
F_ER_HIGH = "engagement.er_high"
F_BOUGHT_LIKES = "engagement.bought_likes"
F_RATIOS = "engagement.atypical_ratios"
F_SPONSORED = "engagement.sponsored_jump"
F_METRICS = "engagement.implausible_metrics"
FEATURES: tuple[str, ...] = (F_ER_LOW, F_ER_HIGH, F_BOUGHT_LIKES, F_RATIOS, F_SPONSORED, F_METRICS)


def engagement_signal(
    account: AccountData,
    cfg: EngagementConfig,
    now: datetime,
    followers_at: Callable[[datetime], float | None],
) -> SignalResult:
    """Score engagement consistency. ``followers_at`` gives the follower count at a moment."""
    mature = [
        n
        for n in account.notes
        if now - timedelta(days=cfg.recent_days)
        <= n.published_at
        <= now - timedelta(days=cfg.min_note_age_days)
    ]
    if len(mature) < cfg.min_notes:
        return SignalResult(
            SIGNAL,
            "insufficient_data",
            missing=[
                f"notes: {len(mature)} notes older than {cfg.min_note_age_days:g} days in the last "
                f"{cfg.recent_days} days (need at least {cfg.min_notes})"
            ],
            metrics={"notes": len(mature)},
        )
    mature.sort(key=lambda n: n.published_at)
    flags: list[Flag] = []
    features = dict.fromkeys(FEATURES, 0.0)
    metrics: dict[str, object] = {"notes": len(mature)}
    missing: list[str] = []

    current = account.current_followers()
    rates: list[float] = []
    for n in mature:
        f = followers_at(n.published_at)
        if f is None:
            f = float(current) if current is not None else None
        if f is not None and f > 0:
            rates.append(n.interactions / f)
    if rates and current is not None:
        er = float(np.median(rates))
        tier = tier_for(float(current), cfg.tiers)
        metrics.update(
            {"engagement_rate": round(er, 5), "tier": tier.name, "tier_er_band": [tier.er_low, tier.er_high]}
        )
        low_edge, high_edge = tier.er_low / cfg.er_band_tolerance, tier.er_high * cfg.er_band_tolerance
        span = math.log(cfg.er_band_full / cfg.er_band_tolerance)
        if er < low_edge:
            strength = clip01(math.log(low_edge / max(er, 1e-6)) / span + 0.25)
            features[F_ER_LOW] = strength
            flags.append(
                Flag(
                    "engagement_rate_far_below_tier",
                    SIGNAL,
                    severity_for(strength),
                    strength,
                    f"median engagement rate {er:.2%} over {len(rates)} notes, against {tier.er_low:.1%}-"
                    f"{tier.er_high:.1%} for {tier.name} accounts ({_fmt(current)} followers): "
                    "many followers never engage",
                    F_ER_LOW,
                    {"engagement_rate": round(er, 5), "tier": tier.name, "followers": current},
                )
            )
        elif er > high_edge:
            strength = clip01(math.log(er / high_edge) / span + 0.25)
            features[F_ER_HIGH] = strength
            flags.append(
                Flag(
                    "engagement_rate_far_above_tier",
                    SIGNAL,
                    severity_for(strength),
                    strength,
                    f"median engagement rate {er:.2%} over {len(rates)} notes, against {tier.er_low:.1%}-"
                    f"{tier.er_high:.1%} for {tier.name} accounts ({_fmt(current)} followers)",
                    F_ER_HIGH,
                    {"engagement_rate": round(er, 5), "tier": tier.name, "followers": current},
                )
            )
    else:
        missing.append("follower count (needed for the engagement rate)")

    _ratios(mature, cfg, flags, features, metrics)
    _sponsored(mature, cfg, flags, features)
    _metrics(account.note_metrics, cfg, flags, features)

    coverage = clip01(len(mature) / 10.0) * (1.0 if rates else 0.5)
    return SignalResult(
        SIGNAL, "ok", coverage=coverage, features=features, flags=flags, metrics=metrics, missing=missing
    )


def _fmt(x: float) -> str:
    return f"{round(x):,}"


def _ratios(
    notes: list[Note],
    cfg: EngagementConfig,
    flags: list[Flag],
    features: dict[str, float],
    metrics: dict[str, object],
) -> None:
    usable = [n for n in notes if n.liked_count >= 10]
    if len(usable) < 3:
        return
    likes = np.array([n.liked_count for n in usable], dtype=np.float64)
    saves = np.array([n.collected_count for n in usable], dtype=np.float64) / likes
    comments = np.array([n.comment_count for n in usable], dtype=np.float64) / likes
    med_likes, med_sr, med_cr = float(np.median(likes)), float(np.median(saves)), float(np.median(comments))
    metrics.update({"median_saves_per_like": round(med_sr, 4), "median_comments_per_like": round(med_cr, 4)})

    strengths: list[float] = []
    suspects: list[Note] = []
    if len(usable) >= 4:
        for n, sr, cr in zip(usable, saves, comments, strict=True):
            if n.liked_count < cfg.bought_likes_min_likes_factor * med_likes:
                continue
            if sr > cfg.bought_likes_save_factor * med_sr or cr > cfg.bought_likes_comment_factor * max(
                med_cr, 1e-4
            ):
                continue
            s = clip01(math.log(max(med_sr, 1e-4) / max(float(sr), 1e-4)) / math.log(10.0)) * clip01(
                math.log(n.liked_count / med_likes) / math.log(4.0) + 0.3
            )
            strengths.append(s)
            suspects.append(n)
    if suspects:
        strength = noisy_or(strengths)
        features[F_BOUGHT_LIKES] = strength
        parts = [
            f"note {n.note_id}: {_fmt(n.liked_count)} likes but {_fmt(n.collected_count)} saves "
            f"({n.collected_count / n.liked_count:.1%}) and {_fmt(n.comment_count)} comments "
            f"({n.comment_count / n.liked_count:.1%})"
            for n in suspects[:5]
        ]
        flags.append(
            Flag(
                "likes_without_saves_or_comments",
                SIGNAL,
                severity_for(strength),
                strength,
                "; ".join(parts)
                + f" (account medians: {_fmt(med_likes)} likes, {med_sr:.1%} saves and {med_cr:.1%} comments per like)",
                F_BOUGHT_LIKES,
                {
                    "notes": [
                        {
                            "note_id": n.note_id,
                            "likes": n.liked_count,
                            "saves": n.collected_count,
                            "comments": n.comment_count,
                            "sponsored": n.sponsored,
                        }
                        for n in suspects
                    ],
                    "median_likes": med_likes,
                    "median_saves_per_like": med_sr,
                    "median_comments_per_like": med_cr,
                },
            )
        )

    lo_sr, _ = cfg.typical_saves_per_like
    lo_cr, _ = cfg.typical_comments_per_like
    if med_sr < lo_sr and med_cr < lo_cr:
        strength = clip01(
            0.5 * math.log(lo_sr / max(med_sr, 1e-4)) / math.log(5.0)
            + 0.5 * math.log(lo_cr / max(med_cr, 1e-5)) / math.log(5.0)
        )
        features[F_RATIOS] = strength
        flags.append(
            Flag(
                "atypical_engagement_ratios",
                SIGNAL,
                severity_for(strength),
                strength,
                f"across {len(usable)} notes the median note has {med_sr:.1%} saves and {med_cr:.2%} comments "
                f"per like; typical XHS notes have at least {lo_sr:.0%} and {lo_cr:.1%}: likes look bought",
                F_RATIOS,
                {"median_saves_per_like": med_sr, "median_comments_per_like": med_cr},
            )
        )


def _sponsored(
    notes: list[Note], cfg: EngagementConfig, flags: list[Flag], features: dict[str, float]
) -> None:
    """Sponsored notes far above the KOL's own organic baseline. A jump whose saves and comments
    per like stay in line with the account's medians looks like a genuine hit: reported only."""
    organic = [n for n in notes if not n.sponsored]
    sponsored = [n for n in notes if n.sponsored]
    if len(organic) < 3 or not sponsored:
        return
    base = max(float(np.median([n.interactions for n in organic])), 1.0)
    liked = [n for n in notes if n.liked_count >= 10]
    med_sr = float(np.median([n.collected_count / n.liked_count for n in liked])) if liked else 0.0
    med_cr = float(np.median([n.comment_count / n.liked_count for n in liked])) if liked else 0.0
    span = math.log(cfg.sponsored_full_factor / cfg.sponsored_jump_factor)
    strengths: list[float] = []
    jumps: list[tuple[Note, float, bool]] = []
    for n in sponsored:
        ratio = n.interactions / base
        if ratio < cfg.sponsored_jump_factor:
            continue
        likes = max(n.liked_count, 1)
        # Bought likes come without saves and comments: both far below the account's own ratios.
        hollow = n.collected_count / likes < 0.5 * med_sr and n.comment_count / likes < 0.5 * med_cr
        # A jump with saves and comments in proportion is indistinguishable from a genuine hit:
        # reported, not scored.
        strengths.append(clip01(math.log(ratio / cfg.sponsored_jump_factor) / span + 0.2) if hollow else 0.0)
        jumps.append((n, ratio, hollow))
    if not jumps:
        return
    strength = noisy_or(strengths)
    features[F_SPONSORED] = strength
    text = "; ".join(
        f"sponsored note {n.note_id}: {_fmt(n.interactions)} interactions, {r:.1f}x the median of own "
        f"non-sponsored notes ({_fmt(base)})"
        + (", with few saves or comments per like" if hollow else ", saves and comments in proportion")
        for n, r, hollow in jumps[:5]
    )
    flags.append(
        Flag(
            "sponsored_engagement_jump",
            SIGNAL,
            severity_for(strength),
            strength,
            text,
            F_SPONSORED if strength > 0 else None,
            {
                "notes": [
                    {
                        "note_id": n.note_id,
                        "interactions": n.interactions,
                        "ratio": round(r, 2),
                        "hollow": hollow,
                    }
                    for n, r, hollow in jumps
                ],
                "organic_median": base,
            },
        )
    )


def _metrics(
    snapshots: Sequence[NoteMetricsSnapshot],
    cfg: EngagementConfig,
    flags: list[Flag],
    features: dict[str, float],
) -> None:
    latest: dict[str, NoteMetricsSnapshot] = {}
    for m in snapshots:
        prev = latest.get(m.note_id)
        if prev is None or m.date >= prev.date:
            latest[m.note_id] = m
    strengths: list[float] = []
    bad: list[tuple[str, int, int, str]] = []
    for m in latest.values():
        if m.views is None or m.likes is None or m.views < 100:
            continue
        rate = m.likes / m.views
        if rate > cfg.max_likes_per_view:
            strengths.append(clip01(math.log(rate / cfg.max_likes_per_view) / math.log(3.0) + 0.3))
            bad.append((m.note_id, m.likes, m.views, m.date.isoformat()))
    if not bad:
        return
    strength = noisy_or(strengths)
    features[F_METRICS] = strength
    flags.append(
        Flag(
            "likes_exceed_plausible_views",
            SIGNAL,
            severity_for(strength),
            strength,
            "; ".join(
                f"note {note_id}: {_fmt(likes)} likes from {_fmt(views)} views ({likes / views:.0%}) on {day}"
                for note_id, likes, views, day in bad[:5]
            )
            + f"; organic notes rarely exceed {cfg.max_likes_per_view:.0%}",
            F_METRICS,
            {"notes": [{"note_id": a, "likes": b, "views": c, "date": d} for a, b, c, d in bad]},
        )
    )
