"""Audience profiles (蒲公英 fan portrait, a workspace's target) and the fit score between them.

A profile holds, per dimension, the share of the audience in each bucket::

    {"gender": {"female": 0.82, "male": 0.18}, "age": {"18-24": 0.41, ...}, ...}

Dimensions (:data:`DIMENSIONS`): ``gender``, ``age``, ``city_tier`` and ``region`` are
single-choice (the shares of one dimension add up to 100% ± :data:`SUM_TOLERANCE` points);
``interests`` is multi-choice (a fan has several interests: each share is 0-100%, no sum).
Shares are read as percent (``45``, ``45%``) or fraction (``0.45``); one dimension must use one
unit (any value above 1 or written with ``%`` makes the whole dimension percent).

Fit (:func:`fit_score`): per dimension present in both the target and the KOL's audience,
``fit_d = 100 × Σ_b min(p_b, q_b) / Σ_b q_b`` where ``q`` is the target and ``p`` the KOL. For a
single-choice dimension this is ``100 × (1 − total variation distance)``; for interests, the part of
the target's interest mass the KOL's audience covers. The score is the weighted mean of ``fit_d``
(weights from the target, default 1 each); the dimension that drives it is the one with the largest
weighted shortfall ``w_d × (100 − fit_d)``. No target, or no dimension on both sides: ``None`` with
the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from models.market.regions import DERIVED_TIERS, OUTSIDE, normalize_province

SUM_TOLERANCE: Final = 2.0  # percentage points
DIMENSIONS: Final = ("gender", "age", "city_tier", "region", "interests")
MULTI_CHOICE: Final = frozenset({"interests"})
#: Buckets of the fixed dimensions, in display order.
BUCKETS: Final[dict[str, tuple[str, ...]]] = {
    "gender": ("female", "male"),
    "age": ("<18", "18-24", "25-34", "35-44", ">44"),
    "city_tier": ("tier1", "new_tier1", "tier2", "tier3", "tier4", "tier5"),
}
_DIMENSION_ALIASES: Final = {
    "gender": "gender", "性别": "gender", "sex": "gender",
    "age": "age", "年龄": "age", "年龄分布": "age",
    "city_tier": "city_tier", "city tier": "city_tier", "城市等级": "city_tier", "城市分布": "city_tier",
    "城市级别": "city_tier", "tier": "city_tier",
    "region": "region", "province": "region", "省份": "region", "地域": "region", "地域分布": "region",
    "interests": "interests", "interest": "interests", "兴趣": "interests", "兴趣分布": "interests",
}  # fmt: skip
_BUCKET_ALIASES: Final[dict[str, dict[str, str]]] = {
    "gender": {"女": "female", "女性": "female", "f": "female", "男": "male", "男性": "male", "m": "male"},
    "age": {
        "<18": "<18", "18以下": "<18", "18岁以下": "<18", "小于18": "<18", "0-17": "<18",
        "18-24": "18-24", "25-34": "25-34", "35-44": "35-44",
        ">44": ">44", "44以上": ">44", "44岁以上": ">44", "大于44": ">44", "45+": ">44", "45以上": ">44",
    },
    "city_tier": {
        "一线": "tier1", "一线城市": "tier1", "tier 1": "tier1",
        "新一线": "new_tier1", "新一线城市": "new_tier1", "new tier 1": "new_tier1",
        "二线": "tier2", "二线城市": "tier2", "三线": "tier3", "三线城市": "tier3",
        "四线": "tier4", "四线城市": "tier4", "五线": "tier5", "五线城市": "tier5", "五线及以下": "tier5",
    },
}  # fmt: skip
_SHARE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*$")

Shares = dict[str, dict[str, float]]


class ProfileError(ValueError):
    """A profile value RedLens cannot use; the message says what was wrong and what is accepted."""


def dimension_of(raw: Any) -> str:
    text = " ".join(str(raw or "").split()).lower()
    try:
        return _DIMENSION_ALIASES[text]
    except KeyError:
        raise ProfileError(
            f"dimension {raw!r} is not known; use one of {', '.join(DIMENSIONS)} (or 性别, 年龄, 城市等级, 省份, 兴趣)"
        ) from None


def bucket_of(dimension: str, raw: Any) -> str:
    text = " ".join(str(raw or "").split())
    if not text:
        raise ProfileError(f"{dimension}: the bucket is empty")
    if dimension == "region":
        if text in ("海外", "境外", "overseas", OUTSIDE, "港澳台及海外"):
            return OUTSIDE
        province = normalize_province(text)
        if province is None:
            raise ProfileError(
                f"region {text!r} is not a mainland province (or 海外 for outside the mainland)"
            )
        return province
    if dimension == "interests":
        return text[:64]
    key = text.lower().replace("岁", "").replace("～", "-").replace("~", "-").replace("—", "-")
    bucket = _BUCKET_ALIASES[dimension].get(key, key)
    if bucket not in BUCKETS[dimension]:
        raise ProfileError(f"{dimension} bucket {text!r} is not known; use {', '.join(BUCKETS[dimension])}")
    return bucket


def parse_share(raw: Any) -> tuple[float, bool]:
    """The number and whether it was written as a percent (``45%``)."""
    if isinstance(raw, bool):
        raise ProfileError(f"share {raw!r} is not a number")
    if isinstance(raw, int | float):
        value, percent = float(raw), False
    else:
        match = _SHARE.match(str(raw or ""))
        if match is None:
            raise ProfileError(f"share {raw!r} is not a number; write 45, 45% or 0.45")
        value, percent = float(match.group(1)), bool(match.group(2))
    if not 0 <= value <= 100:
        raise ProfileError(f"share {raw!r} must be between 0 and 100 (percent) or 0 and 1 (fraction)")
    return value, percent


@dataclass
class ProfileCheck:
    """The usable dimensions of a profile (fractions) and the problems of the rest."""

    shares: Shares = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _finish_dimension(dimension: str, raw: list[tuple[str, float, bool]], out: ProfileCheck) -> None:
    percent = any(p or v > 1 for _, v, p in raw)
    scale = 100.0 if percent else 1.0
    values: dict[str, float] = {}
    for bucket, value, _ in raw:
        values[bucket] = values.get(bucket, 0.0) + value / scale
    if dimension not in MULTI_CHOICE:
        total = sum(values.values()) * 100
        if abs(total - 100) > SUM_TOLERANCE:
            out.errors.append(
                f"{dimension}: shares add up to {total:.1f}%, expected 100% ± {SUM_TOLERANCE:g} points "
                f"({', '.join(values)}); the dimension was not kept"
            )
            return
    elif any(v > 1 for v in values.values()):
        out.errors.append(f"{dimension}: a bucket appears twice and adds up over 100%; not kept")
        return
    out.shares[dimension] = values


def check_profile(rows: Iterable[tuple[int | str, Any, Any, Any]]) -> ProfileCheck:
    """Validate ``(where, dimension, bucket, share)`` rows; bad rows and dimensions whose shares do
    not add up are reported (``row 4: ...``) and left out, the rest kept."""
    out = ProfileCheck()
    by_dimension: dict[str, list[tuple[str, float, bool]]] = {}
    for where, raw_dimension, raw_bucket, raw_share in rows:
        try:
            dimension = dimension_of(raw_dimension)
            bucket = bucket_of(dimension, raw_bucket)
            value, percent = parse_share(raw_share)
        except ProfileError as exc:
            out.errors.append(f"{where}: {exc}")
            continue
        by_dimension.setdefault(dimension, []).append((bucket, value, percent))
    for dimension, raw in by_dimension.items():
        _finish_dimension(dimension, raw, out)
    return out


def check_mapping(dimensions: Mapping[str, Mapping[str, Any]]) -> ProfileCheck:
    """:func:`check_profile` for the JSON shape ``{dimension: {bucket: share}}``."""
    return check_profile(
        (f"{d}.{b}", d, b, v) for d, buckets in dimensions.items() for b, v in buckets.items()
    )


def check_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for raw, value in weights.items():
        dimension = dimension_of(raw)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
            raise ProfileError(f"weight of {dimension} must be a number from 0 to 10, got {value!r}")
        out[dimension] = float(value)
    return out


def collapse_tiers(shares: Mapping[str, float]) -> dict[str, float]:
    """The platform's six city tiers onto the three a province gives (tier 2 to 5 together)."""
    out = dict.fromkeys(DERIVED_TIERS, 0.0)
    for bucket, value in shares.items():
        out[bucket if bucket in ("tier1", "new_tier1") else "tier2_below"] += value
    return out


