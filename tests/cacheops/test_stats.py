"""Counters: per type, hit rate, across processes, while Redis is down, and the health verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from cacheops import stats
from cacheops.stats import StatsRecorder, get_cache_health, get_cache_stats, reset_cache_stats
from cacheops.ticker import Ticker


def record(cache_type: str, outcome: str, times: int) -> None:
    for _ in range(times):
        stats.record_field(stats.make_field(cache_type, outcome))


def test_zero_traffic():
    result = get_cache_stats()
    assert (result["total_requests"], result["hit_rate"], result["is_available"]) == (0, 0.0, True)
    assert set(result["by_type"]) == {"dashboard", "search", "user", "product", "analytics"}


def test_totals_per_type_and_hit_rate_with_two_decimals():
    record("dashboard", stats.HIT, 2)
    record("search", stats.MISS, 1)
    result = get_cache_stats()
    assert {k: result[k] for k in ("hits", "misses", "errors", "total_requests", "hit_rate")} == {
        "hits": 2, "misses": 1, "errors": 0, "total_requests": 3, "hit_rate": 66.67,
    }
    assert result["by_type"]["dashboard"] == {"hits": 2, "misses": 0, "errors": 0, "stale": 0, "total_requests": 2,
                                              "hit_rate": 100.0}


def test_reading_twice_does_not_count_twice():
    record("user", stats.HIT, 1)
    get_cache_stats()
    assert get_cache_stats()["hits"] == 1


def test_counts_of_another_process_are_visible():
    record("dashboard", stats.HIT, 3)
    env = {**os.environ, "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "-m", "tests.cacheops.stats_probe", json.dumps(settings.CACHES),
         "dashboard:hits:5", "search:misses:2", "search:errors:1"],
        check=True, env=env, cwd=settings.BASE_DIR, timeout=60,
    )
    result = get_cache_stats()
    assert result["by_type"]["dashboard"]["hits"] == 8
    assert result["by_type"]["search"] == {"hits": 0, "misses": 2, "errors": 1, "stale": 0, "total_requests": 3,
                                           "hit_rate": 0.0}
    assert result["scope"] == "all processes"


def test_the_background_thread_flushes(redis_connection, cache):
    recorder = StatsRecorder(Ticker())
    try:
        with override_settings(CACHEOPS={"STATS_FLUSH_INTERVAL": 0.01}):
            recorder.record_field(stats.make_field("product", stats.MISS))
            deadline = time.monotonic() + 10
            while not redis_connection.hget(cache.make_key("cacheops:stats"), "product:misses"):
                assert time.monotonic() < deadline, "the flusher thread never flushed"
                time.sleep(0.01)
    finally:
        recorder.stop()
    assert get_cache_stats()["by_type"]["product"]["misses"] == 1


def test_reset():
    record("analytics", stats.ERROR, 4)
    get_cache_stats()
    record("analytics", stats.ERROR, 1)
    reset_cache_stats()
    assert get_cache_stats()["errors"] == 0


def test_counts_survive_an_outage_and_are_flushed_later(redis_down):
    record("search", stats.HIT, 2)
    during = get_cache_stats()
    assert (during["is_available"], during["scope"], during["hits"]) == (False, "this process only", 2)
    with override_settings(CACHEOPS={}):
        after = get_cache_stats()
    assert (after["is_available"], after["hits"]) == (True, 2)


def test_counts_a_slow_failing_flush_is_writing_are_still_pending(monkeypatch):
    # A Sentinel or cluster outage fails slowly: a stats read meanwhile must still see this process's counts.
    writing, fail = threading.Event(), threading.Event()

    def slow_failure(counts):
        writing.set()
        fail.wait(5)
        raise redis.ConnectionError("the primary is gone")

    monkeypatch.setattr("cacheops.stats._increment", slow_failure)
    recorder = StatsRecorder(Ticker())
    recorder.record_field(stats.make_field("search", stats.HIT))
    flusher = threading.Thread(target=recorder.flush)
    flusher.start()
    assert writing.wait(5)
    assert recorder.pending() == {"search:hits": 1}
    fail.set()
    flusher.join()
    assert recorder.pending() == {"search:hits": 1}
    recorder.stop()


def test_the_fork_child_does_not_inherit_pending_counts():
    recorder = StatsRecorder(Ticker())
    recorder.record_field(stats.make_field("search", stats.HIT))
    recorder.after_fork()
    assert recorder.pending() == {}
    recorder.stop()


def make_stats(hits=0, misses=0, errors=0, available=True) -> dict:
    total = hits + misses + errors
    return {"hits": hits, "misses": misses, "errors": errors, "total_requests": total,
            "hit_rate": round(hits * 100 / total, 2) if total else 0.0, "is_available": available}


@pytest.mark.parametrize(
    ("counts", "healthy", "says"),
    [
        ({}, True, "Only 0 requests counted"),
        ({"hits": 3, "misses": 10}, True, "Only 13 requests"),
        ({"hits": 30, "misses": 10}, True, ""),
        ({"hits": 10, "misses": 30}, False, "Hit rate 25.0% is below 50.0%"),
        ({"hits": 100, "errors": 11}, False, "11 cache errors (more than 10)"),
        ({"hits": 100, "errors": 10}, True, ""),
        ({"available": False}, False, "Redis is unavailable"),
    ],
)
def test_health(counts, healthy, says):
    health = get_cache_health(make_stats(**counts))
    assert health["healthy"] is healthy
    assert says in " ".join(health["problems"] + health["notes"])
