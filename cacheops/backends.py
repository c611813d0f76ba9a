"""
The cache backend: django-redis underneath, marked compression, and reads that never crash.

`CACHES = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": "redis://..."}}`.
It is django-redis's RedisCache (so `django_redis.get_redis_connection` works), with the
cacheops client and compressor as defaults; OPTIONS CLIENT_CLASS / COMPRESSOR still win. Its default
KEY_FUNCTION is `cacheops.keys.make_physical_key` (Django's format plus the Redis Cluster hash tag of
the cache type). With OPTIONS CONNECTION_FACTORY `cacheops.cluster.ClusterConnectionFactory` the
client underneath is a redis-py RedisCluster.
A value the backend cannot decode (another client's bytes, garbage, truncated zlib) is a miss
and a log line, never an exception.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django_redis.cache import RedisCache as DjangoRedisCache
from django_redis.client import DefaultClient

from cacheops.codec import MAGIC
from cacheops.conf import cacheops_settings

logger = logging.getLogger("cacheops")

# What decode() hands back to the readers below for a value it cannot read; never returned to a caller.
_UNREADABLE = object()


class CacheopsClient(DefaultClient):
    """django-redis's client, whose reads treat an undecodable value as absent."""

    def decode(self, value: bytes | int | str) -> Any:
        if isinstance(value, bytes) and value[:1] == MAGIC:
            # Our own marked value: skip django-redis's int() attempt, which raises for every entry.
            try:
                return self._serializer.loads(self._compressor.decompress(value))
            except Exception as exc:
                return _unreadable(value, exc)
        try:
            return super().decode(value)
        # Unpickling garbage can raise almost anything (UnpicklingError, EOFError, ValueError...).
        except Exception as exc:
            return _unreadable(value, exc)

    def get(self, key: str, default: Any = None, version: int | None = None, client: Any = None) -> Any:
        value = super().get(key, default=default, version=version, client=client)
        return default if value is _UNREADABLE else value

    def get_many(self, keys: Any, version: int | None = None, client: Any = None) -> dict:
        found = super().get_many(keys, version=version, client=client)
        return {key: value for key, value in found.items() if value is not _UNREADABLE}

    def sscan_iter(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return (value for value in super().sscan_iter(*args, **kwargs) if value is not _UNREADABLE)


def _without_unreadable(name: str) -> Callable[..., Any]:
    """`DefaultClient.<name>` with unreadable members left out (a lone unreadable value reads as None)."""
    parent = getattr(DefaultClient, name)

    @functools.wraps(parent)
    def method(self: DefaultClient, *args: Any, **kwargs: Any) -> Any:
        result = parent(self, *args, **kwargs)
        if result is _UNREADABLE:
            return None
        if isinstance(result, set | list):
            return type(result)(value for value in result if value is not _UNREADABLE)
        return result

    return method


# The readers that decode members of sets (django-redis 7.0.0 builds their result from decode()).
for _name in ("smembers", "sdiff", "sinter", "sunion", "sscan", "spop", "srandmember"):
    setattr(CacheopsClient, _name, _without_unreadable(_name))


def _unreadable(value: object, exc: Exception) -> object:
    logger.warning("[CACHE ERROR] unreadable value (%d bytes) read as a miss: %s: %s",
                   len(value) if isinstance(value, bytes | str) else 0, type(exc).__name__, exc)
    return _UNREADABLE


class RedisCache(DjangoRedisCache):
    """django-redis's cache with cacheops' client and format-marking compressor as defaults."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("CLIENT_CLASS", "cacheops.backends.CacheopsClient")
        options.setdefault("COMPRESSOR", cacheops_settings.COMPRESSOR)
        params = {**params, "OPTIONS": options}
        params.setdefault("KEY_FUNCTION", "cacheops.keys.make_physical_key")
        params.setdefault("REVERSE_KEY_FUNCTION", "cacheops.keys.reverse_physical_key")
        super().__init__(server, params)


def get_response_cache() -> RedisCache:
    """Return the cache that stores responses (CACHEOPS['CACHE_ALIAS'])."""
    return caches[cacheops_settings.CACHE_ALIAS]


def get_raw_client(cache: Any = None) -> Any:
    """Return the redis-py client behind the response cache (for SCAN, UNLINK and the stats hash)."""
    return (cache or get_response_cache()).client.get_client(write=True)


@dataclass(frozen=True, slots=True)
class ResponseRedis:
    """The response cache, its redis-py client and its key function: what every raw Redis call needs.

    cacheops talks to Redis itself (entries, generations, locks, stats) under the keys Django's
    cache would use, so KEY_PREFIX and version apply to everything it writes.
    """

    cache: Any
    client: Any

    def key(self, logical: str) -> str:
        """The physical key of a logical one (the cache's KEY_PREFIX and version added)."""
        return self.cache.make_key(logical)


def response_redis() -> ResponseRedis:
    """Return the response cache (CACHEOPS['CACHE_ALIAS']) with its raw client, resolved now.

    Resolved per call, not at import: tests and operators swap CACHES at run time. A cluster
    client reads the slot map when it is first made, so this can raise a Redis error: call it
    inside the operation given to `call_redis`, never before it.
    """
    cache = get_response_cache()
    return ResponseRedis(cache, get_raw_client(cache))
