"""
Hit, miss and error counters, true across every process.

Each process counts in memory (a dict increment under a lock: no Redis round trip per request)
and a daemon thread flushes the counts to one Redis hash every STATS_FLUSH_INTERVAL seconds
(5 s) with one pipelined HINCRBY round trip; processes also flush at exit. `get_cache_stats()`
flushes its own process first, so the figures it returns are exact for this process and at
most STATS_FLUSH_INTERVAL seconds stale for the others. While Redis is unreachable the counts
stay in memory and are flushed when it returns; the stats then show this process only.
Every cacheable request has exactly one outcome: hit, stale (answered from an entry past its
TTL), miss, or error (Redis unusable); `cacheops.outcomes.Outcome` names them. The flush runs
on the process's one background thread (`cacheops.ticker`), which also runs the latency merge
(`cacheops.metrics`) and the history samples (`cacheops.history`).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import defaultdict
from typing import Any

from cacheops.backends import response_redis
from cacheops.conf import CacheType, cacheops_settings
from cacheops.exceptions import CacheUnavailable
from cacheops.outcomes import Outcome
from cacheops.resilience import breaker, call_redis, redis_errors
from cacheops.ticker import Ticker, ticker

logger = logging.getLogger("cacheops")

HIT, MISS, ERROR, STALE = Outcome.HIT, Outcome.MISS, Outcome.ERROR, Outcome.STALE
OUTCOMES = (HIT, MISS, ERROR, STALE)
# Not a request outcome: fill locks whose release failed (each one can make waiters of its key
# sit out FILL_LOCK_WAIT for a fill that already ended, so it is worth an operator's eye).
FILL_LOCK_RELEASE_FAILURES = "fill_lock:release_failures"


def make_field(cache_type: str, outcome: Outcome | str) -> str:
    """Return the stats hash field of one outcome of one cache type."""
    return f"{cache_type}:{outcome}"


class StatsRecorder:
    """In-process counters, flushed to the shared hash on every tick of `ticker`."""

    def __init__(self, ticker: Ticker = ticker) -> None:
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._counts: defaultdict[str, int] = defaultdict(int)
        # Counts a flush has taken and not yet written: still this process's, and still pending.
        self._in_flight: dict[str, int] = {}
        self._ticker = ticker
        # First on every tick: the history sample taken after it sees this process's counts.
        ticker.add(self.flush, order=0)

    def record_field(self, field: str) -> None:
        """Count one outcome by its hash field (`dashboard:hits`); the decorator precomputes fields."""
        with self._lock:
            self._counts[field] += 1
        if not self._ticker.running:
            self._ticker.ensure_started()

    def take(self) -> dict[str, int]:
        """Return and forget the pending counts."""
        with self._lock:
            counts, self._counts = dict(self._counts), defaultdict(int)
        return counts

    def pending(self) -> dict[str, int]:
        """Return the counts not yet in Redis, including those a flush is writing right now."""
        with self._lock:
            pending = dict(self._counts)
            for field, value in self._in_flight.items():
                pending[field] = pending.get(field, 0) + value
            return pending

    def flush(self) -> bool:
        """Add the pending counts to the shared hash; keep them for later if Redis fails."""
        with self._flush_lock:
            with self._lock:
                counts, self._counts = dict(self._counts), defaultdict(int)
                self._in_flight = counts
            if not counts:
                return True
            written = False
            try:
                written = self._write(counts)
            finally:
                with self._lock:
                    self._in_flight = {}
                    if not written:
                        for field, value in counts.items():
                            self._counts[field] += value
            return written

    @staticmethod
    def _write(counts: dict[str, int]) -> bool:
        # One attempt, outside the breaker's accounting: a background flush must not open or
        # close the breaker that requests rely on; failed counts wait for the next flush.
        try:
            if breaker.state != breaker.CLOSED:
                raise CacheUnavailable("flush cache stats: skipped, the circuit breaker is open")
            with redis_errors("flush cache stats"):
                _increment(counts)
        except CacheUnavailable as exc:
            logger.warning("[CACHE ERROR] %s; %d counters kept for the next flush", exc, len(counts))
            return False
        return True

    def forget(self) -> None:
        self.take()

    def flush_at_exit(self) -> None:
        if not self._ticker.stopped:
            self.flush()

    def stop(self) -> None:
        """Stop the ticker without flushing (tests: pending counts belong to no one)."""
        self._ticker.stop()
        self.forget()

    def after_fork(self) -> None:
        """In a forked child: the parent flushes its own counts (the ticker restarts on its own)."""
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._counts = defaultdict(int)
        self._in_flight = {}


def _increment(counts: dict[str, int]) -> None:
    redis = response_redis()
    key = redis.key(cacheops_settings.STATS_KEY)
    with redis.client.pipeline(transaction=False) as pipe:
        for field, value in counts.items():
            pipe.hincrby(key, field, value)
        pipe.execute()


recorder = StatsRecorder()
record_field = recorder.record_field
os.register_at_fork(after_in_child=recorder.after_fork)
atexit.register(recorder.flush_at_exit)


def _read_shared() -> dict[str, int]:
    redis = response_redis()
    raw = redis.client.hgetall(redis.key(cacheops_settings.STATS_KEY))
    return {field.decode(): int(value) for field, value in raw.items()}


def _summarise(counts: dict[str, int]) -> dict[str, Any]:
    by_outcome = {str(outcome): counts.get(outcome, 0) for outcome in OUTCOMES}
    total = sum(by_outcome.values())
    # A stale answer came from the cache without waiting on the view: it counts towards the hit rate.
    cached = sum(count for outcome, count in by_outcome.items() if Outcome(outcome).from_cache)
    return {**by_outcome, "total_requests": total, "hit_rate": round(cached * 100 / total, 2) if total else 0.0}


def get_cache_stats() -> dict[str, Any]:
    """Return the counters of every process (of this one only when Redis is unreachable)."""
    recorder.flush()
    try:
        counts = call_redis(_read_shared, "read cache stats")
        available = True
    except CacheUnavailable:
        counts, available = recorder.pending(), False
    by_type = {
        cache_type.value: _summarise({o: counts.get(f"{cache_type.value}:{o}", 0) for o in OUTCOMES})
        for cache_type in CacheType
    }
    totals = {o: sum(entry[o] for entry in by_type.values()) for o in OUTCOMES}
    return {
        **_summarise(totals),
        "is_available": available,
        "by_type": by_type,
        "scope": "all processes" if available else "this process only",
        "max_staleness_seconds": cacheops_settings.STATS_FLUSH_INTERVAL,
        "fill_lock_release_failures": counts.get(FILL_LOCK_RELEASE_FAILURES, 0),
        "circuit_breaker": breaker.describe(),
    }


def reset_cache_stats() -> None:
    """Zero every counter, in this process and in the shared hash."""
    recorder.forget()
    def delete() -> None:
        redis = response_redis()
        redis.client.delete(redis.key(cacheops_settings.STATS_KEY))

    call_redis(delete, "reset stats")


def get_cache_health(stats: dict[str, Any]) -> dict[str, Any]:
    """Judge `stats`: unhealthy when Redis is down, errors exceed HEALTH_MAX_ERRORS, or the hit rate
    is under HEALTH_MIN_HIT_RATE over at least HEALTH_MIN_REQUESTS requests.

    Below HEALTH_MIN_REQUESTS (zero traffic included) the hit rate is not judged: a fresh deploy
    or a quiet night is not an incident; the report says so in `notes`.
    """
    problems, notes = [], []
    if not stats["is_available"]:
        problems.append("Redis is unavailable: responses are served uncached.")
    if stats["errors"] > cacheops_settings.HEALTH_MAX_ERRORS:
        problems.append(f"{stats['errors']} cache errors (more than {cacheops_settings.HEALTH_MAX_ERRORS}).")
    if stats["total_requests"] < cacheops_settings.HEALTH_MIN_REQUESTS:
        notes.append(f"Only {stats['total_requests']} requests counted; the hit rate is judged from "
                     f"{cacheops_settings.HEALTH_MIN_REQUESTS}.")
    elif stats["hit_rate"] < cacheops_settings.HEALTH_MIN_HIT_RATE:
        problems.append(f"Hit rate {stats['hit_rate']}% is below {cacheops_settings.HEALTH_MIN_HIT_RATE}%.")
    return {"healthy": not problems, "problems": problems, "notes": notes}
