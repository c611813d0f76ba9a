"""Prometheus metrics of the cache: outcome counters, latency histograms, bytes, breaker, several processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.multiprocess import mark_process_dead
from rest_framework.test import APIClient

from cacheops import metrics
from cacheops.resilience import breaker
from tests.prometheus import parse, value
from tests.prometheus import scrape as scrape_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cacheops.urls")]


@pytest.fixture
def scrape(client):
    """Scrape /metrics through the project's URLs (this module's urlconf has only test views)."""

    def scrape_project() -> dict:
        with override_settings(ROOT_URLCONF="logdash.urls"):
            return scrape_client(client)

    return scrape_project


def latency_count(samples: dict, outcome: str, type_name: str = "dashboard") -> float:
    return value(samples, "cacheops_response_seconds_count", type=type_name, outcome=outcome)


def test_a_miss_and_a_hit_show_in_the_counters_and_the_latency_buckets(scrape):
    before = scrape()
    api = APIClient()
    assert [api.get("/echo?m=1")["X-Cache"] for _ in range(2)] == ["MISS", "HIT"]
    after = scrape()
    assert value(after, "cacheops_requests_total", type="dashboard", outcome="hit") == 1
    assert value(after, "cacheops_requests_total", type="dashboard", outcome="miss") == 1
    assert value(after, "cacheops_requests_total", type="search", outcome="error") == 0
    assert value(after, "cacheops_stats_available") == 1
    for outcome in ("hit", "miss"):
        assert latency_count(after, outcome) == latency_count(before, outcome) + 1
        inf = value(after, "cacheops_response_seconds_bucket", type="dashboard", outcome=outcome, le="+Inf")
        assert inf == latency_count(after, outcome)
    assert any(name == "cacheops_response_seconds_bucket" and ("le", "0.0005") in labels for name, labels in after)


def test_an_outage_is_an_error_and_the_counters_are_withheld(scrape, redis_down):
    assert APIClient().get("/echo?m=2")["X-Cache"] == "MISS"
    samples = scrape()
    assert value(samples, "cacheops_stats_available") == 0
    # One process's pending counts would look like a counter reset: report none until Redis answers.
    assert not any(name == "cacheops_requests_total" for name, _ in samples)


def test_the_breaker_state_gauge_follows_the_breaker(scrape):
    assert value(scrape(), "cacheops_circuit_breaker_state") == 0
    for _ in range(settings.CACHEOPS.get("BREAKER_THRESHOLD", 5)):
        breaker.record_failure()
    opened = scrape()
    assert (value(opened, "cacheops_circuit_breaker_state"), value(opened, "cacheops_circuit_breaker_open_processes")) \
        == (2, 1)
    breaker.reset()
    assert value(scrape(), "cacheops_circuit_breaker_state") == 0


def test_raw_and_stored_bytes_grow_when_an_entry_is_stored(scrape):
    before = scrape()
    assert APIClient().get("/echo?big=1")["X-Cache"] == "MISS"
    after = scrape()
    raw = value(after, "cacheops_value_raw_bytes_total") - value(before, "cacheops_value_raw_bytes_total")
    stored = value(after, "cacheops_value_stored_bytes_total") - value(before, "cacheops_value_stored_bytes_total")
    assert raw > 4000 and 0 < stored < raw / 2  # a ~5 KB repetitive body, zlib-compressed


def test_a_hit_stores_nothing_and_counts_no_bytes(scrape):
    APIClient().get("/echo?big=1")
    before = scrape()
    assert APIClient().get("/echo?big=1")["X-Cache"] == "HIT"
    assert value(scrape(), "cacheops_value_raw_bytes_total") == value(before, "cacheops_value_raw_bytes_total")


def test_accumulated_latencies_merge_exactly_like_observe():
    """Replayed observations expose exactly what observing at once does."""
    seconds = [0.0001, 0.0005, 0.0007, 0.003, 0.5, 11.0, 0.0005]
    merged_registry, observed_registry = CollectorRegistry(), CollectorRegistry()
    merged = Histogram("t_seconds", "t", buckets=metrics.LATENCY_BUCKETS, registry=merged_registry)
    observed = Histogram("t_seconds", "t", buckets=metrics.LATENCY_BUCKETS, registry=observed_registry)
    accumulator = metrics.LatencyAccumulator(merged)
    for amount in seconds:
        accumulator.observe(amount)
        observed.observe(amount)
    accumulator.flush()
    accumulator.flush()  # nothing pending: adds nothing
    assert _exposed(merged_registry) == _exposed(observed_registry)


def test_pending_latencies_are_bounded_without_a_ticker(monkeypatch):
    registry = CollectorRegistry()
    histogram = Histogram("t_seconds", "t", buckets=metrics.LATENCY_BUCKETS, registry=registry)
    accumulator = metrics.LatencyAccumulator(histogram)
    monkeypatch.setattr(accumulator, "MAX_PENDING", 3)
    for _ in range(3):
        accumulator.observe(0.001)
    assert registry.get_sample_value("t_seconds_count") == 3  # replayed by the observing thread


def _exposed(registry: CollectorRegistry) -> list[str]:
    return [line for line in generate_latest(registry).decode().splitlines() if "_created" not in line]


def _run_worker(directory, query: str, breaker_state: str) -> int:
    env = {**os.environ, "DEBUG": "1", "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    result = subprocess.run(
        [sys.executable, "-m", "tests.cacheops.metrics_probe", json.dumps(settings.CACHES), query, breaker_state],
        check=True, env=env, cwd=settings.BASE_DIR, timeout=60, capture_output=True, text=True,
    )
    return int(result.stdout.split()[-1])


def test_two_processes_observations_both_appear(client, tmp_path):
    """Two "workers" write into one PROMETHEUS_MULTIPROC_DIR; a scrape sums them, as under gunicorn."""
    closed_pid = _run_worker(tmp_path, "worker=1", "closed")
    open_pid = _run_worker(tmp_path, "worker=2", "open")
    assert closed_pid != open_pid
    with override_settings(ROOT_URLCONF="logdash.urls", PROMETHEUS_MULTIPROC_DIR=str(tmp_path)):
        samples = scrape_client(client)
        assert (latency_count(samples, "hit"), latency_count(samples, "miss")) == (2, 2)
        # The counters come from Redis: the first worker's reached it at exit; the second one's
        # breaker was open, so it kept its counts rather than write to a Redis it deems down.
        assert value(samples, "cacheops_requests_total", type="dashboard", outcome="hit") == 1
        assert value(samples, "cacheops_circuit_breaker_state") == 2
        assert value(samples, "cacheops_circuit_breaker_open_processes") == 1
        mark_process_dead(open_pid, str(tmp_path))  # what logdash.gunicorn_conf.child_exit does
        samples = scrape_client(client)
        assert value(samples, "cacheops_circuit_breaker_state") == 0
        assert latency_count(samples, "hit") == 2  # a dead worker's counts stay


def test_metrics_text_parses():
    """Every family of the default registry has a HELP text and parses."""
    from prometheus_client import REGISTRY

    assert parse(generate_latest(REGISTRY).decode())
