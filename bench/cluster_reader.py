"""
`python -m bench.cluster_reader`: the hit path's read on a Redis Cluster, with and without the reader.

Starts a 3-primary, 3-replica cluster (logdash.redis_processes), stores one entry, and times the
hit's Redis read (MGET of the type's generation and the entry) in alternating blocks three ways:
cacheops' per-thread reader (`cacheops.reader`, a kept connection straight to the slot's
primary), redis-py's `RedisCluster.execute_command("MGET", ...)` (what the reader would be
without a cluster-aware path), and, for scale, the reader on one plain Redis. Prints medians
per read and the ratios against RedisCluster. Figures in docs/scaling.md.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.test.utils import override_settings  # noqa: E402

from cacheops.backends import get_raw_client, get_response_cache  # noqa: E402
from cacheops.keys import generation_key  # noqa: E402
from cacheops.reader import get_entry_reader  # noqa: E402
from logdash.redis_processes import start_cluster  # noqa: E402
from logdash.services import start_redis  # noqa: E402

KEY = "cache:search:bench-cluster-reader"
OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}


def _median_per_call(call: Callable[[], object], rounds: int, block: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(block):
            call()
        times.append((time.perf_counter() - began) / block)
    return statistics.median(times)


def _prepare() -> tuple[Callable[[], object], Callable[[], object]]:
    cache, client = get_response_cache(), get_raw_client()
    client.set(cache.make_key(KEY), b"x" * 2000)
    generation = cache.make_key(generation_key("search"))
    entry = cache.make_key(KEY)
    reader = get_entry_reader()
    assert reader.read("search", KEY)[1] == b"x" * 2000
    return (lambda: reader.read("search", KEY)), (lambda: client.execute_command("MGET", generation, entry))


def run(rounds: int = 15, block: int = 500) -> dict[str, float]:
    cluster, single = start_cluster(), start_redis()
    cluster_cache = {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": f"redis://{cluster.nodes[0]}",
                     "OPTIONS": {**OPTIONS, "CONNECTION_FACTORY": "cacheops.cluster.ClusterConnectionFactory",
                                 "CLUSTER_NODES": cluster.nodes}}
    single_cache = {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": single.url, "OPTIONS": OPTIONS}
    samples: dict[str, list[float]] = {"cluster, reader": [], "cluster, RedisCluster.execute_command": [],
                                       "one Redis, reader": []}
    try:
        for _ in range(3):  # alternate, so a noisy neighbour hits every variant alike
            with override_settings(CACHES={"default": cluster_cache}):
                direct, through_cluster = _prepare()
                samples["cluster, reader"].append(_median_per_call(direct, rounds, block))
                samples["cluster, RedisCluster.execute_command"].append(
                    _median_per_call(through_cluster, rounds, block))
            with override_settings(CACHES={"default": single_cache}):
                direct, _ = _prepare()
                samples["one Redis, reader"].append(_median_per_call(direct, rounds, block))
    finally:
        cluster.stop()
        single.stop()
    medians = {name: statistics.median(values) * 1e6 for name, values in samples.items()}
    baseline = medians["cluster, RedisCluster.execute_command"]
    for name, micros in medians.items():
        print(f"{name:42} {micros:7.1f} us per read   x{micros / baseline:.2f} of RedisCluster")
    return medians


if __name__ == "__main__":
    run()
