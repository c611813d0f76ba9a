"""
The Prometheus collector of the shared cache counters, read from Redis at scrape time.

Apart from `cacheops.metrics` (the process's own metric objects, which the hit path writes):
it reads the stats, which need Redis, the backend and the breaker, and the hit path must not
import any of that through the metrics it records.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cacheops import metrics
from cacheops.outcomes import Outcome
from cacheops.stats import get_cache_stats


class CacheStatsCollector(Collector):
    """Outcome counters of every process, read from the shared stats hash at scrape time.

    Register it before the collectors of the histograms: it first flushes this process's
    pending latencies, so a scrape sees everything observed before it.
    """

    def collect(self) -> Iterator[Metric]:
        metrics.flush_latencies()
        stats = get_cache_stats()
        yield GaugeMetricFamily(
            "cacheops_stats_available", "1 when the shared cache stats could be read from Redis at scrape time.",
            value=1 if stats["is_available"] else 0,
        )
        if not stats["is_available"]:
            return
        requests = CounterMetricFamily(
            "cacheops_requests",
            "Cacheable requests by cache type and outcome, summed over every process and machine sharing the Redis.",
            labels=["type", "outcome"],
        )
        for type_name, counts in stats["by_type"].items():
            for outcome in Outcome:
                requests.add_metric([type_name, outcome.label], counts[outcome])
        yield requests
        yield CounterMetricFamily(
            "cacheops_fill_lock_release_failures",
            "Fill locks whose release failed (expired, Redis unreachable, or a bug), summed over every process.",
            value=stats["fill_lock_release_failures"],
        )
