"""Numeric building blocks: daily series from irregular snapshots, robust statistics, change points.

All functions are pure numpy and work in "days since the first snapshot".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

MAD_TO_SIGMA = 1.4826  # MAD * 1.4826 estimates the standard deviation of a normal distribution

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DailySeries:
    """A counter observed on irregular days, linearly interpolated to every calendar day.

    ``values[d]`` is the (interpolated) count on ``start + d`` days; ``observed[d]`` tells whether
    that day had a snapshot. ``obs_days``/``obs_values`` are the snapshots themselves (sorted,
    one per day: the last one given for a day wins).
    """

    start: date
    values: FloatArray
    observed: NDArray[np.bool_]
    obs_days: NDArray[np.int64]
    obs_values: FloatArray

    @property
    def n_days(self) -> int:
        return int(self.values.shape[0])

    def day(self, index: int) -> date:
        return self.start + timedelta(days=int(index))

    def increments(self) -> FloatArray:
        """Per-day change: ``inc[d] = values[d] - values[d-1]`` (``inc[0] = 0``)."""
        inc = np.zeros_like(self.values)
        inc[1:] = np.diff(self.values)
        return inc

    def intervals(self) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
        """Consecutive snapshot pairs: (start day, end day, change in count)."""
        return self.obs_days[:-1], self.obs_days[1:], np.diff(self.obs_values)


def daily_series(points: Sequence[tuple[date, float]]) -> DailySeries:
    """Interpolate ``(day, value)`` observations to a daily series; needs at least one point."""
    if not points:
        raise ValueError("daily_series needs at least one (date, value) observation, got none")
    by_day: dict[date, float] = {}
    for day, value in sorted(points, key=lambda p: p[0]):
        by_day[day] = float(value)
    days = sorted(by_day)
    start = days[0]
    obs_days = np.array([(d - start).days for d in days], dtype=np.int64)
    obs_values = np.array([by_day[d] for d in days], dtype=np.float64)
    grid = np.arange(obs_days[-1] + 1, dtype=np.float64)
    values = np.interp(grid, obs_days.astype(np.float64), obs_values)
    observed = np.zeros(grid.shape[0], dtype=bool)
    observed[obs_days] = True
    return DailySeries(start, values, observed, obs_days, obs_values)


def robust_center_scale(x: FloatArray) -> tuple[float, float]:
    """Median and MAD-based sigma (1.4826 * median absolute deviation)."""
    if x.size == 0:
        return 0.0, 0.0
    center = float(np.median(x))
    return center, MAD_TO_SIGMA * float(np.median(np.abs(x - center)))


def rolling_median(x: FloatArray, window: int) -> FloatArray:
    """Rolling median over ``window`` points, centred; near the edges the window keeps its size
    and is shifted inside the series (so an early spike is not its own baseline)."""
    n = x.shape[0]
    if n == 0:
        return x.copy()
    w = max(1, min(window | 1, n))  # odd, at most n
    if w == n:
        return np.full(n, float(np.median(x)))
    views = np.lib.stride_tricks.sliding_window_view(x, w)  # (n - w + 1, w)
    medians = np.median(views, axis=1)
    starts = np.clip(np.arange(n) - w // 2, 0, n - w)
    return np.asarray(medians[starts], dtype=np.float64)


def quantum(values: FloatArray) -> float:
    """The rounding step of displayed counts (XHS shows 1.2万 for large accounts): 1, 10, 100 or 1000."""
    steps = quanta(values)
    return float(steps.max()) if steps.size else 1.0


def quanta(values: FloatArray, *, threshold: float = 10_000.0, share: float = 0.8) -> FloatArray:
    """Per-value rounding step. XHS shows exact counts below 1万 and rounded ones (0.1万) above,
    so an account crossing 10,000 has both: values at or above ``threshold`` get the largest step
    (1000, 100 or 10) that divides at least ``share`` of them, the others get 1."""
    ints = np.round(values).astype(np.int64)
    out = np.ones(ints.shape[0], dtype=np.float64)
    high = ints >= threshold
    if high.sum() < 3:
        return out
    for step in (1000, 100, 10):
        if np.mean(ints[high] % step == 0) >= share:
            out[high & (ints % step == 0)] = float(step)
            break
    return out


def collapse_plateaus(
    points: Sequence[tuple[date, float]], rounded: Sequence[bool] | None = None
) -> list[tuple[date, float]]:
    """De-quantise rounded counts: each run of equal consecutive rounded values becomes one
    observation at the run's middle day (the true count crossed the rounding boundary somewhere in
    between, so the middle is the unbiased place). ``rounded`` marks which points are rounded
    (default: all). Points must be sorted by date."""
    flags = [True] * len(points) if rounded is None else list(rounded)
    out: list[tuple[date, float]] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and flags[i] and flags[j + 1] and points[j + 1][1] == points[i][1]:
            j += 1
        first, last = points[i][0], points[j][0]
        out.append((first + (last - first) // 2, points[i][1]))
        i = j + 1
    return out


def binary_segmentation(x: FloatArray, *, penalty: float, min_size: int, max_changes: int) -> list[int]:
    """Change points in the mean of ``x`` by binary segmentation with a squared-error cost.

    A split of segment ``[a, b)`` at ``k`` is kept when it lowers the sum of squared deviations
    from the segment means by more than ``penalty`` (use ``c * sigma**2 * log(n)``, a BIC-like
    penalty), and both sides have at least ``min_size`` points. Returns sorted split indices
    (the first index of each new segment).
    """
    n = x.shape[0]
    if n < 2 * min_size or max_changes <= 0:
        return []
    csum = np.concatenate(([0.0], np.cumsum(x)))

    def best_split(a: int, b: int) -> tuple[float, int]:
        ks = np.arange(a + min_size, b - min_size + 1)
        if ks.size == 0:
            return 0.0, -1
        left_n = ks - a
        right_n = b - ks
        left_s = csum[ks] - csum[a]
        right_s = csum[b] - csum[ks]
        total_s = csum[b] - csum[a]
        # gain = cost(a,b) - cost(a,k) - cost(k,b); the squared terms cancel.
        gain = left_s**2 / left_n + right_s**2 / right_n - total_s**2 / (b - a)
        i = int(np.argmax(gain))
        return float(gain[i]), int(ks[i])

    changes: list[int] = []
    segments = [(0, n)]
    while segments and len(changes) < max_changes:
        scored = [(best_split(a, b), (a, b)) for a, b in segments]
        (gain, k), (a, b) = max(scored, key=lambda item: item[0][0])
        if k < 0 or gain <= penalty:
            break
        changes.append(k)
        segments.remove((a, b))
        segments.extend([(a, k), (k, b)])
    return sorted(changes)


def noise_sigma(x: FloatArray) -> float:
    """Robust noise level of a series from its first differences (MAD / sqrt 2)."""
    if x.shape[0] < 3:
        return 0.0
    _, scale = robust_center_scale(np.diff(x))
    return scale / np.sqrt(2.0)
