"""Comment diversity and commenter signal.

Each comment gets per-comment flags, combined by noisy-OR into its *suspicion*
``s = 1 - prod(1 - w_flag)`` with the weights of :class:`~models.authenticity.config.CommentConfig`:

* ``default_nickname``: nickname is XHS's auto-assigned 小红薯 + 8 hex characters;
* ``deleted_account``: 用户已注销;
* ``low_effort``: :func:`models.low_effort.is_low_effort`;
* ``spam``: a traffic-pulling phrase (私我, 加v, 互关, 看我主页 ...);
* ``duplicate``: member of a group of ``cluster_min_size`` or more identical or near-identical
  comments (MinHash, see :mod:`models.authenticity.dedup`) that say something in words: replies
  made of stickers, emoji, a mention, generic praise or fewer than ``near_dup_min_chars``
  characters (第一, 哈哈哈, [哭惹R], 太厉害了) repeat in every real comment section and are not copies. The group is
  *coordinated* (higher weight) when at least half its members also carry a default nickname,
  spam, a burst or a machine-written flag, or when long texts (12+ characters) were all posted on
  one note within ``coordinated_span_hours``; fans copying a greeting over days are not. Other
  groups (a giveaway's 想要想要) weigh little;
* ``machine``: the machine-written model's probability is at least its threshold
  (weight ``w_machine * p``);
* ``burst``: the comment belongs to a window of ``burst_window_minutes`` holding at least
  ``burst_min_comments`` comments on one note and ``burst_factor`` times more than the same
  note's rate in the surrounding ``burst_context_minutes``;
* ``heavy_commenter``: its author wrote ``heavy_commenter_min`` or more top-level comments.

The scored features are: the mean suspicion (``comments.suspicion``, full strength between
``suspicion_floor`` and ``suspicion_full``), the share of comments whose own suspicion reaches
``likely_bot_suspicion`` (``comments.likely_bot_share``: two or more flags together, spam, or a
coordinated duplicate; organic accounts have almost none), the engagement pod (``comments.pod``: accounts that
comment on at least half of the notes and together write at least ``pod_min_share`` of the
comments; loyal fans of a popular KOL do the first, not the second) and IP-location concentration (``comments.ip_concentration``). Distinct ratio, lexical
entropy, top-5 commenter share and length uniformity are reported for context.

Monotonicity: thresholds are absolute counts, so adding comments can only add flags to existing
comments; a comment whose own suspicion is at least the current mean and at least
``likely_bot_suspicion`` (any bot comment with two of the flags above) therefore never lowers the
mean suspicion nor the likely-bot share.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from models.authenticity.config import CommentConfig
from models.authenticity.data import AccountData, Comment, Note, to_seconds
from models.authenticity.dedup import content_text, near_duplicate_groups
from models.authenticity.machine_text import MachineTextModel
from models.authenticity.result import Flag, SignalResult, clip01, severity_for
from models.low_effort import is_low_effort_normalized
from models.text import normalize, tokenize

SIGNAL = "comments"
F_SUSPICION = "comments.suspicion"
F_POD = "comments.pod"
F_IP = "comments.ip_concentration"
F_BOT_SHARE = "comments.likely_bot_share"
FEATURES: tuple[str, ...] = (F_SUSPICION, F_BOT_SHARE, F_POD, F_IP)

PER_COMMENT_FLAGS: tuple[str, ...] = (
    "default_nickname",
    "deleted_account",
    "low_effort",
    "spam",
    "duplicate",
    "machine",
    "burst",
    "heavy_commenter",
)

# Typical organic share of comments with each flag, and the share reported at full strength.
# These only grade the reported evidence flags; the score uses the mean suspicion.
_REPORT_SCALE: dict[str, tuple[float, float]] = {
    "default_nickname": (0.04, 0.3),
    "deleted_account": (0.02, 0.15),
    "low_effort": (0.3, 0.7),
    "spam": (0.01, 0.1),
    "duplicate": (0.02, 0.3),
    "machine": (0.04, 0.3),
    "burst": (0.03, 0.3),
    "heavy_commenter": (0.1, 0.5),
}


@dataclass(slots=True)
class CommentAnalysis:
    """Per-comment results, in the order of ``comments``."""

    comments: list[Comment]
    normalized: list[str]
    suspicion: NDArray[np.float64]
    machine_proba: NDArray[np.float64]
    flags: list[set[str]]
    clusters: list[dict[str, object]] = field(default_factory=list)
    bursts: list[dict[str, object]] = field(default_factory=list)

    def suspicion_by_id(self) -> dict[str, float]:
        return {c.comment_id: float(s) for c, s in zip(self.comments, self.suspicion, strict=True)}


def analyze_comments(
    account: AccountData, cfg: CommentConfig, machine: MachineTextModel | None
) -> CommentAnalysis:
    """Compute every per-comment flag and the suspicion of each comment (author replies skipped)."""
    comments = [
        c for c in account.comments if not (account.kol_user_id and c.commenter_id == account.kol_user_id)
    ]
    n = len(comments)
    norms = [normalize(c.text) for c in comments]
    flags: list[set[str]] = [set() for _ in range(n)]
    if n == 0:
        empty = np.zeros(0, dtype=np.float64)
        return CommentAnalysis([], [], empty, empty, [])
    default_re = re.compile(cfg.default_nickname_pattern)
    deleted = set(cfg.deleted_nicknames)
    spam = tuple(p.lower() for p in cfg.spam_phrases)
    for i, (c, norm) in enumerate(zip(comments, norms, strict=True)):
        nick = (c.nickname or "").strip()
        if default_re.match(nick):
            flags[i].add("default_nickname")
        if nick in deleted:
            flags[i].add("deleted_account")
        if is_low_effort_normalized(norm):
            flags[i].add("low_effort")
        if any(p in norm for p in spam):
            flags[i].add("spam")

    machine_proba = machine.predict_proba_normalized(norms) if machine is not None else np.zeros(n)
    threshold = machine.threshold if machine is not None else 1.0
    for k in np.flatnonzero(machine_proba >= threshold):
        flags[int(k)].add("machine")

    published = {note.note_id: to_seconds(note.published_at) for note in account.notes}
    bursts = _bursts(comments, published, {note.note_id: note for note in account.notes}, flags, cfg)

    top_level = Counter(c.commenter_id for c in comments if c.parent_comment_id is None)
    for i, c in enumerate(comments):
        if c.parent_comment_id is None and top_level[c.commenter_id] >= cfg.heavy_commenter_min:
            flags[i].add("heavy_commenter")

    clusters = _clusters(comments, norms, flags, cfg)

    weights = {
        "default_nickname": cfg.w_default_nickname,
        "deleted_account": cfg.w_deleted_account,
        "low_effort": cfg.w_low_effort,
        "spam": cfg.w_spam,
        "burst": cfg.w_burst,
        "heavy_commenter": cfg.w_heavy_commenter,
    }
    suspicion = np.empty(n, dtype=np.float64)
    for i in range(n):
        keep = 1.0
        for name in flags[i]:
            if name in weights:
                keep *= 1.0 - weights[name]
            elif name == "machine":
                keep *= 1.0 - cfg.w_machine * float(machine_proba[i])
        if "duplicate_coordinated" in flags[i]:
            keep *= 1.0 - cfg.w_duplicate_coordinated
        elif "duplicate" in flags[i]:
            keep *= 1.0 - cfg.w_duplicate_loose
        suspicion[i] = 1.0 - keep
    return CommentAnalysis(comments, norms, suspicion, machine_proba, flags, clusters, bursts)


REJECTION_REASONS: tuple[str, ...] = ("likely_bot", "coordinated_copy", "spam")


def rejected_comments(analysis: CommentAnalysis, cfg: CommentConfig) -> dict[str, tuple[str, ...]]:
    """Comments the comment signal rejects as not from a real commenter, with the reasons:
    ``likely_bot`` (suspicion at least ``likely_bot_suspicion``), ``coordinated_copy`` (member of a
    coordinated duplicate group) and ``spam`` (a traffic-pulling phrase)."""
    out: dict[str, tuple[str, ...]] = {}
    for c, s, flags in zip(analysis.comments, analysis.suspicion, analysis.flags, strict=True):
        reasons = []
        if s >= cfg.likely_bot_suspicion:
            reasons.append("likely_bot")
        if "duplicate_coordinated" in flags:
            reasons.append("coordinated_copy")
        if "spam" in flags:
            reasons.append("spam")
        if reasons:
            out[c.comment_id] = tuple(reasons)
    return out


def _bursts(
    comments: list[Comment],
    published: Mapping[str, float],
    notes: Mapping[str, Note],
    flags: list[set[str]],
    cfg: CommentConfig,
) -> list[dict[str, object]]:
    by_note: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(comments):
        by_note[c.note_id].append(i)
    window = cfg.burst_window_minutes * 60.0
    context = cfg.burst_context_minutes * 60.0
    found: list[dict[str, object]] = []
    for note_id, idx in by_note.items():
        if len(idx) < cfg.burst_min_comments:
            continue
        times = np.array([to_seconds(comments[i].created_at) for i in idx])
        order = np.argsort(times, kind="stable")
        t = times[order]
        ends = np.searchsorted(t, t + window, side="left")
        count = ends - np.arange(t.shape[0])
        ctx_lo = np.searchsorted(t, t - context, side="left")
        ctx_hi = np.searchsorted(t, t + window + context, side="left")
        outside = (ctx_hi - ctx_lo) - count
        expected = outside * window / (2.0 * context)
        hot = (count >= cfg.burst_min_comments) & (count >= cfg.burst_factor * expected + cfg.burst_factor)
        marked = np.zeros(t.shape[0], dtype=bool)
        k = 0
        while k < t.shape[0]:
            if not hot[k]:
                k += 1
                continue
            lo, hi = k, int(ends[k])
            # extend over overlapping hot windows
            j = k + 1
            while j < hi:
                if hot[j]:
                    hi = max(hi, int(ends[j]))
                j += 1
            marked[lo:hi] = True
            members = [idx[int(order[m])] for m in range(lo, hi)]
            start = float(t[lo])
            after = (start - published[note_id]) / 60.0 if note_id in published else None
            found.append(
                {
                    "note_id": note_id,
                    "start": comments[members[0]].created_at.isoformat(timespec="minutes"),
                    "comments": len(members),
                    "minutes": round((float(t[hi - 1]) - start) / 60.0, 1),
                    "minutes_after_posting": None if after is None else round(after, 1),
                    "default_nicknames": sum(1 for m in members if "default_nickname" in flags[m]),
                    "comment_ids": [comments[m].comment_id for m in members[:20]],
                    "note_comment_count": notes[note_id].comment_count if note_id in notes else None,
                }
            )
            k = hi
        for m in np.flatnonzero(marked):
            flags[idx[int(order[int(m)])]].add("burst")
    return found


def _clusters(
    comments: list[Comment], norms: list[str], flags: list[set[str]], cfg: CommentConfig
) -> list[dict[str, object]]:
    # Reactions (stickers, emoji, a mention, a word or two: 第一, 哈哈哈, 好美) repeat in every real
    # comment section; only texts that say something count as copies of each other.
    keys = [
        k if len(k) >= cfg.near_dup_min_chars and "low_effort" not in f else ""
        for k, f in zip((content_text(n) for n in norms), flags, strict=True)
    ]
    unique = sorted({k for k in keys if k})
    position = {k: i for i, k in enumerate(unique)}
    groups = near_duplicate_groups(
        unique, num_perm=cfg.minhash_permutations, bands=cfg.minhash_bands, **cfg.near_duplicate_similarity()
    )
    group_of: dict[int, int] = {}
    for g, members in enumerate(groups):
        for u in members:
            group_of[u] = g
    cluster_members: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if not key:
            continue
        u = position[key]
        gid = ("near", group_of[u]) if u in group_of else ("exact", u)
        cluster_members[gid].append(i)
    out: list[dict[str, object]] = []
    marker = {"default_nickname", "spam", "burst", "machine"}
    for members in cluster_members.values():
        if len(members) < cfg.cluster_min_size:
            continue
        authors = {comments[i].commenter_id for i in members}
        if len(authors) < 2:
            continue  # one person repeating themselves is the heavy-commenter flag's business
        marked = sum(1 for i in members if flags[i] & marker) / len(members)
        coordinated = marked >= cfg.coordinated_share or _tight(comments, members, keys, cfg)
        for i in members:
            flags[i].add("duplicate")
            if coordinated:
                flags[i].add("duplicate_coordinated")
        out.append(
            {
                "size": len(members),
                "accounts": len(authors),
                "coordinated": coordinated,
                "marked_share": round(marked, 3),
                "notes": len({comments[i].note_id for i in members}),
                "comments": [
                    {
                        "comment_id": comments[i].comment_id,
                        "text": comments[i].text,
                        "commenter_id": comments[i].commenter_id,
                    }
                    for i in members[:12]
                ],
            }
        )
    out.sort(key=lambda c: (not c["coordinated"], -int(str(c["size"]))))
    return out


def _tight(comments: list[Comment], members: list[int], keys: list[str], cfg: CommentConfig) -> bool:
    """Long copies posted together: the whole group on one note within ``coordinated_span_hours``.
    Fans copying a greeting (队形) spread over days; a comment farm posts its batch at once."""
    if float(np.mean([len(keys[i]) for i in members])) < 12:
        return False
    if len({comments[i].note_id for i in members}) > 1:
        return False
    times = [to_seconds(comments[i].created_at) for i in members]
    return (max(times) - min(times)) / 3600.0 <= cfg.coordinated_span_hours


def comment_signal(account: AccountData, analysis: CommentAnalysis, cfg: CommentConfig) -> SignalResult:
    """Score the comments from a :class:`CommentAnalysis` of the same account."""
    n = len(analysis.comments)
    collected = None if account.comment_notes is None else set(account.comment_notes)
    total_count = sum(n.comment_count for n in account.notes if collected is None or n.note_id in collected)
    if n < cfg.min_comments:
        return SignalResult(
            SIGNAL,
            "insufficient_data",
            missing=[f"comments: {n} collected (need at least {cfg.min_comments})"],
            metrics={"comments": n, "comment_count_total": total_count},
        )
    comments = analysis.comments
    flags: list[Flag] = []
    features = dict.fromkeys(FEATURES, 0.0)
    shares = {name: sum(1 for f in analysis.flags if name in f) / n for name in PER_COMMENT_FLAGS}
    mean_s = float(analysis.suspicion.mean())
    strength = clip01((mean_s - cfg.suspicion_floor) / (cfg.suspicion_full - cfg.suspicion_floor))
    features[F_SUSPICION] = strength
    breakdown = ", ".join(
        f"{name.replace('_', ' ')} {shares[name]:.0%}" for name in PER_COMMENT_FLAGS if shares[name] > 0
    )
    flags.append(
        Flag(
            "comment_suspicion",
            SIGNAL,
            severity_for(strength),
            strength,
            f"mean suspicion {mean_s:.2f} over {n:,} comments (organic accounts stay below about "
            f"{cfg.suspicion_floor:.2f}); flagged shares: {breakdown or 'none'}",
            F_SUSPICION,
            {"mean_suspicion": round(mean_s, 4), "shares": {k: round(v, 4) for k, v in shares.items()}},
        )
    )
    likely = analysis.suspicion >= cfg.likely_bot_suspicion
    bot_share = float(likely.mean())
    bot_strength = clip01((bot_share - cfg.likely_bot_floor) / (cfg.likely_bot_full - cfg.likely_bot_floor))
    features[F_BOT_SHARE] = bot_strength
    if bot_share > 0:
        top = np.argsort(-analysis.suspicion)[: min(5, int(likely.sum()))]
        flags.append(
            Flag(
                "likely_bot_comments",
                SIGNAL,
                severity_for(bot_strength),
                bot_strength,
                f"{int(likely.sum()):,} of {n:,} comments ({bot_share:.1%}) carry enough flags together to look "
                f"bought (suspicion >= {cfg.likely_bot_suspicion}), e.g. "
                + "; ".join(
                    f"{_quote(comments[int(i)])} by {comments[int(i)].nickname or comments[int(i)].commenter_id} "
                    f"[{', '.join(sorted(f for f in analysis.flags[int(i)] if f in PER_COMMENT_FLAGS))}]"
                    for i in top
                ),
                F_BOT_SHARE,
                {
                    "count": int(likely.sum()),
                    "share": round(bot_share, 4),
                    "comment_ids": [comments[int(i)].comment_id for i in np.flatnonzero(likely)[:100]],
                },
            )
        )
    _component_flags(analysis, shares, flags)

    pod_flag = _pod(account, comments, cfg)
    if pod_flag is not None:
        flags.append(pod_flag)
        features[F_POD] = pod_flag.strength
    ip_flag, ip_metrics = _ip(comments, cfg)
    if ip_flag is not None:
        flags.append(ip_flag)
        features[F_IP] = ip_flag.strength

    metrics: dict[str, object] = {
        "comments": n,
        "comment_count_total": total_count,
        "mean_suspicion": round(mean_s, 4),
        "likely_bot_share": round(bot_share, 4),
        **{f"share_{k}": round(v, 4) for k, v in shares.items()},
        **ip_metrics,
    }
    metrics.update(_diversity(analysis, flags, cfg))
    sample = clip01(n / 300.0)
    completeness = clip01(n / total_count) if total_count > 0 else 0.5
    coverage = sample * (0.5 + 0.5 * completeness)
    return SignalResult(SIGNAL, "ok", coverage=coverage, features=features, flags=flags, metrics=metrics)


def _quote(c: Comment) -> str:
    text = c.text if len(c.text) <= 40 else c.text[:39] + "…"
    return f"“{text}” ({c.comment_id})"


def _component_flags(analysis: CommentAnalysis, shares: Mapping[str, float], flags: list[Flag]) -> None:
    comments, n = analysis.comments, len(analysis.comments)
    for name in PER_COMMENT_FLAGS:
        if name == "duplicate":
            continue
        share = shares[name]
        typical, full = _REPORT_SCALE[name]
        if share <= typical:
            continue
        strength = clip01((share - typical) / (full - typical))
        idx = [i for i, f in enumerate(analysis.flags) if name in f]
        count = len(idx)
        examples = idx[:5]
        text = f"{count:,} of {n:,} comments ({share:.0%}, typical up to {typical:.0%})"
        details: dict[str, object] = {
            "count": count,
            "share": round(share, 4),
            "comment_ids": [comments[i].comment_id for i in idx[:50]],
        }
        if name == "default_nickname":
            text += " come from accounts with a default 小红薯 + 8 hex nickname, e.g. " + ", ".join(
                f"{comments[i].nickname} ({comments[i].comment_id})" for i in examples[:3]
            )
        elif name == "deleted_account":
            text += " come from deleted accounts (用户已注销)"
        elif name == "low_effort":
            text += " are emoji-only or generic praise, e.g. " + "; ".join(
                _quote(comments[i]) for i in examples[:3]
            )
        elif name == "spam":
            text += " pull traffic (私我 / 加v / 互关 / 看我主页 ...), e.g. " + "; ".join(
                _quote(comments[i]) for i in examples[:3]
            )
        elif name == "machine":
            top = sorted(idx, key=lambda i: -analysis.machine_proba[i])[:3]
            text += " read as machine-written, e.g. " + "; ".join(
                f"{_quote(comments[i])} p={analysis.machine_proba[i]:.2f}" for i in top
            )
        elif name == "burst":
            parts = [
                f"note {b['note_id']}: {b['comments']} comments within {b['minutes']} min from {b['start']}"
                + (
                    f", {b['minutes_after_posting']} min after posting"
                    if b["minutes_after_posting"] is not None
                    else ""
                )
                + f", {b['default_nicknames']} from default nicknames"
                for b in analysis.bursts[:3]
            ]
            text += " arrived in bursts: " + "; ".join(parts)
            details["bursts"] = analysis.bursts
        elif name == "heavy_commenter":
            counts = Counter(comments[i].commenter_id for i in idx)
            text += " come from accounts with many top-level comments: " + ", ".join(
                f"{a} ({k})" for a, k in counts.most_common(5)
            )
        flags.append(Flag(f"{name}_comments", SIGNAL, severity_for(strength), strength, text, None, details))

    dup_share = shares["duplicate"]
    coordinated = [c for c in analysis.clusters if c["coordinated"]]
    if analysis.clusters:
        coord_share = sum(int(str(c["size"])) for c in coordinated) / n
        # Real popular sections (six KOLs, 80k comments) copy greetings and catchphrases in up to
        # 19 % of their comments and hold a few coordinated copies (a spam template) per thousand.
        excess = (coord_share - 0.01) / 0.2 if coordinated else (dup_share - 0.25) / 0.4
        strength = clip01(excess)
        parts = []
        for c in analysis.clusters[:5]:
            members = c["comments"]
            assert isinstance(members, list)
            shown = ", ".join(f"“{m['text']}” ({m['comment_id']})" for m in members[:4])
            more = f" and {int(str(c['size'])) - 4} more" if int(str(c["size"])) > 4 else ""
            kind = "coordinated" if c["coordinated"] else "loose"
            parts.append(
                f"{c['size']} near-identical comments from {c['accounts']} accounts ({kind}): {shown}{more}"
            )
        flags.append(
            Flag(
                "duplicate_comments",
                SIGNAL,
                severity_for(strength),
                strength,
                f"{dup_share:.0%} of comments are in duplicate groups; " + "; ".join(parts),
                None,
                {"share": round(dup_share, 4), "clusters": analysis.clusters[:20]},
            )
        )


def _pod(account: AccountData, comments: list[Comment], cfg: CommentConfig) -> Flag | None:
    notes_by_author: dict[str, set[str]] = defaultdict(set)
    for c in comments:
        notes_by_author[c.commenter_id].add(c.note_id)
    with_comments = {c.note_id for c in comments}
    m = len(with_comments)
    if m < cfg.pod_min_notes_with_comments:
        return None
    need = max(cfg.pod_min_notes, math.ceil(cfg.pod_note_share * m))
    members = sorted(
        (a for a, ns in notes_by_author.items() if len(ns) >= need), key=lambda a: -len(notes_by_author[a])
    )
    if len(members) < cfg.pod_min_accounts:
        return None
    published = {n.note_id: to_seconds(n.published_at) for n in account.notes}
    member_set = set(members)
    delays = [
        (to_seconds(c.created_at) - published[c.note_id]) / 3600.0
        for c in comments
        if c.commenter_id in member_set and c.note_id in published
    ]
    median_delay = float(np.median(delays)) if delays else None
    early = median_delay is not None and median_delay <= cfg.pod_early_hours
    # Loyal fans of a popular KOL comment on most notes too, but write a sliver of its comments
    # (0.6-2.5 % on six real KOLs' sections); a pod writes a large share of a small account's.
    share = sum(1 for c in comments if c.commenter_id in member_set) / len(comments)
    if share < cfg.pod_min_share:
        return None
    size = clip01(
        (len(members) - cfg.pod_min_accounts + 1) / (cfg.pod_full_accounts - cfg.pod_min_accounts + 1)
    )
    weight = clip01((share - cfg.pod_min_share) / (cfg.pod_full_share - cfg.pod_min_share) + 0.25)
    strength = size * weight * (1.0 if early else 0.6)
    delay_text = f", median {median_delay:.1f} h after posting" if median_delay is not None else ""
    return Flag(
        "engagement_pod",
        SIGNAL,
        severity_for(strength),
        strength,
        f"{len(members)} accounts commented on at least {need} of the {m} notes with comments and wrote "
        f"{share:.0%} of all comments{delay_text}: "
        + ", ".join(f"{a} ({len(notes_by_author[a])} notes)" for a in members[:8]),
        F_POD,
        {
            "accounts": [{"commenter_id": a, "notes": len(notes_by_author[a])} for a in members],
            "notes_with_comments": m,
            "min_notes": need,
            "share_of_comments": round(share, 4),
            "median_delay_hours": None if median_delay is None else round(median_delay, 2),
        },
    )


def _ip(comments: list[Comment], cfg: CommentConfig) -> tuple[Flag | None, dict[str, object]]:
    unknown = set(cfg.unknown_ip_values)
    known = [
        c.ip_location.strip() for c in comments if c.ip_location and c.ip_location.strip() not in unknown
    ]
    metrics: dict[str, object] = {"ip_known": len(known)}
    if len(known) < cfg.ip_min_known:
        return None, metrics
    counts = Counter(known)
    top, top_n = counts.most_common(1)[0]
    share = top_n / len(known)
    hhi = sum((k / len(known)) ** 2 for k in counts.values())
    metrics.update({"ip_top_location": top, "ip_top_share": round(share, 4), "ip_hhi": round(hhi, 4)})
    if share < cfg.ip_top_share:
        return None, metrics
    strength = clip01((share - cfg.ip_top_share) / (cfg.ip_full_share - cfg.ip_top_share) + 0.2)
    return (
        Flag(
            "ip_location_concentration",
            SIGNAL,
            severity_for(strength),
            strength,
            f"{share:.0%} of the {len(known):,} comments with a known IP location come from {top} "
            f"(next: {', '.join(f'{loc} {k}' for loc, k in counts.most_common(4)[1:]) or 'none'})",
            F_IP,
            {
                "top_location": top,
                "share": round(share, 4),
                "known": len(known),
                "counts": dict(counts.most_common(10)),
            },
        ),
        metrics,
    )


def _diversity(analysis: CommentAnalysis, flags: list[Flag], cfg: CommentConfig) -> dict[str, object]:
    comments, norms = analysis.comments, analysis.normalized
    n = len(comments)
    distinct = len(set(norms)) / n
    tokens: list[str] = []
    for norm in norms:
        tokens.extend(t for t in tokenize(norm) if any(ch.isalnum() for ch in t))
    entropy_bits = 0.0
    normalized_entropy = None
    if tokens:
        counts = np.array(list(Counter(tokens).values()), dtype=np.float64)
        p = counts / counts.sum()
        entropy_bits = float(-(p * np.log2(p)).sum())
        if len(tokens) > 1:
            normalized_entropy = entropy_bits / math.log2(len(tokens))
    authors = Counter(c.commenter_id for c in comments)
    top5 = sum(k for _, k in authors.most_common(5)) / n
    lengths = np.array([len(x) for x in norms], dtype=np.float64)
    cv = float(lengths.std() / lengths.mean()) if lengths.mean() > 0 else 0.0
    if normalized_entropy is not None and normalized_entropy < cfg.low_entropy_bits and n >= 50:
        flags.append(
            Flag(
                "low_lexical_entropy",
                SIGNAL,
                "info",
                0.0,
                f"word entropy {entropy_bits:.1f} bits over {len(tokens):,} words ({normalized_entropy:.2f} of the "
                "maximum): the comments reuse few words",
                None,
                {"entropy_bits": round(entropy_bits, 3), "normalized": round(normalized_entropy, 3)},
            )
        )
    if cv < cfg.uniform_length_cv and n >= 50:
        flags.append(
            Flag(
                "uniform_comment_length",
                SIGNAL,
                "info",
                0.0,
                f"comment lengths vary little (mean {lengths.mean():.0f} characters, coefficient of variation "
                f"{cv:.2f}; real comment sections are usually above 0.8)",
                None,
                {"mean_length": round(float(lengths.mean()), 1), "cv": round(cv, 3)},
            )
        )
    if top5 >= 0.3:
        flags.append(
            Flag(
                "top_commenters_share",
                SIGNAL,
                "info",
                0.0,
                f"the 5 most active accounts wrote {top5:.0%} of the comments: "
                + ", ".join(f"{a} ({k})" for a, k in authors.most_common(5)),
                None,
                {"share": round(top5, 4), "accounts": dict(authors.most_common(5))},
            )
        )
    return {
        "distinct_ratio": round(distinct, 4),
        "entropy_bits": round(entropy_bits, 3),
        "entropy_normalized": None if normalized_entropy is None else round(normalized_entropy, 4),
        "top5_commenter_share": round(top5, 4),
        "length_mean": round(float(lengths.mean()), 2),
        "length_cv": round(cv, 4),
        "near_duplicate_clusters": len(analysis.clusters),
    }
