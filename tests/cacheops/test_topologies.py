"""The cache on a real Redis Cluster (3 primaries, 3 replicas) and a real Sentinel set-up.

The fast smoke set of `make test`; `make test-cluster` runs every tests/cacheops test on them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient

from cacheops.backends import get_raw_client, get_response_cache
from cacheops.cluster import check_cluster, check_configured_cluster, is_cluster
from cacheops.conf import CacheType
from cacheops.invalidation import clear_all, invalidate_cache_type, invalidate_pattern
from cacheops.keys import generation_key, make_cache_key
from cacheops.stats import get_cache_stats
from cacheops.ticker import ticker
from logdash.redis_processes import SENTINEL_PORTS, _Processes, _wait_for, find_free_ports
from tests.conftest import TEST_KEY_PREFIX, cluster_cache, sentinel_cache

from .conftest import closed_port, single_redis_cache

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cacheops.urls")]
JSON = {"HTTP_ACCEPT": "application/json"}
ROOT = Path(__file__).resolve().parents[2]
FACTORY = "cacheops.cluster.ClusterConnectionFactory"


@pytest.fixture
def on_cluster(redis_cluster) -> Iterator[object]:
    """The response cache on the session's Redis Cluster."""
    with override_settings(CACHES={"default": cluster_cache(settings.CACHES["default"], redis_cluster)}):
        yield redis_cluster
        _delete_session_keys(get_raw_client())


@pytest.fixture
def on_sentinel(redis_sentinel_setup) -> Iterator[object]:
    with override_settings(CACHES={"default": sentinel_cache(settings.CACHES["default"], redis_sentinel_setup)}):
        yield redis_sentinel_setup
        _delete_session_keys(get_raw_client())


def _delete_session_keys(client) -> None:
    keys = list(client.scan_iter(match=f"{TEST_KEY_PREFIX}:*", count=1000))
    if keys:
        client.unlink(*keys)


def _command_calls(nodes: list[redis.Redis]) -> dict[str, int]:
    """Commands served since the last CONFIG RESETSTAT, summed over the nodes, by name."""
    calls: dict[str, int] = {}
    for node in nodes:
        for name, stat in node.info("commandstats").items():
            command = name.removeprefix("cmdstat_")
            calls[command] = calls.get(command, 0) + int(stat["calls"])
    return calls


def test_a_hit_on_the_cluster_is_one_mget_on_one_node(on_cluster, monkeypatch):
    api = APIClient()
    assert api.get("/echo?q=one-trip", **JSON)["X-Cache"] == "MISS"
    assert api.get("/echo?q=one-trip", **JSON)["X-Cache"] == "HIT"  # the reader and its connection are made
    # The background ticker (stats flush, history sample) would add its own commands to the window.
    monkeypatch.setattr(ticker, "tick", lambda: None)
    # Connected before the reset, so their own HELLO is not counted; their INFO and CONFIG are left out.
    nodes = [redis.Redis(port=port) for port in on_cluster.ports]
    for _ in range(3):  # a tick already under way when the window opened may still land in it: look again
        for node in nodes:
            node.config_resetstat()
        answer = api.get("/echo?q=one-trip", **JSON)
        assert answer["X-Cache"] == "HIT"
        calls = _command_calls(nodes)
        for background in ("config|resetstat", "info", "replconf"):  # replconf: a replica's acknowledgement
            calls.pop(background, None)
        if calls == {"mget": 1}:
            break
    assert calls == {"mget": 1}, f"a hit sent {calls}"


def test_an_entry_and_its_type_generation_share_a_slot(on_cluster):
    client, cache = get_raw_client(), get_response_cache()
    assert is_cluster(client)
    slots = {}
    for cache_type in CacheType:
        entry = cache.make_key(make_cache_key(cache_type, "0" * 32))
        generation = cache.make_key(generation_key(cache_type.value))
        scoped = cache.make_key(f"{generation_key(cache_type.value)}:user:7")
        assert client.keyslot(entry) == client.keyslot(generation) == client.keyslot(scoped), cache_type
        slots[cache_type] = client.keyslot(entry)
    # Each type is one slot; different types are different slots.
    assert len(set(slots.values())) == len(CacheType)


def test_hits_fills_generations_and_invalidation_on_the_cluster(on_cluster):
    api = APIClient()
    first = api.get("/echo?q=c", **JSON)
    assert (first["X-Cache"], api.get("/echo?q=c", **JSON)["X-Cache"]) == ("MISS", "HIT")
    invalidate_cache_type(CacheType.DASHBOARD)
    assert api.get("/echo?q=c", **JSON)["X-Cache"] == "MISS"
    assert api.get("/echo?q=c", **JSON)["X-Cache"] == "HIT"
    assert invalidate_pattern("cache:dashboard:*") == 1
    assert api.get("/echo?q=c", **JSON)["X-Cache"] == "MISS"
    assert get_cache_stats()["is_available"] is True