@dataclass
class DimensionFit:
    dimension: str
    fit: float
    weight: float
    source: str  # where the KOL's side came from: "platform" (fan portrait) or "commenters"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "fit": round(self.fit, 1),
            "weight": self.weight,
            "source": self.source,
        }


@dataclass
class FitResult:
    score: float | None
    driver: str | None = None
    dimensions: list[DimensionFit] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": None if self.score is None else round(self.score, 1),
            "driver": self.driver,
            "dimensions": [d.to_dict() for d in self.dimensions],
            "missing": self.missing,
            "reason": self.reason,
            "method": "weighted mean over dimensions of 100 × Σ min(kol, target) / Σ target "
            "(= 100 × (1 − total variation distance) for single-choice dimensions)",
        }


def overlap(kol: Mapping[str, float], target: Mapping[str, float]) -> float:
    """``100 × Σ_b min(p_b, q_b) / Σ_b q_b`` (0 when the target is empty)."""
    mass = sum(target.values())
    if mass <= 0:
        return 0.0
    return 100.0 * sum(min(kol.get(b, 0.0), q) for b, q in target.items()) / mass


def fit_score(
    target: Shares | None,
    weights: Mapping[str, float],
    platform: Shares | None,
    commenters: Shares | None,
) -> FitResult:
    """The fit of a KOL's audience to the target (see the module docstring).

    ``platform`` is the imported fan portrait; ``commenters`` what the commenters' ip_location
    gives (``region`` and three-bucket ``city_tier``); the portrait wins where both have a dimension.
    """
    if not target:
        return FitResult(None, reason="the workspace has no target audience profile yet")
    fits: list[DimensionFit] = []
    missing: list[str] = []
    for dimension, wanted in target.items():
        weight = float(weights.get(dimension, 1.0))
        if weight <= 0:
            continue
        if platform and dimension in platform:
            fits.append(DimensionFit(dimension, overlap(platform[dimension], wanted), weight, "platform"))
        elif commenters and commenters.get(dimension):
            ours = commenters[dimension]
            goal = collapse_tiers(wanted) if dimension == "city_tier" else wanted
            fits.append(DimensionFit(dimension, overlap(ours, goal), weight, "commenters"))
        else:
            missing.append(dimension)
    if not fits:
        return FitResult(
            None,
            missing=missing,
            reason="no audience data for the target's dimensions ("
            + ", ".join(missing)
            + "): import the KOL's fan portrait or collect comments with ip_location",
        )
    total = sum(f.weight for f in fits)
    score = sum(f.fit * f.weight for f in fits) / total
    driver = max(fits, key=lambda f: f.weight * (100.0 - f.fit)).dimension
    return FitResult(score, driver, fits, missing)


