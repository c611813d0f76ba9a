"""
The hit path's Redis round trip, with nothing per request that can be done once.

redis-py's `execute_command` checks a connection out of the pool (a lock and a poll of the
socket), wraps the call in its retry helper and records observability data: about 20 us of
Python, a fifth of a hit. A hit instead sends one packed MGET on a connection kept for its
thread, as Django keeps a database connection per thread, with the cache's key function and
the generation keys resolved once. Failures are left to `call_redis` (retries, breaker),
except a connection the server closed while idle, which is replaced at once.

On a Redis Cluster the MGET goes the same way, straight to the primary serving the type's slot
(the entry and every counter it is checked against share it: `cacheops.keys` tags them with the
type), on a connection kept per thread and node. A reply that is not an answer (MOVED during a
resharding or a failover, a dead node) drops that connection and the read goes through
RedisCluster itself, which follows the redirect and re-reads the slot map; the next read uses
the new map.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import threading
import weakref
from typing import Any

import redis
import redis.asyncio
from django.core.signals import setting_changed
from django.dispatch import receiver

from cacheops.backends import ResponseRedis, response_redis
from cacheops.cluster import is_cluster
from cacheops.keys import generation_key, physical_key_function, scope_generation_key


class EntryReader:
    """One thread's reads of generation counters and an entry from the response cache."""

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
        self.physical_key = physical_key_function(cache)
        self.generation_keys: dict[str, str] = {}
        self.packed_prefixes: dict[str, bytes] = {}

    def __del__(self) -> None:
        # The thread ended (runserver starts one per request): give its connection back.
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                self.pool.release(connection)

    def generation_key(self, type_name: str) -> str:
        physical = self.generation_keys.get(type_name)
        if physical is None:
            physical = self.generation_keys[type_name] = self.physical_key(generation_key(type_name))
        return physical

    def read(self, type_name: str, key: str, scopes: tuple[str, ...] = ()) -> list[bytes | None]:
        """MGET the type's generation counter, the counters of `scopes`, then the entry under `key`.

        One round trip whatever the number of scopes: raw values, undecoded, in that order.
        """
        if not self.direct:
            return self.client.execute_command("MGET", *self._names(type_name, key, scopes))
        if scopes:
            names = [name.encode() for name in self._names(type_name, key, scopes)]
            command = [b"*%d\r\n$4\r\nMGET\r\n" % (len(names) + 1)
                       + b"".join(b"$%d\r\n%b\r\n" % (len(name), name) for name in names)]
        else:
            command = self._pack(type_name, key)
        if self.cluster:
            return self._read_on_cluster(type_name, key, scopes, command)
        return self._send(command)

    def names(self, type_name: str, key: str, scopes: tuple[str, ...] = ()) -> list[str]:
        """The physical keys a read of `key` fetches, in order: type counter, scope counters, entry."""
        return self._names(type_name, key, scopes)

    def _names(self, type_name: str, key: str, scopes: tuple[str, ...]) -> list[str]:
        scope_keys = [self.physical_key(scope_generation_key(type_name, scope)) for scope in scopes]
        return [self.generation_key(type_name), *scope_keys, self.physical_key(key)]

    def _read_on_cluster(self, type_name: str, key: str, scopes: tuple[str, ...],
                         command: list[bytes]) -> list[bytes | None]:
        pool = self.node_pools.get(type_name)
        if pool is None:
            generation = self.generation_key(type_name)
            node = self.client.nodes_manager.get_node_from_slot(self.client.keyslot(generation))
            pool = self.node_pools[type_name] = self.client.get_redis_connection(node).connection_pool
        if pool is not self.pool:
            self._switch_pool(pool)
        try:
            return self._send(command)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            # MOVED/ASK, CLUSTERDOWN, a dead primary: RedisCluster redirects, re-reads the slot map, retries.
            self.node_pools.clear()
            return self.client.execute_command("MGET", *self._names(type_name, key, scopes))

    def _switch_pool(self, pool: Any) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            self.pool.release(connection)
        self.pool = pool

    def _send(self, command: list[bytes]) -> list[bytes | None]:
        if self.connection is not None:
            try:
                return self._round_trip(command)
            except redis.ConnectionError:
                pass  # closed by the server while idle (a restart, its `timeout`): one fresh connection
        self.connection = self.pool.get_connection()
        return self._round_trip(command)

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
# One asyncio client per event loop (its connections belong to that loop), rebuilt like the readers.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, redis.asyncio.Redis]] = (
    weakref.WeakKeyDictionary())
# Connection options that name sync-only objects (the sync parser and retry): the async client has its own.
_SYNC_ONLY_OPTIONS = frozenset({"parser_class", "retry", "redis_connect_func", "connection_class"})


def get_entry_reader() -> EntryReader:
    """This thread's reader, rebuilt after the cache settings change or the process forks."""
    reader = getattr(_local, "reader", None)
    if reader is None or reader.epoch != _epoch:
        reader = _local.reader = EntryReader(response_redis(), _epoch)
    return reader


def get_async_client() -> redis.asyncio.Redis:
    """The running event loop's `redis.asyncio` client to the response cache's Redis (same server, db, auth).

    Built from the sync pool's connection options, so CACHES stays the one place that says where
    Redis is; for async views' hits, which must not block the loop on a socket.
    """
    loop = asyncio.get_running_loop()
    held = _async_clients.get(loop)
    if held is not None and held[0] == _epoch:
        return held[1]
    sync_pool = response_redis().client.connection_pool
    connection_class = getattr(redis.asyncio.connection, sync_pool.connection_class.__name__,
                               redis.asyncio.Connection)
    accepted = _init_parameters(connection_class)
    options = {name: value for name, value in sync_pool.connection_kwargs.items()
               if name in accepted and name not in _SYNC_ONLY_OPTIONS}
    pool = redis.asyncio.ConnectionPool(connection_class=connection_class,
                                        max_connections=sync_pool.max_connections, **options)
    client = redis.asyncio.Redis(connection_pool=pool)
    _async_clients[loop] = (_epoch, client)
    return client


def _init_parameters(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(inspect.signature(init).parameters)
    return names


def forget_readers() -> None:
    """Make every thread build a new reader (new settings, or a forked child)."""
    global _epoch
    _epoch += 1


@receiver(setting_changed)
def _reset_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"CACHES", "CACHEOPS"}:
        forget_readers()


os.register_at_fork(after_in_child=forget_readers)
