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
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.utils.module_loading import import_string
from django_redis.cache import RedisCache as DjangoRedisCache
from django_redis.client import DefaultClient
from django_redis.client.default import CacheKey
from redis.exceptions import ResponseError

from cacheops.codec import MAGIC
from cacheops.conf import cacheops_settings
from cacheops.keys import physical_key_function

logger = logging.getLogger("cacheops")

# What decode() hands back to the readers below for a value it cannot read; never returned to a caller.
_UNREADABLE = object()
# A default no stored value can equal: tells a stored None from an absent key. Never returned either.
_MISSING = object()


class CacheopsClient(DefaultClient):
    """django-redis's client, whose reads treat an undecodable value as absent, with Django's cache API contract.

    Where django-redis 7.0.0 departs from what Django's own Redis backend (and its test suite)
    promises of the public API, this client keeps Django's promise: keys memcached would refuse
    warn with CacheKeyWarning, `set_many` returns the keys it failed to store (`[]`),
    `delete_many([])` returns None, `incr` of a value that is not a number raises Redis'
    ResponseError, and `incr_version` moves a stored None like any other value.
    """

    def __init__(self, server: Any, params: dict[str, Any], backend: Any) -> None:
        super().__init__(server, params, backend)
        if "COMPRESSOR" not in self._options:
            self._compressor = import_string(cacheops_settings.COMPRESSOR)(options=self._options)

    def make_key(self, key: Any, version: int | None = None, prefix: str | None = None) -> CacheKey:
        if isinstance(key, CacheKey):
            return key
        made = super().make_key(key, version=version, prefix=prefix)
        self._backend.validate_key(made)  # BaseCache: CacheKeyWarning for keys memcached would refuse
        return made

    def set_many(self, data: dict[str, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None,
                 client: Any = None) -> list:
        super().set_many(data, timeout=timeout, version=version, client=client)
        return []  # a failure raises (ConnectionInterrupted); no key is ever left out silently

    def delete_many(self, keys: Any, version: int | None = None, client: Any = None) -> int | None:
        keys = list(keys)
        if not keys:
            return None
        return super().delete_many(keys, version=version, client=client)

    def _incr(self, key: Any, delta: int = 1, version: int | None = None, client: Any = None,
              ignore_key_check: bool = False) -> int:
        try:
            return super()._incr(key, delta=delta, version=version, client=client, ignore_key_check=ignore_key_check)
        except TypeError as exc:
            # django-redis falls back to get() + delta for values Redis cannot INCR; when the value is not a
            # number (None, a str) that is Redis' own refusal, as Django's backend reports it.
            raise ResponseError(f"incr of {key!r}: the stored value is not a number ({exc})") from exc

    def incr_version(self, key: Any, delta: int = 1, version: int | None = None, client: Any = None) -> int:
        if client is None:
            client = self.get_client(write=True)
        if version is None:
            version = self._backend.version
        old_key = self.make_key(key, version)
        value = self.get(old_key, default=_MISSING, version=version, client=client)
        if value is _MISSING:
            raise ValueError(f"Key {key!r} not found")
        timeout = self.ttl(old_key, version=version, client=client)
        original = key.original_key() if isinstance(key, CacheKey) else key
        self.set(self.make_key(original, version=version + delta), value, timeout=timeout, client=client)
        self.delete(old_key, client=client)
        return version + delta

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
        if _is_unreadable(result):
            return None
        if isinstance(result, set | list):
            return type(result)(value for value in result if not _is_unreadable(value))
        return result

    return method


def _is_unreadable(value: object) -> bool:
    # A member, or a (member, score) pair of a sorted set.
    return value is _UNREADABLE or (isinstance(value, tuple) and bool(value) and value[0] is _UNREADABLE)


# Every reader of django-redis 7.0.0 that builds its result from decode(), besides get/get_many
# (tests/cacheops/test_backend.py checks this list against the installed version's source).
DECODING_READERS = ("smembers", "sdiff", "sinter", "sunion", "sscan", "spop", "srandmember",
                    "zrange", "zrevrange", "zrangebyscore", "zrevrangebyscore", "zpopmin", "zpopmax")
for _name in DECODING_READERS:
    setattr(CacheopsClient, _name, _without_unreadable(_name))


def _unreadable(value: object, exc: Exception) -> object:
    logger.warning("[CACHE ERROR] unreadable value (%d bytes) read as a miss: %s: %s",
                   len(value) if isinstance(value, bytes | str) else 0, type(exc).__name__, exc)
    return _UNREADABLE


class RedisCache(DjangoRedisCache):
    """django-redis's cache with cacheops' client and compressor as defaults (OPTIONS CLIENT_CLASS / COMPRESSOR win).

    The OPTIONS dict is django-redis's own, not a copy: code that edits it (as django-redis's
    CLOSE_CONNECTION does, read at close time) sees the same options the client reads.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        # The physical key format (the type's hash tag, for Redis Cluster) unless the project names its own.
        # OPTIONS itself is kept, not copied, so what edits it later (CLOSE_CONNECTION) is what the client reads.
        params = {**params}
        params.setdefault("KEY_FUNCTION", "cacheops.keys.make_physical_key")
        params.setdefault("REVERSE_KEY_FUNCTION", "cacheops.keys.reverse_physical_key")
        super().__init__(server, params)
        if "CLIENT_CLASS" not in (params.get("OPTIONS") or {}):
            self._client_cls = CacheopsClient


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
        return physical_key_function(self.cache)(logical)


def response_redis() -> ResponseRedis:
    """Return the response cache (CACHEOPS['CACHE_ALIAS']) with its raw client, resolved now.

    Resolved per call, not at import: tests and operators swap CACHES at run time. A cluster
    client reads the slot map when it is first made, so this can raise a Redis error: call it
    inside the operation given to `call_redis`, never before it.
    """
    cache = get_response_cache()
    return ResponseRedis(cache, get_raw_client(cache))
