"""
The hit path's Redis round trip, with nothing per request that can be done once.

redis-py's `execute_command` checks a connection out of the pool (a lock and a poll of the
socket), wraps the call in its retry helper and records observability data: about 20 us of
Python, a fifth of a hit. A hit instead sends one packed MGET on a connection kept for its
thread, as Django keeps a database connection per thread, with the cache's key function and
the generation keys resolved once. Failures are left to `call_redis` (retries, breaker),
except a connection the server closed while idle, which is replaced at once.

On a Redis Cluster the MGET goes the same way, straight to the primary serving the type's slot
(the entry and its generation counter share it: `cacheops.keys` tags both with the type), on a
connection kept per thread and node. A reply that is not an answer (MOVED during a resharding or
a failover, a dead node) drops that connection and the read goes through RedisCluster itself,
which follows the redirect and re-reads the slot map; the next read uses the new map.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

import redis
from django.core.signals import setting_changed
from django.dispatch import receiver

from cacheops.backends import ResponseRedis, get_raw_client, get_response_cache
from cacheops.cluster import is_cluster
from cacheops.keys import generation_key


class EntryReader:
    """One thread's reads of (generation, entry) pairs from the response cache."""

    def __init__(self, target: ResponseRedis, epoch: int) -> None:
        self.epoch = epoch
        self.connection: Any = None
        cache = target.cache
        self.client = target.client
        self.cluster = is_cluster(self.client)
        self.pool = getattr(self.client, "connection_pool", None)
        # Anything but a plain pooled client or a cluster (a single-connection client, a test
        # double) goes through redis-py's public API.
        self.direct = self.cluster or (
            isinstance(self.pool, redis.ConnectionPool) and getattr(self.client, "connection", None) is None
        )
        # Cluster: the pool of the node serving each type's slot, as of the last read.
        self.node_pools: dict[str, Any] = {}
        self.key_function, self.key_prefix, self.version = cache.key_func, cache.key_prefix, cache.version
        self.generation_keys: dict[str, str] = {}
        self.packed_prefixes: dict[str, bytes] = {}

    def __del__(self) -> None:
        # The thread ended (runserver starts one per request): give its connection back.
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                self.pool.release(connection)

    def physical_key(self, key: str) -> str:
        return self.key_function(key, self.key_prefix, self.version)

    def generation_key(self, type_name: str) -> str:
        physical = self.generation_keys.get(type_name)
        if physical is None:
            physical = self.generation_keys[type_name] = self.physical_key(generation_key(type_name))
        return physical

    def read(self, type_name: str, key: str) -> list[bytes | None]:
        """MGET the type's generation counter and the entry under `key`: raw values, undecoded."""
        if not self.direct:
            return self.client.execute_command("MGET", self.generation_key(type_name), self.physical_key(key))
        command = self._pack(type_name, key)
        if self.cluster:
            return self._read_on_cluster(type_name, key, command)
        if self.connection is not None:
            try:
                return self._round_trip(command)
            except redis.ConnectionError:
                pass  # closed by the server while idle (a restart, its `timeout`): one fresh connection
        self.connection = self.pool.get_connection()
        return self._round_trip(command)

    def _read_on_cluster(self, type_name: str, key: str, command: list[bytes]) -> list[bytes | None]:
        pool = self.node_pools.get(type_name)
        if pool is None:
            generation = self.generation_key(type_name)
            node = self.client.nodes_manager.get_node_from_slot(self.client.keyslot(generation))
            pool = self.node_pools[type_name] = self.client.get_redis_connection(node).connection_pool
        if pool is not self.pool:
            self._switch_pool(pool)
        try:
            if self.connection is not None:
                try:
                    return self._round_trip(command)
                except redis.ConnectionError:
                    pass  # closed by the server while idle: one fresh connection, as on one Redis
            self.connection = self.pool.get_connection()
            return self._round_trip(command)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            # MOVED/ASK, CLUSTERDOWN, a dead primary: RedisCluster redirects, re-reads the slot map, retries.
            self.node_pools.clear()
            return self.client.execute_command("MGET", self.generation_key(type_name), self.physical_key(key))

    def _switch_pool(self, pool: Any) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            self.pool.release(connection)
        self.pool = pool

    def _pack(self, type_name: str, key: str) -> list[bytes]:
        # The RESP array redis-py's pack_command would build, with its constant head made once.
        prefix = self.packed_prefixes.get(type_name)
        if prefix is None:
            generation = self.generation_key(type_name).encode()
            prefix = self.packed_prefixes[type_name] = b"*3\r\n$4\r\nMGET\r\n$%d\r\n%b\r\n" % (
                len(generation), generation)
        entry = self.physical_key(key).encode()
        return [b"%b$%d\r\n%b\r\n" % (prefix, len(entry), entry)]

    def _round_trip(self, command: list[bytes]) -> list[bytes | None]:
        connection = self.connection
        try:
            connection.send_packed_command(command, check_health=False)
            return connection.read_response()
        except redis.ResponseError:
            raise  # an error reply (MOVED, CLUSTERDOWN) was read whole: the connection is still in step
        except BaseException:
            # A reply may still be on its way: never read it as the answer to the next command.
            self.connection = None
            connection.disconnect()
            self.pool.release(connection)
            raise


_local = threading.local()
_epoch = 0


def get_entry_reader() -> EntryReader:
    """This thread's reader, rebuilt after the cache settings change or the process forks."""
    reader = getattr(_local, "reader", None)
    if reader is None or reader.epoch != _epoch:
        cache = get_response_cache()
        reader = _local.reader = EntryReader(ResponseRedis(cache, get_raw_client(cache)), _epoch)
    return reader


def forget_readers() -> None:
    """Make every thread build a new reader (new settings, or a forked child)."""
    global _epoch
    _epoch += 1


@receiver(setting_changed)
def _reset_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"CACHES", "CACHEOPS"}:
        forget_readers()


os.register_at_fork(after_in_child=forget_readers)
