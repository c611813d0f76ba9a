"""Small statistics helpers: medians and percentiles of samples, ratios to a baseline."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarise(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "p99": percentile(samples, 0.99), "n": len(samples)}


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 2) if baseline else float("nan")
