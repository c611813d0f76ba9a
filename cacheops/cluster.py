"""
Redis Cluster under django-redis, which has no cluster client of its own.

`ClusterConnectionFactory` is a django-redis CONNECTION_FACTORY that hands django-redis a
redis-py `RedisCluster` instead of a `Redis`: every cache call, and every raw call cacheops
makes, is then routed to the node serving its key's slot, following MOVED/ASK redirects and
re-reading the slot map after a failover.

    CACHES = {"default": {
        "BACKEND": "cacheops.backends.RedisCache",
        "LOCATION": "redis://10.0.0.1:7000",
        "OPTIONS": {"CONNECTION_FACTORY": "cacheops.cluster.ClusterConnectionFactory",
                    "CLUSTER_NODES": ["10.0.0.1:7000", "10.0.0.2:7000"]},
    }}

logdash/settings.py writes that from REDIS_CLUSTER_NODES. `check_cluster` is the start-up check.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django_redis.pool import ConnectionFactory
from redis.backoff import ExponentialWithJitterBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError
from redis.retry import Retry

__all__ = ["ClusterConnectionFactory", "check_cluster", "is_cluster", "parse_node", "primaries"]

SLOTS = 16384


class CacheCluster(RedisCluster):
    """RedisCluster whose MGET spans slots: django-redis' `get_many` sends one MGET for any keys.

    cacheops' own reads never need this (an entry and its generation share a slot).
    """

    def mget(self, keys: Any, *args: Any) -> list[Any]:
        return self.mget_nonatomic(keys, *args)


def parse_node(node: str) -> tuple[str, int]:
    """`host:port` -> (host, port); ImproperlyConfigured naming the bad entry otherwise."""
    host, sep, port = node.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"Redis node {node!r} is not host:port (e.g. 10.0.0.1:7000).")
    return host.strip("[]"), int(port)


def is_cluster(client: object) -> bool:
    """Whether `client` is a redis-py cluster client (keys are routed by slot)."""
    return isinstance(client, RedisCluster)


def primaries(client: RedisCluster) -> list[Any]:
    """The redis-py client of every primary node, for commands that walk a node's whole keyspace."""
    return [client.get_redis_connection(node) for node in client.get_primaries()]


class ClusterConnectionFactory(ConnectionFactory):
    """A django-redis connection factory whose `connect()` returns a `RedisCluster`.

    One RedisCluster per set of options and process: Django builds a cache object per thread,
    and each RedisCluster reads the slot map (CLUSTER SLOTS) when made.
    """

    _clusters: dict[tuple, RedisCluster] = {}
    _lock = threading.Lock()

    def connect(self, url: str) -> RedisCluster:
        params = self.make_connection_params(url)
        nodes = tuple(self.options.get("CLUSTER_NODES") or [_host_port_of(url)])
        key = (nodes, tuple(sorted((k, repr(v)) for k, v in params.items())))
        with self._lock:
            client = self._clusters.get(key)
            if client is None:
                client = self._clusters[key] = self._make_cluster(nodes, params)
        return client

    def _make_cluster(self, nodes: tuple[str, ...], params: dict[str, Any]) -> RedisCluster:
        kwargs = {name: params[name] for name in ("username", "password", "socket_timeout", "socket_connect_timeout")
                  if params.get(name) is not None}
        startup_nodes = [ClusterNode(*parse_node(node)) for node in nodes]
        try:
            return CacheCluster(
                startup_nodes=startup_nodes,
                # A failover moves slots: redis-py re-reads the map and retries, with a short backoff.
                retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3),
                require_full_coverage=True,
                **kwargs,
                **self.options.get("CLUSTER_KWARGS", {}),
            )
        except RedisClusterException as exc:
            # Not a RedisError: say it as one, so the cache's error handling (retries, breaker) applies.
            raise RedisConnectionError(f"Redis Cluster at {', '.join(nodes)}: {exc}") from exc

    def disconnect(self, connection: RedisCluster) -> None:
        connection.disconnect_connection_pools()


def _host_port_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}"


def check_cluster(nodes: list[str], *, timeout: float = 2.0) -> dict[str, Any]:
    """Check that `nodes` reach a working cluster; return its CLUSTER INFO, else raise ImproperlyConfigured.

    Refused: no node answers, a node that is not in cluster mode, a cluster whose slots are not
    all served (a missing primary: some keys would have nowhere to go).
    """
    import redis

    reached: list[str] = []
    errors: list[str] = []
    for node in nodes:
        host, port = parse_node(node)
        client = redis.Redis(host=host, port=port, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            info = client.info("cluster")
            if not info.get("cluster_enabled"):
                raise ImproperlyConfigured(
                    f"REDIS_CLUSTER_NODES: {node} is a Redis without cluster mode (cluster_enabled:0). "
                    "Point REDIS_CLUSTER_NODES at nodes started with `--cluster-enabled yes`, or use REDIS_URL "
                    "for a single Redis.")
            cluster_info = client.cluster("info")
        except RedisError as exc:
            errors.append(f"{node}: {type(exc).__name__}: {exc}")
            continue
        finally:
            client.close()
        reached.append(node)
        assigned = int(cluster_info.get("cluster_slots_assigned", 0))
        failing = int(cluster_info.get("cluster_slots_fail", 0))
        if assigned < SLOTS or failing or cluster_info.get("cluster_state") != "ok":
            raise ImproperlyConfigured(
                f"REDIS_CLUSTER_NODES: the cluster {node} belongs to serves {assigned - failing} of {SLOTS} slots "
                f"(cluster_state:{cluster_info.get('cluster_state')}); every slot must be served. Assign the "
                "missing slots (`redis-cli --cluster fix`) or wait for a failover to finish.")
        return cluster_info
    raise ImproperlyConfigured(
        f"REDIS_CLUSTER_NODES: no node answers ({'; '.join(errors)}). Start the cluster or fix the list.")


def check_configured_cluster() -> dict[str, Any] | None:
    """Run `check_cluster` on the response cache's CLUSTER_NODES, if it is a cluster; None otherwise."""
    from cacheops.conf import cacheops_settings, get_django_setting

    options = (get_django_setting("CACHES", {}).get(cacheops_settings.CACHE_ALIAS) or {}).get("OPTIONS") or {}
    if options.get("CONNECTION_FACTORY") != f"{__name__}.ClusterConnectionFactory":
        return None
    nodes = options.get("CLUSTER_NODES") or []
    if not nodes:
        raise ImproperlyConfigured("The response cache uses ClusterConnectionFactory without OPTIONS CLUSTER_NODES.")
    return check_cluster(nodes, timeout=float(options.get("SOCKET_CONNECT_TIMEOUT") or 2.0) * 4)
