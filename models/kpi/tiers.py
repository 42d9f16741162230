"""XHS KOL tiers by follower count (configurable per workspace).

Default boundaries (lower bound inclusive): nano < 10k, micro 10k-100k, mid 100k-500k,
macro 500k-1M, top / celebrity >= 1M. In Chinese agency usage these are roughly KOC/素人 (nano),
尾部/初级达人 (micro), 腰部 (mid) and 头部 (macro and top).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.kpi.metric import KPIInputError, check_count

__all__ = ["DEFAULT_TIERS", "TIER_NAMES", "Tier", "TierScheme", "tier_for"]


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    min_followers: int
    label: str


@dataclass(frozen=True, slots=True)
class TierScheme:
    """Ordered tiers; a follower count belongs to the last tier whose ``min_followers`` it reaches."""

    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if not self.tiers:
            raise KPIInputError("a tier scheme needs at least one tier")
        if self.tiers[0].min_followers != 0:
            raise KPIInputError(
                f"the first tier ({self.tiers[0].name!r}) must start at 0 followers, "
                f"not {self.tiers[0].min_followers}"
            )
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise KPIInputError(f"tier names must be unique, got {names}")
        for lower, upper in zip(self.tiers, self.tiers[1:], strict=False):
            if upper.min_followers <= lower.min_followers:
                raise KPIInputError(
                    f"tier {upper.name!r} starts at {upper.min_followers} followers, not above "
                    f"{lower.name!r} ({lower.min_followers}): boundaries must increase"
                )

    @classmethod
    def from_bounds(cls, bounds: Sequence[tuple[str, int]]) -> TierScheme:
        """Build from ``[("nano", 0), ("micro", 10_000), ...]`` (a workspace setting)."""
        return cls(tuple(Tier(name, int(low), name) for name, low in bounds))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tiers)

    def tier_for(self, followers: int) -> str:
        count = check_count("followers", followers)
        assert count is not None
        name = self.tiers[0].name
        for tier in self.tiers:
            if count >= tier.min_followers:
                name = tier.name
        return name

    def to_dict(self) -> list[dict[str, object]]:
        return [{"name": t.name, "min_followers": t.min_followers, "label": t.label} for t in self.tiers]


DEFAULT_TIERS = TierScheme(
    (
        Tier("nano", 0, "nano (<10k, KOC)"),
        Tier("micro", 10_000, "micro (10k-100k)"),
        Tier("mid", 100_000, "mid (100k-500k)"),
        Tier("macro", 500_000, "macro (500k-1M)"),
        Tier("top", 1_000_000, "top / celebrity (>=1M)"),
    )
)

TIER_NAMES: tuple[str, ...] = DEFAULT_TIERS.names


def tier_for(followers: int, scheme: TierScheme = DEFAULT_TIERS) -> str:
    """Tier name for a follower count under ``scheme`` (default boundaries above)."""
    return scheme.tier_for(followers)
