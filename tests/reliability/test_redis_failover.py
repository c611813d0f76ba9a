"""
A Redis Cluster primary, or a Sentinel-managed primary, dies under load: a replica takes over and
gunicorn keeps answering 2xx, uncached for the seconds of the failover, then cached again.

Two gunicorn workers serve the real app with REDIS_CLUSTER_NODES (a 3-primary, 3-replica cluster,
`cluster-node-timeout` 2 s) or REDIS_SENTINELS + REDIS_SENTINEL_MASTER (a primary, a replica and
three Sentinels, `down-after-milliseconds` 1000), each started for the test from redis-server.
After 5 s of warm load the primary holding the search entries' slot (or the Sentinel primary) is
SIGKILLed and never restarted; the load goes on for 15 s. Asserted: zero non-2xx, a warm cache
before, HITs again at the end without anyone acting, and the breaker (if it opened) closed again.
The figures (`pytest -s`) are recorded in docs/reliability.md. Slow: `make test-slow`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from redis.crc import key_slot

from logdash.redis_processes import start_cluster, start_sentinel_setup
from logdash.services import free_port
from tests.reliability.app import App, AppDatabase, app_environment, prepare_database
from tests.reliability.load import LoadGenerator, Sample, between, summarise

pytestmark = pytest.mark.slow

READS = ["/api/dashboard", "/api/search?q=error", "/api/search?q=timeout&level=ERROR", "/api/search?level=WARNING"]
SEARCHES = [path for path in READS if path.startswith("/api/search")]
CLIENT_THREADS = 16
WARM_SECONDS, AFTER_KILL_SECONDS = 5.0, 15.0


@pytest.fixture(scope="module")
def database(tmp_path_factory, engine) -> AppDatabase:
    path = tmp_path_factory.mktemp("redis-failover") / "db.sqlite3"
    return prepare_database(path, engine_url=engine, redis_url=f"redis://127.0.0.1:{free_port()}/0", demo_lines=300)


def run_failover(app: App, database: AppDatabase, kill) -> dict:
    with LoadGenerator(app.url, READS, database.headers("alice"), threads=CLIENT_THREADS) as load:
        began = time.monotonic()
        time.sleep(WARM_SECONDS)
        killed_at = time.monotonic()
        kill()
        time.sleep(AFTER_KILL_SECONDS)
    return {"samples": load.samples, "errors": load.errors, "began": began, "killed_at": killed_at,
            "ended": time.monotonic()}


def seconds_without_cache(samples: list[Sample], killed_at: float) -> float:
    """From the kill to the start of the last search after it that was not a HIT."""
    missed = [sample.started for sample in samples if sample.started >= killed_at and sample.path in SEARCHES
              and sample.cache != "HIT"]
    return round(max(missed) - killed_at, 2) if missed else 0.0


def report_and_check(name: str, run: dict, log: str) -> dict:
    samples = run["samples"]
    figures = {
        "whole run": summarise(samples),
        "warm, before the kill": summarise(between(samples, run["began"], run["killed_at"])),
        "first 5 s after the kill": summarise(between(samples, run["killed_at"], run["killed_at"] + 5)),
        "last 3 s": summarise(between(samples, run["ended"] - 3, run["ended"])),
    }
    gap = seconds_without_cache(samples, run["killed_at"])
    print(f"\n{name}: {run['ended'] - run['began']:.1f} s of load, searches uncached for {gap} s after the kill")
    for phase, values in figures.items():
        print(f"  {phase:26} {values}")
    assert figures["whole run"]["non_2xx"] == 0, run["errors"]
    assert figures["whole run"]["requests"] >= 500
    assert figures["warm, before the kill"]["hit_share"] > 0.9
    # The cache resumed by itself on the promoted replica: no restart of the app, no operator.
    assert figures["last 3 s"]["requests"] >= 30
    assert figures["last 3 s"]["hit_share"] > 0.9
    assert gap < AFTER_KILL_SECONDS - 3
    if "circuit breaker open" in log:
        assert "Redis answers again: circuit breaker closed" in log
    return figures


@pytest.fixture
def cluster() -> Iterator[object]:
    started = start_cluster()
    yield started
    started.stop()


@pytest.fixture
def sentinel_setup() -> Iterator[object]:
    started = start_sentinel_setup()
    yield started
    started.stop()


def test_a_cluster_primary_killed_under_load(cluster, database, engine, tmp_path):
    environment = app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine,
                                  REDIS_CLUSTER_NODES=",".join(cluster.nodes))
    app = App(environment, tmp_path / "gunicorn.log").start()
    try:
        victim = cluster.primary_of_slot(key_slot(b"{search}"))  # where every search entry lives
        run = run_failover(app, database, lambda: cluster.kill(victim))
        report_and_check(f"Cluster primary {victim} (slot of {{search}}) killed", run, app.log())
        assert victim not in cluster.primaries()  # its replica was promoted
    finally:
        app.stop()


def test_a_sentinel_primary_killed_under_load(sentinel_setup, database, engine, tmp_path):
    environment = app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine,
                                  REDIS_SENTINELS=",".join(sentinel_setup.sentinels),
                                  REDIS_SENTINEL_MASTER=sentinel_setup.master_name)
    app = App(environment, tmp_path / "gunicorn.log").start()
    try:
        primary = sentinel_setup.current_primary()
        run = run_failover(app, database, lambda: sentinel_setup.kill(primary))
        report_and_check(f"Sentinel primary {primary} killed", run, app.log())
        assert sentinel_setup.current_primary() == sentinel_setup.replica_port
    finally:
        app.stop()
