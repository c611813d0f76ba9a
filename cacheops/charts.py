"""
The admin's charts as SVG geometry, computed here and drawn by the template: no JavaScript.

`make_hit_rate_chart(samples)` turns the stored samples (cumulative counters) into a line of the
hit rate per interval over the bars of the request volume; `make_type_bars(stats)` gives one
stacked bar per cache type (hits, stale, misses, errors). Hit rate counts stale answers as hits,
as `get_cache_stats()` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from django.template.defaultfilters import pluralize
from django.utils import timezone

from cacheops.history import Sample
from cacheops.outcomes import Outcome

# Stats outcomes in drawing order (the enum's): answered from the cache first.
OUTCOMES = tuple(str(outcome) for outcome in Outcome)
_CACHED = frozenset(str(outcome) for outcome in Outcome if outcome.from_cache)
WIDTH, HEIGHT = 720, 180
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 8, 22
TYPE_BAR_X, TYPE_BAR_WIDTH, TYPE_ROW = 90, 420, 26


@dataclass(frozen=True)
class Interval:
    """What happened between two samples: requests, and the hit rate (None without requests)."""

    ts: int
    requests: int
    hit_rate: float | None


@dataclass
class LineChart:
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[str] = field(default_factory=list)  # polyline points, one per run without gaps
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    bars: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # x, y, w, h, title
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TypeBar:
    name: str
    y: float
    segments: list[tuple[str, float, float, str]]  # outcome, x, width, "3 hits"
    label: str


@dataclass(frozen=True)
class TypeBarChart:
    height: int
    bars: list[TypeBar]
    width: int = WIDTH
    bar_x: int = TYPE_BAR_X
    label_x: int = TYPE_BAR_X + TYPE_BAR_WIDTH + 10


def get_intervals(samples: Sequence[Sample]) -> list[Interval]:
    """Return one Interval per pair of consecutive samples."""
    intervals = []
    for before, after in pairwise(samples):
        delta = _delta(before.counts, after.counts)
        total = sum(count for name, count in delta.items() if name.rpartition(":")[2] in OUTCOMES)
        cached = sum(count for name, count in delta.items() if name.rpartition(":")[2] in _CACHED)
        intervals.append(Interval(after.ts, total, round(cached * 100 / total, 2) if total else None))
    return intervals


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    # A counter that went down was reset (reset_cache_stats, a new Redis): count from zero again.
    if any(after.get(name, 0) < count for name, count in before.items()):
        return dict(after)
    return {name: count - before.get(name, 0) for name, count in after.items()}


def make_hit_rate_chart(samples: Sequence[Sample]) -> LineChart | None:
    """Return the chart of the hit rate per interval, or None until there are two samples."""
    intervals = get_intervals(samples)
    if not intervals:
        return None
    chart = LineChart()
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    first, last = samples[0].ts, intervals[-1].ts
    step = plot_w / max(len(intervals), 1)

    def x_of(ts: int) -> float:
        return round(_LEFT + (ts - first) * plot_w / max(last - first, 1), 1)

    def y_of(percent: float) -> float:
        return round(_TOP + plot_h * (1 - percent / 100), 1)

    busiest = max(interval.requests for interval in intervals) or 1
    run: list[str] = []
    for interval in intervals:
        x = x_of(interval.ts)
        height = round(plot_h * interval.requests / busiest, 1)
        chart.bars.append((round(x - step * 0.8, 1), round(_TOP + plot_h - height, 1), round(step * 0.8, 1), height,
                           f"{_clock(interval.ts)}: {interval.requests} request{pluralize(interval.requests)}"))
        if interval.hit_rate is None:
            chart.lines.extend([" ".join(run)] if len(run) > 1 else [])
            run = []
            continue
        run.append(f"{x},{y_of(interval.hit_rate)}")
        chart.dots.append((x, y_of(interval.hit_rate), f"{_clock(interval.ts)}: {interval.hit_rate} % hit rate"))
    chart.lines.extend([" ".join(run)] if len(run) > 1 else [])
    chart.y_ticks = [(y_of(percent), f"{percent} %") for percent in (0, 50, 100)]
    chart.x_ticks = [(x_of(ts), _clock(ts)) for ts in _spread(first, last)]
    return chart


def _spread(first: int, last: int) -> Iterable[int]:
    return (first, (first + last) // 2, last) if last > first else (first,)


def _clock(ts: int) -> str:
    return timezone.localtime(datetime.fromtimestamp(ts, tz=UTC)).strftime("%H:%M")


def _count(count: int, outcome: str) -> str:
    """`1 miss`, `3 misses`, `2 stale`."""
    return f"{count} {Outcome(outcome).label if count == 1 else outcome}"


def make_type_bars(stats: dict[str, Any]) -> TypeBarChart:
    """One stacked bar per cache type: its full length is that type's requests."""
    bars, bar_w = [], TYPE_BAR_WIDTH
    for index, (name, counts) in enumerate(stats["by_type"].items()):
        total = counts["total_requests"]
        segments, x = [], float(TYPE_BAR_X)
        for outcome in OUTCOMES:
            share = bar_w * counts[outcome] / total if total else 0.0
            if share:
                segments.append((outcome, round(x, 1), round(share, 1), _count(counts[outcome], outcome)))
            x += share
        label = f"{counts['hit_rate']} % hit rate, {total} request{pluralize(total)}" if total else "no requests"
        bars.append(TypeBar(name, index * TYPE_ROW, segments, label))
    return TypeBarChart(height=len(bars) * TYPE_ROW, bars=bars)
