"""
Redis dies (SIGKILL) or hangs (SIGSTOP) under load: gunicorn keeps answering 2xx, uncached.

Two gunicorn workers serve the real app against a private redis-server and a clone of the
session's search engine holding a few hundred demo lines. A Python load generator sends
/api/dashboard and /api/search for about 20 s; Redis is killed (or stopped) after the cache is
warm and brought back later. The test then reads what every request got:

- no answer other than 2xx, no transport error;
- `[CACHE ERROR]` and the breaker opening in gunicorn's log;
- once the breaker is open, the median latency is the uncached one (measured in the same test
  with a distinct key per search), not a Redis timeout per request;
- after Redis returns, `X-Cache: HIT` again without anyone acting (breaker cooldown 2 s here).

The figures of each run are printed (`pytest -s`) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from logdash.services import free_port
from tests.reliability.app import App, AppDatabase, RedisProcess, app_environment, prepare_database
from tests.reliability.load import LoadGenerator, Sample, between, summarise

READS = ["/api/dashboard", "/api/search?q=error", "/api/search?q=timeout&level=ERROR", "/api/search?level=WARNING"]
CLIENT_THREADS = 16
WARM_SECONDS, FAULT_SECONDS, RECOVERY_SECONDS = 5.0, 6.0, 9.0
SOCKET_TIMEOUT = settings.CACHES["default"]["OPTIONS"]["SOCKET_TIMEOUT"]
BREAKER_THRESHOLD = 5


@pytest.fixture(scope="module")
def database(tmp_path_factory, engine) -> AppDatabase:
    path = tmp_path_factory.mktemp("redis-outage") / "db.sqlite3"
    return prepare_database(path, engine_url=engine, redis_url=f"redis://127.0.0.1:{free_port()}/0", demo_lines=300)


@pytest.fixture
def app(database, engine, private_redis, tmp_path) -> Iterator[App]:
    environment = app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine, REDIS_URL=private_redis.url)
    served = App(environment, tmp_path / "gunicorn.log").start()
    yield served
    served.stop()


SEARCHES = [path for path in READS if path.startswith("/api/search")]


def uncached_baseline(app: App, database: AppDatabase, seconds: float = 3.0) -> list[Sample]:
    """The searches at the same concurrency, each with a key never seen before: every one computed.

    Each carries a distinct `to` far in the future (a declared parameter, so part of the key, and
    the same results); undeclared parameters are left out of keys, so a nonce would not do.
    """
    moments = (datetime(2100, 1, 1, tzinfo=UTC) + timedelta(seconds=n) for n in itertools.count())
    paths = [f"{path}&to={next(moments):%Y-%m-%dT%H:%M:%SZ}" for _ in range(5000) for path in SEARCHES]
    with LoadGenerator(app.url, paths, database.headers("alice"), threads=CLIENT_THREADS) as load:
        time.sleep(seconds)
    return load.samples


def run_fault(app: App, database: AppDatabase, inflict: Callable[[], None], repair: Callable[[], None]) -> dict:
    """Warm the cache under load, inflict the fault, repair it, keep loading; return the samples and marks."""
    with LoadGenerator(app.url, READS, database.headers("alice"), threads=CLIENT_THREADS) as load:
        began = time.monotonic()
        time.sleep(WARM_SECONDS)
        fault_at = time.monotonic()
        inflict()
        time.sleep(FAULT_SECONDS)
        repaired_at = time.monotonic()
        repair()
        time.sleep(RECOVERY_SECONDS)
    return {"samples": load.samples, "errors": load.errors, "began": began, "fault_at": fault_at,
            "repaired_at": repaired_at, "ended": time.monotonic()}


def report(name: str, run: dict, baseline: list[Sample], detection: float) -> dict:
    samples = run["samples"]
    figures = {
        "whole run": summarise(samples),
        "warm, before the fault": summarise(between(samples, run["began"], run["fault_at"])),
        "fault, breaker open": summarise(between(samples, run["fault_at"] + detection, run["repaired_at"])),
        "breaker open, searches": summarise([sample for sample in between(samples, run["fault_at"] + detection,
                                                                          run["repaired_at"])
                                             if sample.path in SEARCHES]),
        "fault, whole": summarise(between(samples, run["fault_at"], run["repaired_at"])),
        "after repair, last 3 s": summarise(between(samples, run["ended"] - 3, run["ended"])),
        "uncached baseline": summarise(baseline),
    }
    print(f"\n{name}: {run['ended'] - run['began']:.1f} s of load")
    for phase, values in figures.items():
        print(f"  {phase:24} {values}")
    return figures


def assert_survived(figures: dict, run: dict, log: str) -> None:
    whole = figures["whole run"]
    assert whole["non_2xx"] == 0, run["errors"]
    # The load really ran in every phase; a count, not a throughput target (the machine is small and shared).
    assert whole["requests"] >= 500
    assert figures["after repair, last 3 s"]["requests"] >= 30
    assert figures["warm, before the fault"]["hit_share"] > 0.9
    assert "[CACHE ERROR]" in log
    assert "circuit breaker open" in log
    assert figures["uncached baseline"]["hit_share"] == 0  # the baseline really computed every answer
    open_, baseline = figures["breaker open, searches"], figures["uncached baseline"]
    assert open_["requests"] > 0
    # The breaker's promise: no request waits on Redis, so latency is the uncached one, not a timeout.
    # Ratios, not wall-clock budgets: a request waiting on Redis would take at least SOCKET_TIMEOUT.
    assert open_["p50_ms"] <= 3 * baseline["p50_ms"] + 5, (open_, baseline)
    assert open_["p50_ms"] < 1000 * SOCKET_TIMEOUT, (open_, baseline)
    # The cache resumes by itself: no restart of the app, no operator.
    assert figures["after repair, last 3 s"]["hit_share"] > 0.9
    assert "Redis answers again: circuit breaker closed" in log


def test_redis_killed_under_load(app: App, database: AppDatabase, private_redis: RedisProcess):
    baseline = uncached_baseline(app, database)
    run = run_fault(app, database, private_redis.kill, private_redis.restart)
    # A refused connection is detected at once; retries and the threshold take well under a second.
    figures = report("Redis killed (SIGKILL), restarted on its port", run, baseline, detection=1.0)
    assert_survived(figures, run, app.log())


def test_redis_hung_under_load(app: App, database: AppDatabase, private_redis: RedisProcess):
    baseline = uncached_baseline(app, database)
    run = run_fault(app, database, private_redis.pause, private_redis.resume)
    # A hung Redis costs each worker BREAKER_THRESHOLD timeouts before its breaker opens.
    detection = BREAKER_THRESHOLD * SOCKET_TIMEOUT + 1.0
    figures = report("Redis hung (SIGSTOP), continued (SIGCONT)", run, baseline, detection=detection)
    assert_survived(figures, run, app.log())
    assert "TimeoutError" in app.log()
