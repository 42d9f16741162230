"""Follower-growth signal: spikes, purges, drops, unexplained step changes, growth without
engagement, and follow/unfollow churn in the following count.

Method (units: followers, days):

* Snapshots are interpolated to a daily series; ``inc[d]`` is the per-day change. Rounded
  counts (every snapshot a multiple of 10/100/1000) are first de-quantised: a run of equal
  values becomes one observation at the run's middle day.
* Local baseline ``b[d]`` = centred rolling median of ``inc`` (``baseline_window_days``).
* For each pair of consecutive snapshots ``i`` (gap ``g_i`` days, change ``D_i``) the *excess*
  is ``e_i = D_i - sum(b over the gap)`` and its robust z-score
  ``z_i = e_i / sqrt(g_i * s**2 + (q_start**2 + q_end**2) / 12)`` where ``s`` is the per-day noise
  (1.4826 * MAD of ``e_i / sqrt(g_i)``, floored at ``noise_floor_share`` of the follower count)
  and ``q`` the display rounding step of each end (XHS shows exact counts below 1万 and 1.2万
  above), a rounded count's error having variance ``q**2/12``.
* A spike is ``z >= spike_z`` and ``e >= max(spike_min_followers, spike_min_share * followers)``;
  neighbouring intervals with ``z >= merge_z`` join it. A spike is *supported* when the content
  of its days can bring that many followers: notes published during it or shortly before, surges
  in their creator metrics (views, likes, saves, comments, follows) on the same days, or a surge
  of the profile's likes and collects (:mod:`models.authenticity.explain`); the spike's strength
  is scaled by the share left unexplained, and its evidence names the explaining notes and
  their numbers.
* A purge is the share of a spike's excess lost again (cumulative excess below zero, with an
  actual net decline) within ``purge_window_days``.
* Step changes: binary segmentation of the daily increments (spike days replaced by the
  baseline), penalty ``step_penalty * s**2 * log(n)``; a step up of ``step_rate_factor`` or more
  that is not matched by rising note interactions is flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from models.authenticity.config import GrowthConfig
from models.authenticity.data import AccountData, Note, to_seconds
from models.authenticity.explain import SpikeExplainer, Support, local_day
from models.authenticity.result import Flag, SignalResult, clip01, noisy_or, severity_for
from models.authenticity.series import (
    DailySeries,
    FloatArray,
    binary_segmentation,
    collapse_plateaus,
    daily_series,
    quanta,
    robust_center_scale,
    rolling_median,
)

SIGNAL = "growth"
F_SPIKE = "growth.unsupported_spike"
F_PURGE = "growth.purge"
F_DROP = "growth.drop"
F_STEP = "growth.unexplained_step"
F_FLAT = "growth.flat_engagement"
F_FOLLOWING = "growth.following_churn"
F_RATIO = "growth.followers_per_engagement"
FEATURES: tuple[str, ...] = (F_SPIKE, F_PURGE, F_DROP, F_STEP, F_FLAT, F_RATIO, F_FOLLOWING)


def _fmt_int(x: float) -> str:
    return f"{round(x):,}"


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "-") + _fmt_int(abs(x))


@dataclass(slots=True)
class SpikeEvent:
    first: int  # index of the first snapshot interval
    last: int  # index of the last snapshot interval
    start_day: int  # day index of the snapshot before the spike
    end_day: int  # day index of the snapshot that shows it
    excess: float
    z: float
    followers_before: float
    peak_share: float = 1.0  # share of the excess in the busiest spread_peak_days days
    strength: float = 0.0
    found: Support = field(default_factory=lambda: Support(0.0, "none", ()))

    @property
    def support(self) -> str:
        return self.found.support

    @property
    def notes(self) -> tuple[str, ...]:
        return self.found.note_ids


def _note_days(account: AccountData, series: DailySeries, cfg: GrowthConfig) -> list[tuple[int, Note]]:
    """Notes with their publication day as an index of ``series`` (days in the snapshots' time zone)."""
    pairs = [
        ((local_day(n.published_at, cfg.utc_offset_hours) - series.start).days, n) for n in account.notes
    ]
    return sorted(pairs, key=lambda p: (p[0], to_seconds(p[1].published_at), p[1].note_id))


@dataclass(frozen=True, slots=True)
class _Curve:
    """The follower curve as the detectors read it.

    ``series`` holds the snapshots as shown; ``smooth`` a de-quantised copy when counts are rounded
    (``offset`` converts a raw day index to a smooth one). ``starts``/``ends``/``deltas`` are the
    snapshot intervals, ``excess`` and ``z`` their change above the local baseline."""

    series: DailySeries
    smooth: DailySeries
    offset: int
    inc: FloatArray
    base: FloatArray
    smooth_inc: FloatArray
    smooth_base: FloatArray
    starts: np.ndarray
    ends: np.ndarray
    deltas: FloatArray
    excess: FloatArray
    z: FloatArray
    sigma: float
    q: float


@dataclass(slots=True)
class _Findings:
    """What the detectors found, gathered into the signal result."""

    flags: list[Flag]
    features: dict[str, float]
    anomalies: list[dict[str, object]]
    purge_days: set[int]


def _insufficient(account: AccountData, cfg: GrowthConfig) -> SignalResult | DailySeries:
    """The daily series of the follower snapshots, or why there are too few of them."""
    snaps = list(account.follower_snapshots)
    need = f"need at least {cfg.min_snapshots} snapshots spanning {cfg.min_span_days} days"
    if not snaps:
        return SignalResult(SIGNAL, "insufficient_data", missing=[f"follower history: no snapshots ({need})"])
    series = daily_series([(s.date, s.followers) for s in snaps])
    n_obs = int(series.obs_days.shape[0])
    span = series.n_days - 1
    if n_obs < cfg.min_snapshots or span < cfg.min_span_days:
        return SignalResult(
            SIGNAL,
            "insufficient_data",
            coverage=0.0,
            missing=[f"follower history: {n_obs} snapshots over {span} days ({need})"],
            metrics={"snapshots": n_obs, "span_days": span},
        )
    return series


def _dequantised(series: DailySeries, q_obs: FloatArray) -> DailySeries:
    """Spikes and drops are judged on the snapshots as shown; the baseline and step changes on a
    de-quantised copy when counts are rounded (a staircase has no meaningful daily rate)."""
    if float(q_obs.max()) <= 1:
        return series
    points = [(series.day(int(d)), float(v)) for d, v in zip(series.obs_days, series.obs_values, strict=True)]
    collapsed = collapse_plateaus(points, (q_obs > 1).tolist())
    return daily_series(collapsed) if len(collapsed) >= 2 else series


def _curve(series: DailySeries, cfg: GrowthConfig) -> _Curve:
    """Local baseline, interval excess and robust z-scores (module docstring)."""
    level = float(np.median(series.obs_values))
    inc = series.increments()
    q_obs = quanta(series.obs_values)
    smooth = _dequantised(series, q_obs)
    offset = (series.start - smooth.start).days  # smooth index = raw index + offset
    smooth_inc = smooth.increments()
    smooth_base = np.zeros_like(smooth_inc)
    # The window must span several snapshot gaps, or a bump smeared over two weekly gaps
    # would become its own baseline.
    gap = float(np.median(np.diff(smooth.obs_days)))
    window = int(max(cfg.baseline_window_days, cfg.baseline_window_gaps * gap))
    smooth_base[1:] = rolling_median(smooth_inc[1:], window)
    idx = np.clip(np.arange(series.n_days) + offset, 1, max(smooth.n_days - 1, 1))
    base = smooth_base[idx] if smooth.n_days > 1 else np.zeros_like(inc)
    base[0] = 0.0
    cum_base = np.concatenate(([0.0], np.cumsum(base)))  # cum_base[d + 1] = sum base[0..d]
    starts, ends, deltas = series.intervals()
    gaps = (ends - starts).astype(np.float64)
    excess = deltas - (cum_base[ends + 1] - cum_base[starts + 1])
    _, sigma_raw = robust_center_scale(excess / np.sqrt(gaps))
    sigma = max(sigma_raw, cfg.noise_floor_share * level, 1.0)
    # A rounded count is off by up to half a step: uniform error, variance q**2 / 12 per end.
    sd = np.sqrt(gaps * sigma**2 + (q_obs[:-1] ** 2 + q_obs[1:] ** 2) / 12.0)
    return _Curve(
        series=series,
        smooth=smooth,
        offset=offset,
        inc=inc,
        base=base,
        smooth_inc=smooth_inc,
        smooth_base=smooth_base,
        starts=starts,
        ends=ends,
        deltas=deltas,
        excess=excess,
        z=excess / sd,
        sigma=sigma,
        q=float(q_obs.max()),
    )


def _spike_text(ev: SpikeEvent, d0: date, d1: date, cfg: GrowthConfig) -> str:
    """Why the spike is (not) explained, naming the content and its numbers."""
    found = ev.found
    shown = "; ".join(e.text for e in found.explainers[:3])
    if found.support == "supported":
        return f"explained by the content of those days: {shown}"
    if found.support == "none":
        lo = d0 + timedelta(days=1 - cfg.support_days_before)
        text = (
            f"no note published between {lo} and {d1} and no surge in note metrics or in likes and "
            "collects on those days"
        )
    else:
        what = "content that surged" if found.support == "disproportionate" else "ordinary content"
        text = f"{what} could bring at most {found.explained:.0%} of them: {shown}"
    if found.data_gap:
        text += "; re-export the notes of those days to check the rest"
    elif _spread_out(ev, cfg):
        text += (
            f"; the rise built and faded over {ev.end_day - ev.start_day} days with at most "
            f"{ev.peak_share:.0%} in any {cfg.spread_peak_days} days, like a note's reach rather than a "
            "delivered batch: re-export the notes of those days to check"
        )
    return text


def _spread_out(ev: SpikeEvent, cfg: GrowthConfig) -> bool:
    """A note-like rise that nothing in the data can check: spread over days, and no likes-and-
    collects counter over those days (where the counter is known and stayed flat, the rise did not
    come from content, exported or not, and keeps its full weight)."""
    return (
        not ev.found.profile_known
        and ev.end_day - ev.start_day >= cfg.spread_min_days
        and ev.peak_share < cfg.spread_max_peak_share
    )


def _when(d0: date, d1: date, ev: SpikeEvent) -> str:
    return d1.isoformat() if ev.end_day - ev.start_day == 1 else f"between {d0} and {d1}"


def _purge_flag(
    curve: _Curve, ev: SpikeEvent, size: float, cfg: GrowthConfig, found: _Findings
) -> tuple[str, dict[str, object], float] | None:
    """The purge after a spike, as a flag of its own; returns the text and details it adds to the
    spike's evidence, and its strength."""
    series = curve.series
    purge = _purge_after(series, curve.inc, curve.base, ev, cfg)
    if purge is None:
        return None
    lost, purge_day, share_lost = purge
    d0, d1 = series.day(ev.start_day), series.day(ev.end_day)
    strength = clip01(share_lost / 0.6) * max(size, 0.3) * (1.0 if ev.support != "supported" else 0.6)
    found.purge_days.update(range(ev.end_day + 1, purge_day + 1))
    found.flags.append(
        Flag(
            "follower_purge",
            SIGNAL,
            severity_for(strength),
            strength,
            f"{_fmt_int(lost)} followers lost between {d1 + timedelta(days=1)} and "
            f"{series.day(purge_day)}: {share_lost:.0%} of the {_fmt_int(ev.excess)} gained {_when(d0, d1, ev)}",
            F_PURGE,
            {"spike_end": d1.isoformat(), "lost_followers": round(lost), "share_lost": round(share_lost, 3)},
        )
    )
    found.anomalies.append({"date": series.day(purge_day).isoformat(), "kind": "purge"})
    details: dict[str, object] = {
        "lost_followers": round(lost),
        "share_lost": round(share_lost, 3),
        "lost_by": series.day(purge_day).isoformat(),
    }
    return f"; {share_lost:.0%} of them gone by {series.day(purge_day)}", details, strength


def _spike_findings(curve: _Curve, events: list[SpikeEvent], cfg: GrowthConfig, found: _Findings) -> None:
    """One flag per spike (explained or not), a purge flag where followers left again."""
    series = curve.series
    spike_strengths: list[float] = []
    purge_strengths: list[float] = []
    for ev in events:
        share = ev.excess / max(ev.followers_before, 1.0)
        size = clip01(share / cfg.spike_full_share)
        zf = clip01(0.5 + (ev.z - cfg.spike_z) / (2 * cfg.spike_z))
        # Notes missing from the export in those days leave the check incomplete: a gap in the data
        # is not evidence of buying, so such a spike weighs a third.
        gap = cfg.data_gap_weight if ev.found.data_gap or _spread_out(ev, cfg) else 1.0
        ev.strength = (1.0 - ev.found.explained) * size * zf * gap
        d0, d1 = series.day(ev.start_day), series.day(ev.end_day)
        text = (
            f"{_signed(ev.excess)} followers above the usual pace {_when(d0, d1, ev)}, "
            f"{ev.z:.1f} robust sigma ({share:.1%} of followers); {_spike_text(ev, d0, d1, cfg)}"
        )
        details: dict[str, object] = {
            "start": d0.isoformat(),
            "end": d1.isoformat(),
            "excess_followers": round(ev.excess),
            "robust_z": round(ev.z, 2),
            "share_of_followers": round(share, 4),
            "support": ev.support,
            "explained_share": round(ev.found.explained, 3),
            "notes_in_window": list(ev.notes),
            "explained_by": [e.to_dict() for e in ev.found.explainers[:5]],
        }
        purge = _purge_flag(curve, ev, size, cfg, found)
        if purge is not None:
            extra, purge_details, purge_strength = purge
            text += extra
            purge_strengths.append(purge_strength)
            details.update(purge_details)
        supported = ev.support == "supported"
        spike_strengths.append(ev.strength)
        found.flags.append(
            Flag(
                "follower_spike_explained" if supported else "follower_spike",
                SIGNAL,
                severity_for(ev.strength),
                ev.strength,
                text,
                F_SPIKE if ev.strength else None,
                details,
            )
        )
        found.anomalies.append({"date": d1.isoformat(), "kind": "explained_spike" if supported else "spike"})
    found.features[F_SPIKE] = noisy_or(spike_strengths)
    found.features[F_PURGE] = noisy_or(purge_strengths)


def _drop_findings(curve: _Curve, cfg: GrowthConfig, found: _Findings) -> None:
    """Drops not explained as the purge of a detected spike."""
    series, z, deltas, excess = curve.series, curve.z, curve.deltas, curve.excess
    strengths: list[float] = []
    for i in np.flatnonzero((z <= -cfg.drop_z) & (deltas < 0)):
        s_day, e_day = int(curve.starts[i]), int(curve.ends[i])
        if any(d in found.purge_days for d in range(s_day + 1, e_day + 1)):
            continue
        before = float(series.values[s_day])
        share = -float(excess[i]) / max(before, 1.0)
        if share < cfg.drop_min_share:
            continue
        strength = clip01(share / cfg.spike_full_share)
        strengths.append(strength)
        d0, d1 = series.day(s_day), series.day(e_day)
        found.flags.append(
            Flag(
                "follower_drop",
                SIGNAL,
                severity_for(strength),
                strength,
                f"{_signed(float(deltas[i]))} followers between {d0} and {d1} "
                f"({share:.1%} below the usual pace, {abs(float(z[i])):.1f} robust sigma); "
                "accounts rarely lose followers this fast unless bought ones are purged",
                F_DROP,
                {
                    "start": d0.isoformat(),
                    "end": d1.isoformat(),
                    "change": round(float(deltas[i])),
                    "robust_z": round(float(z[i]), 2),
                },
            )
        )
        found.anomalies.append({"date": d1.isoformat(), "kind": "drop"})
    found.features[F_DROP] = noisy_or(strengths)


def _daily_rows(curve: _Curve, anomalies: list[dict[str, object]]) -> list[dict[str, object]]:
    series = curve.series
    marked: dict[str, str] = {}
    for a in anomalies:
        marked.setdefault(str(a["date"]), str(a["kind"]))
    return [
        {
            "date": series.day(d).isoformat(),
            "followers": round(float(series.values[d])),
            "increment": round(float(curve.inc[d]), 1),
            "baseline": round(float(curve.base[d]), 1),
            "observed": bool(series.observed[d]),
            "anomaly": marked.get(series.day(d).isoformat()),
        }
        for d in range(series.n_days)
    ]


def _growth_metrics(curve: _Curve, events: list[SpikeEvent]) -> dict[str, object]:
    series = curve.series
    first, last = float(series.obs_values[0]), float(series.obs_values[-1])
    return {
        "snapshots": int(series.obs_days.shape[0]),
        "span_days": series.n_days - 1,
        "followers_first": round(first),
        "followers_last": round(last),
        "growth": round(last / first - 1.0, 4) if first > 0 else None,
        "noise_sigma_per_day": round(curve.sigma, 2),
        "rounding_step": curve.q,
        "spikes": len(events),
        "unsupported_spikes": sum(1 for e in events if e.support != "supported"),
    }


def growth_signal(account: AccountData, cfg: GrowthConfig) -> SignalResult:
    """Score follower growth; see the module docstring for the method."""
    checked = _insufficient(account, cfg)
    if isinstance(checked, SignalResult):
        return checked
    curve = _curve(checked, cfg)
    series = curve.series
    found = _Findings([], dict.fromkeys(FEATURES, 0.0), [], set())
    note_days = _note_days(account, series, cfg)
    interactions = [n.interactions for _, n in note_days]
    median_inter = float(np.median(interactions)) if len(interactions) >= 3 else None

    events = _spike_events(series, curve.starts, curve.ends, curve.excess, curve.z, cfg)
    explainer = SpikeExplainer(account, series, cfg)
    for ev in events:
        ev.found = explainer.explain(ev.start_day, ev.end_day, ev.excess)
    _spike_findings(curve, events, cfg, found)
    _drop_findings(curve, cfg, found)

    steps, step_flags = _steps(
        curve.smooth,
        curve.smooth_inc,
        curve.smooth_base,
        events,
        curve.offset,
        curve.sigma,
        note_days,
        median_inter,
        cfg,
    )
    found.flags.extend(step_flags)
    found.features[F_STEP] = noisy_or([f.strength for f in step_flags if f.feature == F_STEP])
    found.anomalies.extend({"date": cp["date"], "kind": "step"} for cp in steps)

    flat = _flat_engagement(series, note_days, cfg)
    if flat is not None:
        found.flags.append(flat)
        found.features[F_FLAT] = flat.strength
    ratio_flag, ratio_metrics = _followers_per_engagement(account, curve.smooth, cfg)
    if ratio_flag is not None:
        found.flags.append(ratio_flag)
        found.features[F_RATIO] = ratio_flag.strength
    following_flag, following_series = _following(account, cfg)
    if following_flag is not None:
        found.flags.append(following_flag)
        found.features[F_FOLLOWING] = following_flag.strength

    span, n_obs = series.n_days - 1, int(series.obs_days.shape[0])
    coverage = clip01(span / cfg.full_coverage_days) * clip01(n_obs / max(cfg.min_snapshots, span / 7.0))
    return SignalResult(
        SIGNAL,
        "ok",
        coverage=coverage,
        features=found.features,
        flags=found.flags,
        metrics={**_growth_metrics(curve, events), **ratio_metrics},
        series={
            "daily_followers": _daily_rows(curve, found.anomalies),
            "anomalies": sorted(found.anomalies, key=lambda a: str(a["date"])),
            "change_points": steps,
            "following": following_series,
        },
    )


def _spike_events(
    series: DailySeries,
    starts: np.ndarray,
    ends: np.ndarray,
    excess: FloatArray,
    z: FloatArray,
    cfg: GrowthConfig,
) -> list[SpikeEvent]:
    n = z.shape[0]
    events: list[SpikeEvent] = []
    used = np.zeros(n, dtype=bool)
    for i in np.argsort(-z):
        i = int(i)
        if used[i] or z[i] < cfg.spike_z:
            continue
        lo = hi = i
        while lo - 1 >= 0 and not used[lo - 1] and z[lo - 1] >= cfg.merge_z and excess[lo - 1] > 0:
            lo -= 1
        while hi + 1 < n and not used[hi + 1] and z[hi + 1] >= cfg.merge_z and excess[hi + 1] > 0:
            hi += 1
        used[lo : hi + 1] = True
        before = float(series.values[int(starts[lo])])
        total = float(excess[lo : hi + 1].sum())
        if total < max(cfg.spike_min_followers, cfg.spike_min_share * before):
            continue  # statistically clear but too small to matter
        peak = _peak_share(starts[lo : hi + 1], ends[lo : hi + 1], excess[lo : hi + 1], total, cfg)
        events.append(
            SpikeEvent(
                first=lo,
                last=hi,
                start_day=int(starts[lo]),
                end_day=int(ends[hi]),
                excess=total,
                z=float(z[i]),
                followers_before=before,
                peak_share=peak,
            )
        )
    return sorted(events, key=lambda e: e.start_day)


def _peak_share(
    starts: np.ndarray, ends: np.ndarray, excess: FloatArray, total: float, cfg: GrowthConfig
) -> float:
    """The largest share of a spike's excess inside any run of snapshot intervals spanning at most
    ``spread_peak_days`` days (an interval longer than that counts whole: its days can't be told
    apart, so the spike is not taken as spread out)."""
    best = 0.0
    for a in range(len(starts)):
        b = a
        acc = float(max(excess[a], 0.0))
        while b + 1 < len(starts) and ends[b + 1] - starts[a] <= cfg.spread_peak_days:
            b += 1
            acc += float(max(excess[b], 0.0))
        best = max(best, acc)
    return min(1.0, best / max(total, 1.0))


def _purge_after(
    series: DailySeries, inc: FloatArray, base: FloatArray, ev: SpikeEvent, cfg: GrowthConfig
) -> tuple[float, int, float] | None:
    lo = ev.end_day + 1
    hi = min(series.n_days - 1, ev.end_day + cfg.purge_window_days)
    if hi < lo or ev.excess <= 0:
        return None
    cum = np.cumsum(inc[lo : hi + 1] - base[lo : hi + 1])
    deepest = -float(cum.min())
    lost = min(deepest, ev.excess)
    # "gone by": the first day the loss reaches 90% of its deepest point (noise moves the minimum)
    k = int(np.flatnonzero(-cum >= 0.9 * deepest)[0]) if deepest > 0 else 0
    net_decline = float(series.values[ev.end_day]) - float(np.min(series.values[lo : hi + 1]))
    if lost <= 0 or net_decline <= 0:
        return None
    share = lost / ev.excess
    if share < cfg.purge_min_share:
        return None
    return lost, lo + k, share


def _steps(
    series: DailySeries,
    inc: FloatArray,
    base: FloatArray,
    events: list[SpikeEvent],
    offset: int,
    sigma: float,
    note_days: list[tuple[int, Note]],
    median_inter: float | None,
    cfg: GrowthConfig,
) -> tuple[list[dict[str, object]], list[Flag]]:
    """Step changes on ``series`` (possibly de-quantised); ``offset`` converts the raw day indices
    of ``events`` and ``note_days`` to this series' indices."""
    x = inc[1:].copy()
    for ev in events:  # spikes are judged on their own; keep them out of the step detection
        lo, hi = max(ev.start_day + offset, 0), min(ev.end_day + offset, x.shape[0])
        if hi > lo:
            x[lo:hi] = base[lo + 1 : hi + 1]
    note_days = [(d + offset, n) for d, n in note_days]
    n = x.shape[0]
    if n < 2 * cfg.step_min_segment_days:
        return [], []
    penalty = cfg.step_penalty * sigma**2 * math.log(max(n, 2))
    cps = binary_segmentation(
        x, penalty=penalty, min_size=cfg.step_min_segment_days, max_changes=cfg.step_max_changes
    )
    bounds = [0, *cps, n]
    points: list[dict[str, object]] = []
    flags: list[Flag] = []
    floor = max(sigma * 0.5, 1.0)
    for j in range(1, len(bounds) - 1):
        a, k, b = bounds[j - 1], bounds[j], bounds[j + 1]
        rate_a, rate_b = float(x[a:k].mean()), float(x[k:b].mean())
        day_k = k + 1  # x[i] is the increment of day i + 1
        points.append(
            {
                "date": series.day(day_k).isoformat(),
                "rate_before": round(rate_a, 1),
                "rate_after": round(rate_b, 1),
            }
        )
        factor = rate_b / max(rate_a, floor)
        gained = (rate_b - max(rate_a, 0.0)) * (b - k)
        level = float(series.values[day_k])
        share = gained / max(level, 1.0)
        if factor < cfg.step_rate_factor or share < cfg.step_min_share:
            continue
        before = [n_.interactions for d, n_ in note_days if a + 1 <= d < day_k]
        after = [n_.interactions for d, n_ in note_days if day_k - 3 <= d <= b]
        if after and before:
            ratio: float | None = float(np.median(after)) / max(float(np.median(before)), 1.0)
        else:
            ratio = None
        if ratio is not None and ratio >= cfg.step_engagement_factor:
            continue
        # A note that surged shortly before or during the faster period explains it (viral tail).
        if median_inter is not None and any(
            n_.interactions >= cfg.surge_factor * median_inter
            for d, n_ in note_days
            if day_k - cfg.step_surge_lookback_days <= d <= b
        ):
            continue
        eng_factor = 1.0 if (ratio is not None and ratio < 1.0) or not after else 0.6
        strength = (
            clip01(math.log(factor) / math.log(8.0)) * clip01(share / (2 * cfg.step_min_share)) * eng_factor
        )
        eng_text = (
            "no notes published since"
            if not after
            else (
                f"median interactions per note {ratio:.2f}x those before"
                if ratio is not None
                else "no earlier notes to compare engagement with"
            )
        )
        flags.append(
            Flag(
                "unexplained_growth_step",
                SIGNAL,
                severity_for(strength),
                strength,
                f"follower growth stepped up on {series.day(day_k)} from {rate_a:,.0f}/day to "
                f"{rate_b:,.0f}/day for {b - k} days ({_signed(gained)} above the old pace, "
                f"{share:.1%} of followers) while {eng_text}",
                F_STEP,
                {
                    "date": series.day(day_k).isoformat(),
                    "rate_before": round(rate_a, 1),
                    "rate_after": round(rate_b, 1),
                    "days": b - k,
                    "engagement_ratio": None if ratio is None else round(ratio, 3),
                },
            )
        )
    return points, flags


def _flat_engagement(
    series: DailySeries, note_days: list[tuple[int, Note]], cfg: GrowthConfig
) -> Flag | None:
    """Followers grew but interactions per note did not grow with them.

    Across tiers, interactions per note scale roughly as ``followers ** 0.7`` (the tier table:
    ER falls from ~7% at 10k to ~2% at 1M). With ``G_f`` the ratio of median followers at the
    later vs the earlier half of the notes and ``G_e`` the ratio of their median interactions,
    the shortfall ``d = alpha * log(G_f) - log(G_e)`` is tested against its standard error
    ``sqrt(2) * 1.25 * s / sqrt(n_half)`` (``s``: robust spread of log interactions per note).
    """
    inside = [(d, n) for d, n in note_days if 0 <= d <= series.n_days - 1]
    if len(inside) < cfg.flat_min_notes or series.n_days < 30:
        return None
    first, last = float(series.obs_values[0]), float(series.obs_values[-1])
    if first <= 0 or last / first - 1.0 < cfg.flat_min_growth:
        return None
    half = len(inside) // 2
    early, late = inside[:half], inside[-half:]
    e1 = float(np.median([n.interactions for _, n in early]))
    e2 = float(np.median([n.interactions for _, n in late]))
    f1 = float(np.median([series.values[d] for d, _ in early]))
    f2 = float(np.median([series.values[d] for d, _ in late]))
    if f1 <= 0 or f2 / f1 - 1.0 < cfg.flat_min_growth:
        return None
    logs = np.log1p(np.array([n.interactions for _, n in inside], dtype=np.float64))
    _, spread = robust_center_scale(logs)
    spread = max(spread, 0.3)
    se = math.sqrt(2.0) * 1.25 * spread / math.sqrt(half)
    shortfall = cfg.flat_alpha * math.log(f2 / f1) - math.log(max(e2, 1.0) / max(e1, 1.0))
    z = shortfall / se
    if z < cfg.flat_min_z:
        return None
    strength = clip01((z - cfg.flat_min_z) / 3.0 + 0.2) * clip01(math.log(f2 / f1) / math.log(2.0))
    growth = last / first - 1.0
    return Flag(
        "growth_without_engagement",
        SIGNAL,
        severity_for(strength),
        strength,
        f"followers grew {growth:+.0%} ({_fmt_int(first)} to {_fmt_int(last)}, {series.start} to "
        f"{series.day(series.n_days - 1)}) while median interactions per note went from {_fmt_int(e1)} "
        f"(first {len(early)} notes) to {_fmt_int(e2)} (last {len(late)} notes); organic growth of "
        f"{f2 / f1 - 1.0:+.0%} between those notes would bring about {(f2 / f1) ** cfg.flat_alpha - 1.0:+.0%} "
        f"({z:.1f} standard errors short)",
        F_FLAT,
        {
            "growth": round(growth, 4),
            "median_interactions_early": e1,
            "median_interactions_late": e2,
            "followers_early": round(f1),
            "followers_late": round(f2),
            "z": round(z, 2),
        },
    )


def _followers_per_engagement(
    account: AccountData, smooth: DailySeries, cfg: GrowthConfig
) -> tuple[Flag | None, dict[str, object]]:
    """New followers per new like-or-collect (the gain version of 粉赞比).

    Organic followers come from content, so an account gains roughly one follower per 3-30 new
    likes and collects (profile counter 获赞与收藏). For the whole history and for every window of
    about ``ratio_window_days`` ``r = dF / max(dLC, floor)``, where ``dLC`` starts
    ``ratio_lag_days`` earlier (followers arrive a few days after the likes that brought them)
    and ``floor`` is half the median like-and-collect gain of such windows (a quiet month does not
    explode the ratio). Followers come from the de-quantised series, so a rounding step (1.2万 to
    1.3万) is not read as growth. The largest ``r`` is graded between ``ratio_floor`` and
    ``ratio_full`` on a log scale.
    """
    known = sorted(
        (s.date, s.likes_and_collects) for s in account.follower_snapshots if s.likes_and_collects is not None
    )
    metrics: dict[str, object] = {}
    if len(known) < cfg.min_snapshots or (known[-1][0] - known[0][0]).days < cfg.min_span_days:
        return None, metrics
    days = np.array([(d - known[0][0]).days for d, _ in known], dtype=np.int64)
    idx = np.clip(np.array([(d - smooth.start).days for d, _ in known]), 0, smooth.n_days - 1)
    followers = smooth.values[idx]
    lc = np.array([x for _, x in known], dtype=np.float64)
    if lc[-1] > 0:
        metrics["followers_per_like_collect"] = round(float(followers[-1] / lc[-1]), 4)
    windows: list[tuple[int, int, int]] = []  # (lc start, follower start, end)
    for i in range(len(known)):
        j = int(np.searchsorted(days, days[i] + cfg.ratio_window_days, side="left"))
        if j < len(known):
            k = int(np.searchsorted(days, days[i] - cfg.ratio_lag_days, side="left"))
            windows.append((min(k, i), i, j))
    gains = [float(lc[j] - lc[k]) for k, _, j in windows]
    floor = max(0.5 * float(np.median(gains)) if gains else 0.0, 1.0)
    total_df, total_dlc = float(followers[-1] - followers[0]), float(lc[-1] - lc[0])
    best = (total_df / max(total_dlc, floor), 0, 0, len(known) - 1, total_df)
    # A window is judged on the followers it gained above the account's own steady pace: a large
    # account gains followers every day from its back catalogue and profile visits, in quiet
    # months too, and those are not followers without likes. The whole history keeps the raw gain.
    pace = max(float(np.median(smooth.increments()[1:])), 0.0) if smooth.n_days > 1 else 0.0
    for k, i, j in windows:
        df = float(followers[j] - followers[i]) - pace * float(days[j] - days[i])
        if df < cfg.ratio_min_gain_share * followers[i]:
            continue
        r = df / max(float(lc[j] - lc[k]), floor)
        if r > best[0]:
            best = (r, k, i, j, df)
    r, k, i, j, excess = best
    metrics["followers_per_like_collect_gain"] = round(r, 4)
    if r <= cfg.ratio_floor or followers[j] - followers[i] <= 0:
        return None, metrics
    strength = clip01(math.log(r / cfg.ratio_floor) / math.log(cfg.ratio_full / cfg.ratio_floor))
    d0, d1, dk = known[i][0], known[j][0], known[k][0]
    dlc = float(lc[j] - lc[k])
    per = f"{r:.2f}" if r < 1 else f"{r:.1f}"
    gained = float(followers[j] - followers[i])
    above = (
        f" ({_signed(excess)} above the account's steady pace of {_fmt_int(pace)} a day)"
        if excess < gained - 0.5
        else ""
    )
    return (
        Flag(
            "followers_outpace_engagement",
            SIGNAL,
            severity_for(strength),
            strength,
            f"followers {_signed(gained)} between {d0} and {d1}{above} while likes and collects "
            f"(获赞与收藏) grew {_signed(dlc)} from {dk}: {per} new followers per new like or collect; "
            f"organic accounts gain about one follower per {1 / cfg.ratio_floor:.0f} or more",
            F_RATIO,
            {
                "start": d0.isoformat(),
                "end": d1.isoformat(),
                "likes_and_collects_from": dk.isoformat(),
                "followers_gained": round(gained),
                "followers_above_pace": round(excess),
                "likes_and_collects_gained": round(dlc),
                "ratio": round(r, 4),
            },
        ),
        metrics,
    )


def _following(account: AccountData, cfg: GrowthConfig) -> tuple[Flag | None, list[dict[str, object]]]:
    points = [(s.date, s.following) for s in account.follower_snapshots if s.following is not None]
    if len(points) < cfg.min_snapshots:
        return None, []
    series = daily_series([(d, float(f)) for d, f in points if f is not None])
    days, vals = series.obs_days, series.obs_values
    out_series = [
        {"date": series.day(int(d)).isoformat(), "following": round(float(v))}
        for d, v in zip(days, vals, strict=True)
    ]
    best = (0.0, 0, 0)
    for i in range(len(days)):
        for j in range(i + 1, len(days)):
            if days[j] - days[i] > 14:
                break
            rise = float(vals[j] - vals[i])
            if rise > best[0]:
                best = (rise, i, j)
    rise, i, j = best
    before = float(vals[i])
    if rise < max(cfg.following_min_jump, cfg.following_min_share * before):
        return None, out_series
    later = vals[j:][days[j:] <= days[j] + 60]
    dropped = float(vals[j] - later.min()) if later.size else 0.0
    unfollow = dropped / rise
    size = clip01(rise / max(before, 100.0))
    strength = (0.8 if unfollow >= cfg.following_unfollow_share else 0.35) * max(size, 0.5)
    d0, d1 = series.day(int(days[i])), series.day(int(days[j]))
    text = f"following count rose {_signed(rise)} ({_fmt_int(before)} to {_fmt_int(vals[j])}) between {d0} and {d1}"
    if unfollow >= cfg.following_unfollow_share:
        text += (
            f", then {_fmt_int(dropped)} ({unfollow:.0%}) were unfollowed again: a follow/unfollow pattern"
        )
    return (
        Flag(
            "following_churn",
            SIGNAL,
            severity_for(strength),
            strength,
            text,
            F_FOLLOWING,
            {
                "start": d0.isoformat(),
                "end": d1.isoformat(),
                "rise": round(rise),
                "unfollowed_share": round(unfollow, 3),
            },
        ),
        out_series,
    )
