"""Seeded bootstrap percentile intervals: for one run's metrics, and for the paired difference of two runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["MetricFn", "bootstrap_intervals", "paired_delta_intervals"]

MetricFn = Callable[[np.ndarray], dict[str, float]]
"""Metrics computed on the cases at the given indices (with repeats, as a bootstrap resample has them)."""


def _percentiles(samples: list[float], confidence: float) -> tuple[float, float] | None:
    values = np.asarray(samples, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_intervals(
    metric_fn: MetricFn, n: int, names: Sequence[str], resamples: int, confidence: float, seed: int
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of `names` over `resamples` resamples of the `n` cases (with replacement)."""
    if n == 0 or resamples == 0 or not names:
        return {}
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(resamples):
        values = metric_fn(rng.integers(0, n, size=n))
        for name in names:
            samples[name].append(values.get(name, float("nan")))
    intervals = {name: _percentiles(draws, confidence) for name, draws in samples.items()}
    return {name: interval for name, interval in intervals.items() if interval is not None}


def paired_delta_intervals(
    metric_a: MetricFn,
    metric_b: MetricFn,
    n: int,
    names: Sequence[str],
    resamples: int,
    confidence: float,
    seed: int,
) -> dict[str, tuple[float, float]]:
    """Intervals of `metric_b - metric_a` when both runs scored the same `n` cases (index i is one case in both)."""
    if n == 0 or resamples == 0 or not names:
        return {}
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(resamples):
        idx = rng.integers(0, n, size=n)
        a, b = metric_a(idx), metric_b(idx)
        for name in names:
            samples[name].append(b.get(name, float("nan")) - a.get(name, float("nan")))
    intervals = {name: _percentiles(draws, confidence) for name, draws in samples.items()}
    return {name: interval for name, interval in intervals.items() if interval is not None}
