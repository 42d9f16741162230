"""Every threshold of the authenticity score, in one place, with its unit.

The defaults were set by looking at the *tuning* seeds of the simulator (never the evaluation
seed) and at what real XHS accounts look like; :mod:`training.calibrate_authenticity` then fits
only the weights that combine the signals. Pass a modified :class:`AuthenticityConfig` to
:func:`models.authenticity.score_account` to experiment; the calibration card records which
configuration it was measured with.

The tier bands (engagement rate = (likes + collects + comments + shares) / followers, per note,
as a fraction) are those of the one benchmark table, :mod:`models.benchmarks`, with the KPI tier
boundaries of :mod:`models.kpi.tiers`: the vetting's reasons and charts read the same ranges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from models.benchmarks import engagement_band
from models.kpi.tiers import DEFAULT_TIERS as KPI_TIERS


@dataclass(frozen=True, slots=True)
class TierBenchmark:
    """A follower tier and the engagement-rate band that is normal for it (fractions, 0.05 = 5%)."""

    name: str
    min_followers: int
    er_low: float
    er_high: float


def benchmark_tiers() -> tuple[TierBenchmark, ...]:
    """Every KPI tier with its engagement-rate band from :mod:`models.benchmarks`."""
    out = []
    for tier in KPI_TIERS.tiers:
        row = engagement_band(tier.name)
        if row is None:
            raise ValueError(f"the benchmark table has no engagement-rate range for tier {tier.name!r}")
        out.append(
            TierBenchmark(tier.name, tier.min_followers, row.low, row.high if row.high is not None else 1.0)
        )
    return tuple(out)


DEFAULT_TIERS: tuple[TierBenchmark, ...] = benchmark_tiers()


def tier_for(followers: float, tiers: tuple[TierBenchmark, ...] = DEFAULT_TIERS) -> TierBenchmark:
    """The tier whose ``min_followers`` is the largest one not above ``followers``."""
    if not math.isfinite(followers) or followers < 0:
        raise ValueError(f"followers={followers!r} is not a non-negative number")
    chosen = tiers[0]
    for tier in sorted(tiers, key=lambda t: t.min_followers):
        if followers >= tier.min_followers:
            chosen = tier
    return chosen


@dataclass(frozen=True, slots=True)
class GrowthConfig:
    min_snapshots: int = 5
    min_span_days: int = 14
    full_coverage_days: int = 90  # history length that counts as full coverage
    baseline_window_days: int = 21  # rolling median of daily increments (local baseline)
    baseline_window_gaps: float = 5.0  # ... and at least this many median snapshot gaps
    spike_z: float = 5.0  # robust sigma above the local baseline
    merge_z: float = 3.0  # neighbouring intervals above this join a spike event
    spike_min_followers: int = 20
    spike_min_share: float = 0.004  # of the follower count before the spike
    spike_full_share: float = 0.03  # a spike of this share of followers gets full size weight
    noise_floor_share: float = 0.0002  # sigma floor per day, share of followers
    utc_offset_hours: float = 8.0  # snapshot dates are calendar days in China time (XHS)
    support_days_before: int = 2  # a note published this many days before can explain a spike
    surge_lookback_days: int = 7  # ... and a surging note this many (XHS pushes notes again later)
    surge_factor: float = 3.0  # note interactions >= this x the account's median = a surge
    # Follows a note can bring. Real creator-centre exports (shared corpora, 41 notes with 20+
    # interactions): follows per interaction median 0.08, 90th percentile 0.20, 95th 0.22, max
    # 0.45; follows per view median 0.7 %, 95th percentile 2.0 %, max 2.4 %. An ordinary note gets
    # a little above the 95th percentile, a surging one (which reaches people outside the
    # audience) the maximum.
    followers_per_interaction_max: float = 0.25
    viral_followers_per_interaction_max: float = 0.45
    follows_per_view_max: float = 0.025
    metrics_follow_support: float = 0.5  # follows a note's metrics attribute count double (profile visits)
    data_gap_weight: float = 0.35  # weight of a spike whose days have notes missing from the export
    # A rise that builds and fades over many days, with no day carrying most of it, is the footprint
    # of a note's reach (views arrive over days); a delivered batch of followers lands within one or
    # two days. Unexplained by the notes the export holds and with no likes-and-collects counter to
    # check content engagement on those days, such a rise weighs like a data gap.
    spread_min_days: int = 5
    spread_peak_days: int = 2
    spread_max_peak_share: float = 0.5  # share of the excess in the busiest spread_peak_days days
    purge_window_days: int = 42
    purge_min_share: float = 0.2  # share of a spike lost afterwards that counts as a purge
    drop_z: float = 4.0
    drop_min_share: float = 0.003
    step_min_segment_days: int = 10
    step_penalty: float = 3.0  # BIC-like penalty multiplier for binary segmentation
    step_max_changes: int = 4
    step_rate_factor: float = 2.5  # a growth rate this many times the previous one is a step
    step_min_share: float = 0.05  # followers gained above the old rate, share of followers
    step_engagement_factor: float = 1.5  # engagement rising at least this much explains a step
    step_surge_lookback_days: int = 7  # a surging note this many days before a step explains it
    flat_min_growth: float = 0.2  # follower growth over the history (and between the note halves)
    flat_alpha: float = 0.7  # organic interactions per note ~ followers ** alpha (tier table)
    flat_min_z: float = 2.0  # standard errors of shortfall before flagging
    flat_min_notes: int = 6
    ratio_window_days: int = 28
    ratio_lag_days: int = 7  # likes and collects counted from this many days before the window
    ratio_min_gain_share: float = 0.02  # windows gaining less than this share of followers are skipped
    # new followers per new like/collect that organic accounts stay under: the best real note
    # (creator-centre exports, 41 notes) brought 0.45 follows per interaction
    ratio_floor: float = 0.45
    ratio_full: float = 2.0
    following_min_jump: int = 200
    following_min_share: float = 0.25
    following_unfollow_share: float = 0.5


@dataclass(frozen=True, slots=True)
class EngagementConfig:
    tiers: tuple[TierBenchmark, ...] = DEFAULT_TIERS
    min_notes: int = 3
    min_note_age_days: float = 3.0  # younger notes are still accumulating engagement
    recent_days: int = 180
    er_band_tolerance: float = 2.0  # ER within [low / tol, high * tol] is not flagged at all
    er_band_full: float = 8.0  # ER this many times outside the band is a full-strength flag
    bought_likes_min_likes_factor: float = 1.5  # likes >= this x the account median
    bought_likes_save_factor: float = 0.4  # saves/likes <= this x the account median
    bought_likes_comment_factor: float = 0.5  # comments/likes <= this x the account median
    typical_saves_per_like: tuple[float, float] = (0.08, 1.5)
    typical_comments_per_like: tuple[float, float] = (0.006, 0.3)
    sponsored_jump_factor: float = 3.0  # sponsored interactions vs median of own organic notes
    sponsored_full_factor: float = 10.0
    max_likes_per_view: float = 0.35


@dataclass(frozen=True, slots=True)
class CommentConfig:
    min_comments: int = 30
    default_nickname_pattern: str = r"^小红薯[0-9A-Fa-f]{8}$"
    deleted_nicknames: tuple[str, ...] = ("用户已注销", "已注销用户", "该用户已注销")
    spam_phrases: tuple[str, ...] = (
        "私我",
        "私信我",
        "私聊",
        "加v",
        "加微",
        "加我v",
        "vx",
        "威信",
        "互关",
        "互粉",
        "回关",
        "看我主页",
        "来我主页",
        "主页有",
        "点我头像",
        "滴滴我",
        "戳我",
        "有偿",
        "兼职",
        "日结",
        "引流",
    )
    # Per-comment weights, combined by noisy-OR into the comment's suspicion (0-1).
    w_default_nickname: float = 0.45  # with generic praise (0.12) a comment reaches 0.52: likely bot
    w_deleted_account: float = 0.2
    w_low_effort: float = 0.12
    w_spam: float = 0.7
    w_duplicate_coordinated: float = 0.6
    w_duplicate_loose: float = 0.15
    w_machine: float = 0.65  # times the machine-written probability, when above the threshold
    w_burst: float = 0.35
    w_heavy_commenter: float = 0.2
    # Near-duplicates: MinHash over character shingles of the normalised text.
    shingle_size: int = 3
    short_shingle_size: int = 2
    short_text_chars: int = 8
    near_dup_min_chars: int = 4  # shorter texts (in words, stickers and emoji aside) are reactions
    minhash_permutations: int = 64
    minhash_bands: int = 32  # 2 rows per band: pairs at Jaccard 0.5 become candidates 99.99% of the time
    near_dup_jaccard: float = 0.5
    cluster_min_size: int = 3
    coordinated_share: float = 0.5  # cluster members that are default-nickname / burst / spam
    coordinated_span_hours: float = 6.0  # long copies all posted within this span on one note
    machine_threshold: float = 0.5
    burst_window_minutes: float = 10.0
    burst_context_minutes: float = 60.0
    burst_min_comments: int = 8
    burst_factor: float = 4.0
    heavy_commenter_min: int = 6  # top-level comments by one account on this KOL
    pod_note_share: float = 0.5
    pod_min_notes: int = 3
    pod_min_notes_with_comments: int = 5
    pod_min_accounts: int = 3
    pod_full_accounts: int = 12
    pod_min_share: float = 0.04  # of all comments; real KOLs' regulars write 0.6-2.5 %
    pod_full_share: float = 0.15
    pod_early_hours: float = 2.0
    ip_min_known: int = 30
    ip_top_share: float = 0.5
    ip_full_share: float = 0.85
    unknown_ip_values: tuple[str, ...] = ("", "未知", "unknown", "IP属地未知")
    suspicion_floor: float = 0.08  # mean comment suspicion that organic accounts reach
    suspicion_full: float = 0.3
    likely_bot_suspicion: float = 0.5  # a comment this suspicious counts as a likely bot
    likely_bot_floor: float = 0.02  # share of likely-bot comments organic accounts reach
    likely_bot_full: float = 0.2
    low_entropy_bits: float = 0.6  # normalised token entropy below this is reported
    uniform_length_cv: float = 0.35

    def near_duplicate_similarity(self) -> dict[str, Any]:
        """What counts as a near-duplicate (shingle sizes, Jaccard threshold, shortest text): keyword
        arguments of :func:`~models.authenticity.dedup.near_duplicate_groups` and of its exact baseline."""
        return {
            "threshold": self.near_dup_jaccard,
            "k": self.shingle_size,
            "short_k": self.short_shingle_size,
            "short_chars": self.short_text_chars,
            "min_chars": self.near_dup_min_chars,
        }


@dataclass(frozen=True, slots=True)
class IntentConfig:
    min_comments: int = 20
    flag_threshold: float = 0.5
    paid_floor: float = 0.06
    paid_full: float = 0.25
    skeptic_floor: float = 0.15
    skeptic_full: float = 0.45


@dataclass(frozen=True, slots=True)
class AuthenticityConfig:
    growth: GrowthConfig = field(default_factory=GrowthConfig)
    engagement: EngagementConfig = field(default_factory=EngagementConfig)
    comments: CommentConfig = field(default_factory=CommentConfig)
    intents: IntentConfig = field(default_factory=IntentConfig)
    severity_high: float = 0.6  # flag strength at or above which the flag is "high"
    severity_medium: float = 0.3
    min_signals: int = 1  # fewer usable signals than this: no overall score
