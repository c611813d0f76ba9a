"""
A bounded time series of the cache counters in Redis: what the admin's hit-rate chart draws.

Once per STATS_SAMPLE_INTERVAL (300 s) a sample of the shared counters (the stats hash, every
process included) is appended to a Redis list trimmed to the last STATS_SAMPLES (288: 24 h).
Any process may offer a sample (the background ticker after each stats flush, the admin page when it is
opened): a SET NX on a key naming the interval lets exactly one of them write it, so several
workers or machines never double a sample, and no process has to be special. Samples hold
cumulative counters, so an interval nobody sampled costs resolution, never counts; the chart
draws the differences between consecutive samples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cacheops.backends import ResponseRedis, response_redis
from cacheops.conf import cacheops_settings
from cacheops.exceptions import CacheUnavailable
from cacheops.resilience import breaker, call_redis, redis_errors
from cacheops.ticker import ticker
from logdash.clock import clock


@dataclass(frozen=True)
class Sample:
    """The shared counters (`{type}:{outcome}` -> count) at `ts` (Unix seconds, the interval's start)."""

    ts: int
    counts: dict[str, int]


def samples_key() -> str:
    """The logical key of the list of samples."""
    return f"{cacheops_settings.STATS_KEY}:samples"


def record_sample_if_due(now: float | None = None) -> bool:
    """Append a sample unless one exists for the current interval; return whether this call wrote it.

    Never raises: a sample missed while Redis is away only makes the chart coarser. Like the stats
    flush, it stays outside the breaker's accounting and skips Redis while the breaker is open.
    """
    interval = cacheops_settings.STATS_SAMPLE_INTERVAL
    slot = int((clock.time() if now is None else now) // interval)
    if breaker.state != breaker.CLOSED:
        return False
    try:
        with redis_errors("record a cache stats sample"):
            return _append(slot * interval, interval)
    except CacheUnavailable:
        return False


def _append(ts: int, interval: int) -> bool:
    redis = response_redis()
    client = redis.client
    claim = redis.key(f"{cacheops_settings.STATS_KEY}:sampled:{ts}")
    if not client.set(claim, 1, nx=True, ex=interval * 2):
        return False
    raw = client.hgetall(redis.key(cacheops_settings.STATS_KEY))
    sample = {"ts": ts, "counts": {field.decode(): int(value) for field, value in raw.items()}}
    key = redis.key(samples_key())
    with client.pipeline(transaction=True) as pipe:
        pipe.rpush(key, json.dumps(sample, separators=(",", ":")))
        pipe.ltrim(key, -cacheops_settings.STATS_SAMPLES, -1)
        pipe.execute()
    return True


def _read_samples(redis: ResponseRedis) -> list[bytes]:
    return redis.client.lrange(redis.key(samples_key()), 0, -1)


def get_samples() -> list[Sample]:
    """Return the stored samples, oldest first; raise CacheUnavailable when Redis cannot be read."""
    raw = call_redis(lambda: _read_samples(response_redis()), "read cache stats samples")
    samples = []
    for item in raw:
        try:
            data = json.loads(item)
            samples.append(Sample(int(data["ts"]), {str(k): int(v) for k, v in data["counts"].items()}))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a foreign or damaged item: skip it rather than lose the chart
    return samples


# After the stats flush of the same tick, so the sample includes this process's latest counts.
ticker.add(record_sample_if_due, order=20)
