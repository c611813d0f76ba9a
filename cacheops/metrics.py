"""
Prometheus metrics of the response cache (prometheus_client; multi-process safe under gunicorn).

What is exposed, and where each figure comes from:
- `cacheops_requests_total{type, outcome}` (outcome hit|miss|stale|error): NOT counted here but
  read at scrape time from `get_cache_stats()` by `cacheops.collectors.CacheStatsCollector`, so it is true across
  every process and machine sharing the Redis and costs the hit path nothing more than the
  in-memory count stats.py already keeps. It trails other processes by at most
  STATS_FLUSH_INTERVAL; it is absent while Redis is unreachable (`cacheops_stats_available` 0),
  rather than dropping to one process's figures and looking like a counter reset.
  Because every machine reports the same cluster-wide totals, aggregate it with max(), not sum().
- `cacheops_fill_lock_release_failures_total`: fill locks whose release failed, from the same
  shared stats; anything but a flat line means waiters sat out FILL_LOCK_WAIT for nothing.
- `cacheops_response_seconds{type, outcome}` (outcome hit|miss|stale): time spent inside
  `cache_response`. A multiprocess `Histogram.observe()` costs 2-3.5 us (two locked mmap writes),
  as much as the rest of our Python on a hit, so the decorator only keeps the observation in
  memory (`LatencyAccumulator`, ~0.3 us) and `flush_latencies()` replays them into the histogram:
  from the background ticker every STATS_FLUSH_INTERVAL, before every scrape, and at exit.
- `cacheops_value_raw_bytes_total` / `cacheops_value_stored_bytes_total`: bytes of the response
  entries `cacheops.store` writes, before and after the compressor (the miss path only).
- `cacheops_circuit_breaker_state` (0 closed, 1 half-open, 2 open; the worst live process) and
  `cacheops_circuit_breaker_open_processes` (how many live processes skip Redis): the breaker is
  per process, so each process sets its own value when its breaker changes state.

Under gunicorn, prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before it
is imported) keeps each worker's values in files that the scraping worker sums; the project's
/metrics view combines them with `CacheStatsCollector`.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram

from cacheops.outcomes import SERVED
from cacheops.ticker import ticker

# From a sub-millisecond hit to a multi-second miss against a busy search engine.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}

RESPONSE_SECONDS = Histogram(
    "cacheops_response_seconds",
    "Seconds spent in cache_response per request, by cache type and X-Cache outcome (hit, miss, stale).",
    ["type", "outcome"],
    buckets=LATENCY_BUCKETS,
)
RAW_BYTES = Counter("cacheops_value_raw_bytes", "Bytes of cache values before compression (every write).")
STORED_BYTES = Counter("cacheops_value_stored_bytes", "Bytes of cache values as stored in Redis, after compression.")
BREAKER_STATE = Gauge(
    "cacheops_circuit_breaker_state",
    "Redis circuit breaker: 0 closed, 1 half-open, 2 open (the worst of the live processes).",
    multiprocess_mode="livemax",
)
BREAKER_OPEN = Gauge(
    "cacheops_circuit_breaker_open_processes",
    "Live processes whose Redis circuit breaker is not closed (they serve uncached).",
    multiprocess_mode="livesum",
)


class LatencyAccumulator:
    """Observations of one histogram child, kept in memory until `flush()` replays them into it.

    `Histogram.observe()` stays the only way into the histogram (prometheus_client's public API);
    it is called from the background ticker, not from the request. Merging bucket counts into
    the histogram's private `_sum` and `_buckets` instead would save that thread ~3 us per
    request, not the request itself, so the private shortcut is not worth keeping.
    """

    # A request thread replays the pending observations itself beyond this many (the ticker
    # stopped or starved): memory stays bounded.
    MAX_PENDING = 10_000

    def __init__(self, child: Histogram) -> None:
        self.child = child
        self._lock = threading.Lock()
        self._pending: list[float] = []

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._pending.append(seconds)
            full = len(self._pending) >= self.MAX_PENDING
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        observe = self.child.observe
        for seconds in pending:
            observe(seconds)

    def after_fork(self) -> None:
        self._lock = threading.Lock()
        self._pending = []


_accumulators: dict[tuple[str, str], LatencyAccumulator] = {}
_accumulators_lock = threading.Lock()


def make_latency_observers(type_name: str) -> dict[str, Callable[[float], None]]:
    """Return the `observe(seconds)` of each X-Cache value of a type (`HIT`, `MISS`, `STALE`)."""
    observers = {}
    with _accumulators_lock:
        for outcome in SERVED:
            if (type_name, outcome.label) not in _accumulators:
                _accumulators[type_name, outcome.label] = LatencyAccumulator(
                    RESPONSE_SECONDS.labels(type_name, outcome.label))
            observers[outcome.header] = _accumulators[type_name, outcome.label].observe
    return observers


def flush_latencies() -> None:
    """Merge every pending latency observation of this process into the histogram."""
    for accumulator in list(_accumulators.values()):
        accumulator.flush()


def _after_fork() -> None:
    # A forked child starts with no pending observations: they are its parent's to flush.
    for accumulator in _accumulators.values():
        accumulator.after_fork()


os.register_at_fork(after_in_child=_after_fork)
atexit.register(flush_latencies)
ticker.add(flush_latencies, order=10)


def record_write(raw_bytes: int, stored_bytes: int) -> None:
    """Count one value written through the compressor."""
    RAW_BYTES.inc(raw_bytes)
    STORED_BYTES.inc(stored_bytes)


def set_breaker_state(state: str) -> None:
    """Report this process's breaker state (called on every transition)."""
    BREAKER_STATE.set(BREAKER_STATES[state])
    BREAKER_OPEN.set(0 if state == "closed" else 1)
