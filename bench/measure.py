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


def reduction(value: float, baseline: float) -> float:
    """How much smaller `value` is than `baseline`, in percent with one decimal (0 for no baseline)."""
    return round(100 * (1 - value / baseline), 1) if baseline else 0.0


def paired_ratio(values: list[float], baselines: list[float]) -> float:
    """The median of each round's value over the baseline measured in the same round.

    A round measures every variant back to back, so a slow spell of the shared machine lowers both sides of a
    round's ratio; a ratio of the two medians would compare rounds measured at different moments. A variant
    measured in fewer rounds is paired with the first rounds only.
    """
    ratios = [value / baseline for value, baseline in zip(values, baselines, strict=False) if baseline]
    return round(statistics.median(ratios), 2) if ratios else float("nan")
