"""
Session fixtures: the real Redis, the real search engine and real Celery workers.

Redis is the one answering at REDIS_URL, else the bundled redis-server; the search engine
is an osmem-server started for this session. A service that cannot be started stops the
run with a message naming it (never a skip). Each test session gets its own Django cache
KEY_PREFIX, so concurrent runs on one Redis never see each other's keys; each test that
asks for `search_engine` gets a fresh copy-on-write clone of the engine.

`--redis-topology=cluster` (or `sentinel`) points the response cache at a 3-primary, 3-replica
Redis Cluster (or a primary, a replica and three Sentinels) started for the session from the
redis-server binary: `make test-topologies` runs tests/cacheops that way.
Jobs go to a queue of this session's own (on the Redis broker: REDIS_URL's next database number).
`celery_worker` is a real worker process on it, sharing the test database (a SQLite file, so another
process can open it), the cache prefix, the media folder and one engine clone for the session's
workers (`worker_engine` empties it for a test); `job_worker` runs a test once with
it and once with a worker on RabbitMQ (skipped, with the reason printed, when none answers).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
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

from logdash import celery_app
from logdash.broker import next_redis_db
from logdash.redis_processes import RedisCluster, RedisSentinelSetup, start_cluster, start_sentinel_setup
from logdash.services import RunningService, ServiceError, find_or_start_redis, start_search_engine
from tests.celery_worker import WorkerProcess, broker_answers, point_app_at, purge_queue

LOGHUB_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "loghub"
TEST_KEY_PREFIX = f"logdash-test-{os.getpid()}"
# The instant tests that reason about days, hours or TTLs pin the product clock to: a Tuesday
# noon, far from midnight in every zone the suite uses, so "today" never depends on when CI runs.
PINNED_NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
TEST_QUEUE = f"logdash-test-{os.getpid()}"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
# Job settings of the test workers: fast retries, and a second delivery takes over after 5 s without progress.
WORKER_LOGDASH = {"JOB_SEARCH_RETRIES": 1, "JOB_RETRY_BACKOFF_SECONDS": 0.5, "JOB_HEARTBEAT_STALE_SECONDS": 5.0}
# A Redis broker delivers a job again 5 s after its worker died, checking every second.
WORKER_TRANSPORT_OPTIONS = {"visibility_timeout": 5, "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
                            "max_retries": 1}


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    """A folder of this session's own (in memory where /dev/shm exists): test database, media, worker files."""
    directory = Path(tempfile.mkdtemp(prefix="logdash-test-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None, session_dir: Path) -> None:
    """A SQLite test database in a file rather than in memory, so a worker process opens the same one."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(session_dir / "test.sqlite3")
        database.setdefault("OPTIONS", {})["timeout"] = 30


@pytest.fixture(scope="session", autouse=True)
def _test_database_stays_open(django_db_setup) -> None:
    """The test process's own connection to the file test database is never closed mid-test, as Django never
    closes an in-memory one: requests sent straight to the WSGI handler (schemathesis) end with
    `close_old_connections`, which would close it inside the test's transaction. Other threads' connections
    (and the workers') close as usual."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor == "sqlite":
        connection.is_in_memory_db = lambda: True


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `single_redis` talk to one Redis on purpose; under another topology they say so and skip."""
    topology = config.getoption("--redis-topology")
    if topology == "single":
        return
    for item in items:
        marker = item.get_closest_marker("single_redis")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"one Redis only ({marker.args[0]}), not --redis-topology="
                                                    f"{topology}"))


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
               "CONNECTION_POOL_CLASS": "redis.sentinel.SentinelConnectionPool",
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
              search_engine_service: RunningService, session_dir: Path) -> Iterator[None]:
    """Point Django's cache and the search client at this session's services."""
    caches_setting = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches_setting["default"].update(LOCATION=redis_service.url, KEY_PREFIX=TEST_KEY_PREFIX)
    topology = request.config.getoption("--redis-topology")
    if topology == "cluster":
        caches_setting["default"] = cluster_cache(caches_setting["default"], request.getfixturevalue("redis_cluster"))
    elif topology == "sentinel":
        caches_setting["default"] = sentinel_cache(caches_setting["default"],
                                                   request.getfixturevalue("redis_sentinel_setup"))
    point_app_at(celery_app, next_redis_db(redis_service.url), TEST_QUEUE)
    with override_settings(
        CACHES=caches_setting,
        REDIS_URL=redis_service.url,
        ELASTICSEARCH_URL=search_engine_service.url,
        ELASTICSEARCH_FLAVOR="osmem",
        MEDIA_ROOT=str(session_dir / "media"),
    ):
        yield
        purge_queue(celery_app, TEST_QUEUE)
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


@pytest.fixture(scope="session")
def worker_engine_url(search_engine_service: RunningService) -> Iterator[str]:
    """A clone of the session's engine that the test workers write to (the base is frozen once cloned)."""
    clone = _osmem_request("POST", f"{search_engine_service.url}/_osmem/clones")
    yield clone["url"]
    _osmem_request("DELETE", f"{search_engine_service.url}/_osmem/clones/{clone['id']}")


@pytest.fixture(scope="session")
def worker_settings(django_db_setup, _services: None, session_dir: Path, worker_engine_url: str) -> dict:
    """The settings a test worker needs to see what the test process sees."""
    from django.db import connection

    database = {key: connection.settings_dict[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}
    database["OPTIONS"] = dict(connection.settings_dict.get("OPTIONS") or {})
    return {
        "DATABASES": {"default": database},
        "CACHES": settings.CACHES,
        "REDIS_URL": settings.REDIS_URL,
        "ELASTICSEARCH_URL": worker_engine_url,
        "ELASTICSEARCH_FLAVOR": "osmem",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "LOGDASH": WORKER_LOGDASH,
        "CELERY_BROKER_TRANSPORT_OPTIONS": WORKER_TRANSPORT_OPTIONS,
    }


@pytest.fixture(scope="session")
def celery_worker(worker_settings: dict, session_dir: Path) -> Iterator[WorkerProcess]:
    """A real worker (two pool processes) on this session's queue of the Redis broker."""
    worker = WorkerProcess(session_dir, broker_url=celery_app.conf.broker_url, queue=TEST_QUEUE,
                           settings=worker_settings, concurrency=2).start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def rabbitmq_worker(worker_settings: dict, session_dir: Path) -> Iterator[WorkerProcess]:
    """A real worker on RabbitMQ; the tests that need it are skipped, saying why, when none answers."""
    reason = broker_answers(RABBITMQ_URL)
    if reason:
        print(f"\nRabbitMQ job tests skipped: no RabbitMQ answers at {RABBITMQ_URL} ({reason})")
        pytest.skip(f"no RabbitMQ answers at {RABBITMQ_URL}: {reason}")
    worker = WorkerProcess(session_dir, broker_url=RABBITMQ_URL, queue=f"{TEST_QUEUE}-amqp",
                           settings=worker_settings, concurrency=2).start()
    yield worker
    worker.stop()
    redis_broker, queue = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    point_app_at(celery_app, RABBITMQ_URL, worker.queue)
    purge_queue(celery_app, worker.queue)
    point_app_at(celery_app, redis_broker, queue)


@pytest.fixture(params=["redis", "rabbitmq"])
def job_worker(request: pytest.FixtureRequest) -> Iterator[WorkerProcess]:
    """The test runs twice: jobs through the Redis broker, then through RabbitMQ."""
    redis_broker, queue = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    if request.param == "redis":
        yield request.getfixturevalue("celery_worker")
        return
    worker = request.getfixturevalue("rabbitmq_worker")
    point_app_at(celery_app, worker.broker_url, worker.queue)
    yield worker
    point_app_at(celery_app, redis_broker, queue)


@pytest.fixture
def jobs_in_process(_services: None) -> Iterator[None]:
    """Jobs run eagerly, inside the request that sends them (Celery's eager mode), for tests of failure paths.

    Such a test needs its own settings and engine clone, which a worker process cannot see; with `?wait=`
    the upload then answers as it did before jobs existed. Every other job test uses a real worker.
    """
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


@pytest.fixture
def worker_engine(celery_worker, worker_engine_url, settings) -> str:
    """The workers' engine clone, emptied, for a test whose uploads a worker indexes; returns its URL.

    A worker process cannot follow a per-test clone (`search_engine`), so the test reads the clone the
    workers write to, without the lines of earlier tests.
    """
    from dashboard import client as search_client
    from dashboard.conf import dashboard_settings

    settings.ELASTICSEARCH_URL = worker_engine_url
    search_client.get_client().indices.delete(index=f"{dashboard_settings.INDEX_ALIAS}*", ignore_unavailable=True,
                                              allow_no_indices=True)
    return worker_engine_url


@pytest.fixture
def idle_queue(_services):
    """Jobs sent during the test wait in a queue no worker reads."""
    queue = f"{TEST_QUEUE}-idle"
    point_app_at(celery_app, celery_app.conf.broker_url, queue)
    yield queue
    purge_queue(celery_app, queue)
    point_app_at(celery_app, celery_app.conf.broker_url, TEST_QUEUE)


def run_job_here(upload_id: int):
    """Run an upload's job in this process (eager), for tests of failure paths under this test's settings."""
    from dashboard.tasks import ingest_upload

    ingest_upload.apply((upload_id,))
    from dashboard.models import Upload

    return Upload.objects.get(pk=upload_id)
