"""
Session fixtures: the real Redis and the real search engine.

Redis is the one answering at REDIS_URL, else the bundled redis-server; the search engine
is an osmem-server started for this session. A service that cannot be started stops the
run with a message naming it (never a skip). Each test session gets its own Django cache
KEY_PREFIX, so concurrent runs on one Redis never see each other's keys; each test that
asks for `search_engine` gets a fresh copy-on-write clone of the engine.

`--redis-topology=cluster` (or `sentinel`) points the response cache at a 3-primary, 3-replica
Redis Cluster (or a primary, a replica and three Sentinels) started for the session from the
redis-server binary: `make test-cluster` runs tests/cacheops that way.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.test.utils import override_settings
from django_redis import get_redis_connection

from logdash.redis_processes import RedisCluster, RedisSentinelSetup, start_cluster, start_sentinel_setup
from logdash.services import RunningService, ServiceError, find_or_start_redis, start_search_engine

LOGHUB_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "loghub"
TEST_KEY_PREFIX = f"logdash-test-{os.getpid()}"
# The instant tests that reason about days, hours or TTLs pin the product clock to: a Tuesday
# noon, far from midnight in every zone the suite uses, so "today" never depends on when CI runs.
PINNED_NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def redis_service() -> Iterator[RunningService]:
    try:
        service = find_or_start_redis(settings.REDIS_URL, url_is_explicit=settings.REDIS_URL_IS_EXPLICIT)
    except ServiceError as exc:
        pytest.exit(f"Redis could not be found or started: {exc}", returncode=3)
    yield service
    service.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--redis-topology", choices=("single", "cluster", "sentinel"), default="single",
                     help="where the response cache lives: one Redis (REDIS_URL, the default), a Redis Cluster "
                          "or a Sentinel set-up started for the session")


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """A 3-primary, 3-replica Redis Cluster on ports 41000-41999, joined with redis-cli."""
    try:
        cluster = start_cluster()
    except ServiceError as exc:
        pytest.exit(f"The Redis Cluster could not be started: {exc}", returncode=3)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_sentinel_setup() -> Iterator[RedisSentinelSetup]:
    """A primary, a replica and three Sentinels on ports 42000-42099."""
    try:
        setup = start_sentinel_setup()
    except ServiceError as exc:
        pytest.exit(f"The Sentinel set-up could not be started: {exc}", returncode=3)
    yield setup
    setup.stop()


def cluster_cache(base: dict, cluster: RedisCluster) -> dict:
    """`base` (a CACHES entry) pointed at `cluster`, as settings.py does for REDIS_CLUSTER_NODES."""
    options = {**base.get("OPTIONS", {}), "CONNECTION_FACTORY": "cacheops.cluster.ClusterConnectionFactory",
               "CLUSTER_NODES": cluster.nodes}
    return {**base, "LOCATION": f"redis://{cluster.nodes[0]}", "OPTIONS": options}


def sentinel_cache(base: dict, setup: RedisSentinelSetup) -> dict:
    """`base` pointed at the Sentinel set-up, as settings.py does for REDIS_SENTINELS."""
    options = {**base.get("OPTIONS", {}), "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
               "SENTINELS": [(host, int(port)) for host, port in (node.split(":") for node in setup.sentinels)]}
    return {**base, "LOCATION": f"redis://{setup.master_name}/0", "OPTIONS": options}


@pytest.fixture(scope="session")
def search_engine_service() -> Iterator[RunningService]:
    try:
        service = start_search_engine()
    except ServiceError as exc:
        pytest.exit(f"The search engine could not be started: {exc}", returncode=3)
    yield service
    service.stop()


@pytest.fixture(scope="session", autouse=True)
def _services(request: pytest.FixtureRequest, redis_service: RunningService,
              search_engine_service: RunningService) -> Iterator[None]:
    """Point Django's cache and the search client at this session's services."""
    caches_setting = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches_setting["default"].update(LOCATION=redis_service.url, KEY_PREFIX=TEST_KEY_PREFIX)
    topology = request.config.getoption("--redis-topology")
    if topology == "cluster":
        caches_setting["default"] = cluster_cache(caches_setting["default"], request.getfixturevalue("redis_cluster"))
    elif topology == "sentinel":
        caches_setting["default"] = sentinel_cache(caches_setting["default"],
                                                   request.getfixturevalue("redis_sentinel_setup"))
    with override_settings(
        CACHES=caches_setting,
        REDIS_URL=redis_service.url,
        ELASTICSEARCH_URL=search_engine_service.url,
        ELASTICSEARCH_FLAVOR="osmem",
    ):
        yield
        # Counts still pending at exit belong to no one: never flush them to the Redis's real stats key.
        from cacheops.stats import recorder

        recorder.stop()


@pytest.fixture(autouse=True)
def _clean_cache(_services: None) -> Iterator[None]:
    """Remove this session's cache keys after each test (only ours: the prefix is per session)."""
    yield
    connection = get_redis_connection("default")
    # A cluster's scan_iter walks every primary; its unlink splits the keys by slot.
    keys = list(connection.scan_iter(match=f"{TEST_KEY_PREFIX}:*", count=1000))
    if keys:
        connection.unlink(*keys)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The product clock (`logdash.clock`, and every `time.time()`) stopped at PINNED_NOW.

    `clock.shift(seconds)` moves it, in every thread; monotonic time (timeouts, lock waits) is untouched.
    """
    with time_machine.travel(PINNED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ticking_clock() -> Iterator[time_machine.Traveller]:
    """The product clock started at PINNED_NOW and running, for tests whose code needs time to pass."""
    with time_machine.travel(PINNED_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def redis_connection(_services: None):
    """The raw redis-py client behind the default cache."""
    return get_redis_connection("default")


@pytest.fixture
def cache(_services: None):
    return caches["default"]


def _osmem_request(method: str, url: str) -> dict:
    request = urllib.request.Request(url, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return json.loads(text) if text else {}


@pytest.fixture
def search_engine(search_engine_service: RunningService) -> Iterator[str]:
    """A fresh, empty clone of the session's search engine for this test; yields its URL."""
    clone = _osmem_request("POST", f"{search_engine_service.url}/_osmem/clones")
    with override_settings(ELASTICSEARCH_URL=clone["url"], ELASTICSEARCH_FLAVOR="osmem"):
        yield clone["url"]
    _osmem_request("DELETE", f"{search_engine_service.url}/_osmem/clones/{clone['id']}")


@pytest.fixture
def loghub_dir() -> Path:
    if not LOGHUB_DIR.is_dir():
        pytest.skip(f"the Loghub samples are not at {LOGHUB_DIR} (../shared/data/loghub beside the checkout)")
    return LOGHUB_DIR