def test_clear_all_walks_every_primary(on_cluster):
    client, cache = get_raw_client(), get_response_cache()
    for cache_type in CacheType:
        for n in range(3):
            client.set(cache.make_key(make_cache_key(cache_type, f"{n:032d}")), b"x")
    holding = [port for port in on_cluster.primaries()
               if list(redis.Redis(port=port).scan_iter(match=f"{TEST_KEY_PREFIX}:1:cache:*"))]
    assert len(holding) >= 2, "the five types' slots should spread over several primaries"
    assert clear_all() == 3 * len(CacheType)
    assert not [port for port in on_cluster.primaries()
                if list(redis.Redis(port=port).scan_iter(match=f"{TEST_KEY_PREFIX}:1:cache:*"))]


def test_the_start_up_check_accepts_the_cluster(redis_cluster):
    info = check_cluster(redis_cluster.nodes[:1])
    assert info["cluster_state"] == "ok" and int(info["cluster_slots_assigned"]) == 16384


def test_the_start_up_check_runs_on_the_configured_cluster_only(redis_cluster, redis_service):
    with override_settings(CACHES={"default": single_redis_cache(redis_service.url)}):
        assert check_configured_cluster() is None  # one Redis: nothing to check
    with override_settings(CACHES={"default": cluster_cache(settings.CACHES["default"], redis_cluster)}):
        assert check_configured_cluster()["cluster_state"] == "ok"
    port = redis.Redis.from_url(redis_service.url).connection_pool.connection_kwargs["port"]
    plain_redis = {**settings.CACHES["default"],
                   "OPTIONS": {"CONNECTION_FACTORY": FACTORY, "CLUSTER_NODES": [f"127.0.0.1:{port}"]}}
    with override_settings(CACHES={"default": plain_redis}), pytest.raises(ImproperlyConfigured,
                                                                          match="without cluster mode"):
        check_configured_cluster()


def test_the_start_up_check_refuses_an_unreachable_list():
    with pytest.raises(ImproperlyConfigured, match=r"REDIS_CLUSTER_NODES: no node answers .*Connection refused"):
        check_cluster([f"127.0.0.1:{closed_port()}"], timeout=0.5)


def test_the_start_up_check_refuses_a_redis_without_cluster_mode(redis_service):
    port = redis.Redis.from_url(redis_service.url).connection_pool.connection_kwargs["port"]
    with pytest.raises(ImproperlyConfigured, match="without cluster mode"):
        check_cluster([f"127.0.0.1:{port}"])


def test_the_start_up_check_refuses_a_cluster_missing_slots(tmp_path):
    """One cluster-mode node that serves no slot: keys would have nowhere to go."""
    # A cluster-mode node also binds its bus (port + 10000), which may be some client's ephemeral port.
    port = find_free_ports(1, SENTINEL_PORTS, with_bus=True)[0]
    processes = _Processes(tmp_path)
    node = processes.spawn(port, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
    try:
        # A loaded machine may take seconds to start it: wait for it, or fail with its log.
        client = redis.Redis(port=port)
        _wait_for(lambda: node.poll() is not None or client.ping(), 60, f"the node on port {port} did not answer")
        assert node.poll() is None, (tmp_path / str(port) / "redis.log").read_text()[-2000:]
        with pytest.raises(ImproperlyConfigured, match=r"serves 0 of 16384 slots"):
            check_cluster([f"127.0.0.1:{port}"])
    finally:
        processes.stop()


def test_settings_read_the_cluster_and_sentinel_environment():
    code = ("import logdash.settings as s; o = s.CACHES['default']['OPTIONS']; "
            "print(s.CACHES['default']['LOCATION'], o.get('CONNECTION_FACTORY'), o.get('CLUSTER_NODES'), "
            "o.get('SENTINELS'))")

    def run(**environment: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", "DEBUG": "1", **environment})

    cluster = run(REDIS_CLUSTER_NODES="10.0.0.1:7000, 10.0.0.2:7001")
    assert cluster.stdout.split(" ", 2)[:2] == ["redis://10.0.0.1:7000", "cacheops.cluster.ClusterConnectionFactory"]
    assert "['10.0.0.1:7000', '10.0.0.2:7001']" in cluster.stdout
    sentinel = run(REDIS_SENTINELS="10.0.0.5:26379,10.0.0.6:26379", REDIS_SENTINEL_MASTER="cache")
    assert sentinel.stdout.startswith("redis://cache/0 django_redis.pool.SentinelConnectionFactory None")
    assert "[('10.0.0.5', 26379), ('10.0.0.6', 26379)]" in sentinel.stdout
    assert "is not host:port" in run(REDIS_CLUSTER_NODES="10.0.0.1").stderr
    assert "only REDIS_SENTINELS is set" in run(REDIS_SENTINELS="10.0.0.5:26379").stderr
    assert "both set" in run(REDIS_CLUSTER_NODES="a:1", REDIS_SENTINELS="b:2", REDIS_SENTINEL_MASTER="m").stderr


def test_hits_and_invalidation_through_sentinel(on_sentinel):
    api = APIClient()
    assert api.get("/echo?q=s", **JSON)["X-Cache"] == "MISS"
    assert api.get("/echo?q=s", **JSON)["X-Cache"] == "HIT"
    # The entry is on the primary the Sentinels name.
    primary = redis.Redis(port=on_sentinel.current_primary())
    assert list(primary.scan_iter(match=f"{TEST_KEY_PREFIX}:1:cache:{{dashboard}}:*"))
    assert clear_all() == 1
    assert api.get("/echo?q=s", **JSON)["X-Cache"] == "MISS"