@dataclass
class CampaignFit:
    """The fit of a campaign's KOLs taken together: the mean of the KOLs that have a score."""

    score: float | None
    weighting: str  # "followers" or "equal"
    kols_with_data: int
    kols: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": None if self.score is None else round(self.score, 1),
            "weighting": self.weighting,
            "kols_with_data": self.kols_with_data,
            "kols": self.kols,
            "reason": self.reason,
            "method": "mean of the KOLs' fit scores weighted by their followers "
            "(equal weights when a scored KOL has no follower count); KOLs without a score are left out",
        }


def campaign_fit(kols: Iterable[tuple[float | None, int | None]]) -> CampaignFit:
    """Follower-weighted mean of ``(fit score, followers)`` over the KOLs that have a score.

    A KOL whose follower count is unknown would silently weigh nothing, so then every scored KOL
    weighs the same (``weighting="equal"``); ``None`` with the reason when no KOL has a score.
    """
    rows = list(kols)
    scored = [(s, f) for s, f in rows if s is not None]
    if not scored:
        reason = "no KOL of the campaign has a fit score" if rows else "the campaign has no KOLs"
        return CampaignFit(None, "equal", 0, len(rows), reason)
    if all(f is not None and f > 0 for _, f in scored):
        total = sum(float(f or 0) for _, f in scored)
        score = sum(s * float(f or 0) for s, f in scored) / total
        return CampaignFit(score, "followers", len(scored), len(rows))
    return CampaignFit(sum(s for s, _ in scored) / len(scored), "equal", len(scored), len(rows))
