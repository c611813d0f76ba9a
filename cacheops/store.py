"""
Reading and writing entries, and the generations that invalidate a type or a scope in O(1).

A hit is ONE round trip: MGET of the type's generation counter, the counters of the scopes the
entry depends on (`user:42`, `product:7`: see `cacheops.keys.validate_scope`), and the entry.
An entry stores the sum of those counters when it was computed; invalidating a type or a scope
only INCRs its counter, so every older entry that depends on it stops matching at once,
whatever their number, and is overwritten by the next fill or expires with its TTL. Counters
only go up and are never deleted (they live outside the `cache:` namespace, see `cacheops.keys`),
so the sum over an entry's counters changes exactly when one of them does.

Entries are written and read as our own bytes (`cacheops.codec`: `encode_entry` + `frame`, `load_entry`)
through the raw redis-py client, under the key the cache's key function makes (KEY_PREFIX,
version): never through Django's cache API, which pickles. Whatever else sits under an entry
key is a logged miss and is never unpickled.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

from cacheops import metrics, stats
from cacheops.backends import response_redis
from cacheops.codec import CorruptValueError, encode_entry, frame
from cacheops.compressors import CacheopsCompressor, ZlibCompressor
from cacheops.conf import CacheType, cacheops_settings
from cacheops.decoded import load_decoded_entry
from cacheops.entries import Entry
from cacheops.exceptions import CacheUnavailable
from cacheops.keys import fill_lock_key, generation_key, scope_generation_key
from cacheops.reader import get_async_client, get_entry_reader
from cacheops.resilience import acall_redis, call_redis

logger = logging.getLogger("cacheops")


def read_entry(type_name: str, key: str, scopes: tuple[str, ...] = ()) -> tuple[int, Entry | None]:
    """Return the current generation of the entry under `key` and the entry (None: absent or unreadable).

    The generation is the sum of the type's counter and the counters of `scopes`.
    """
    # The reader is made inside the call: on a cluster, making the client reads the slot map.
    raw = call_redis(lambda: get_entry_reader().read(type_name, key, scopes), "read a cached response")
    return _decode_read(type_name, key, scopes, raw)


async def aread_entry(type_name: str, key: str, scopes: tuple[str, ...] = ()) -> tuple[int, Entry | None]:
    """`read_entry` for async views: the same MGET through `redis.asyncio`, never blocking the event loop.

    On a Redis Cluster the sync read (its slot routing and redirects) runs in a worker thread instead.
    """
    reader = get_entry_reader()
    if reader.cluster:
        return await asyncio.to_thread(read_entry, type_name, key, scopes)
    names = reader.names(type_name, key, scopes)
    client = get_async_client()
    raw = await acall_redis(lambda: client.mget(names), "read a cached response")
    return _decode_read(type_name, key, scopes, raw)


def _decode_read(type_name: str, key: str, scopes: tuple[str, ...],
                 raw: list[bytes | None]) -> tuple[int, Entry | None]:
    *raw_generations, raw_entry = raw
    generation = _parse_generation(raw_generations[0], generation_key(type_name))
    for scope, raw_generation in zip(scopes, raw_generations[1:], strict=True):
        generation += _parse_generation(raw_generation, scope_generation_key(type_name, scope))
    if raw_entry is None:
        return generation, None
    try:
        return generation, load_decoded_entry(raw_entry, cacheops_settings.MAX_ENTRY_BYTES)
    except CorruptValueError as exc:
        logger.warning("[CACHE ERROR] unreadable entry under %s (%d bytes) read as a miss: %s",
                       key, len(raw_entry), exc)
        return generation, None


def _parse_generation(raw: bytes | None, counter: str) -> int:
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        # Someone else wrote under our counter: no entry that depends on it can be trusted as current,
        # so they are served uncached (and counted as errors) until an operator deletes the key.
        logger.error("[CACHE ERROR] the generation counter %s holds %r, not an integer: the responses that "
                     "depend on it are served uncached until it is deleted", counter, raw[:40])
        raise CacheUnavailable(f"read a cached response: corrupted generation counter {counter}") from None


def write_entry(key: str, entry: Entry, timeout: int) -> None:
    """Store `entry` under `key` for `timeout` seconds (its TTL plus the stale windows)."""
    redis = call_redis(response_redis, "store a response")
    compressor = _entry_compressor(redis.cache)
    layout = encode_entry(entry)
    value = frame(layout, compress_over=compressor.compress_over, level=compressor.level)
    physical = redis.key(key)
    call_redis(lambda: redis.client.set(physical, value, ex=max(1, int(timeout))), "store a response")
    metrics.record_write(len(layout), len(value))


def _entry_compressor(cache: object) -> CacheopsCompressor:
    """The cache's own compressor (CACHES OPTIONS decide level and threshold), if it is one of ours."""
    compressor = getattr(getattr(cache, "client", None), "_compressor", None)  # django-redis's DefaultClient
    if isinstance(compressor, CacheopsCompressor):
        return compressor
    # Not the cacheops backend (system check cacheops.W001 says so): entries still need our framing.
    return ZlibCompressor({})


def bump_generation(type_name: str) -> int:
    """Make every entry of the type stale at once; return the new generation."""
    return bump_generations((type_name,), what="invalidate a cache type")[0]


def bump_generations(type_names: tuple[str, ...] = (), scopes: tuple[str, ...] = (), *,
                     what: str = "invalidate cached responses") -> list[int]:
    """Make every entry of the types, and every entry that depends on the scopes, stale at once.

    One pipelined round trip of INCRs, whatever the number of entries; return the new counters.
    """
    # A scope's entries may be of any type, and each type keeps its own counter of the scope (in its slot).
    names = [generation_key(name) for name in type_names] + [
        scope_generation_key(cache_type.value, scope) for scope in scopes for cache_type in CacheType]
    if not names:
        return []

    def incr_all() -> list[int]:
        # The client is made inside the call: on a cluster, making it connects, and may fail like any command.
        redis = response_redis()
        with redis.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.incr(redis.key(name))
            return [int(value) for value in pipe.execute()]

    return call_redis(incr_all, what)


def fill_lock(key: str, timeout: float) -> Lock:
    """The lock that lets one request fill `key` while the others wait (redis-py's token lock).

    Its token is kept on the lock object, not in thread-local storage (`thread_local=False`): a
    stale-while-revalidate refresh takes the lock in the request thread and releases it in a
    refresh thread. Each fill makes its own Lock object, so no two threads share a token by accident.
    """
    redis = call_redis(response_redis, "take a fill lock")
    return Lock(redis.client, redis.key(fill_lock_key(key)), timeout=timeout, blocking=False,
                thread_local=False)


def try_acquire(lock: Lock) -> bool:
    return bool(call_redis(lock.acquire, "take a fill lock"))


def is_held(lock: Lock) -> bool:
    """Whether anyone holds `lock` now; waiters stop waiting as soon as its holder is done."""
    return bool(call_redis(lock.locked, "check a fill lock"))


def release(lock: Lock, key: str) -> bool:
    """Release a lock we hold; return False, log and count it when that fails.

    redis-py releases with a Lua compare-and-delete on the token, so we never free a lock another
    request took after ours expired. A release can fail because the fill outlived
    FILL_LOCK_TIMEOUT (the lock expired), because Redis is unreachable (the lock then expires on
    its own), or through a bug; none of them is the request's problem, but a lock left behind
    makes the next fills of that key wait for nothing, so each one is logged with the key and counted
    (`fill_lock_release_failures` in the stats, /metrics and the admin's Cache page).
    """
    def release_if_ours() -> bool:
        # Not a Redis failure (the breaker must not count it): the lock expired, maybe taken since.
        try:
            lock.release()
        except LockNotOwnedError:
            return False
        return True

    try:
        if call_redis(release_if_ours, "release a fill lock"):
            return True
        logger.warning("[CACHE] the fill lock of %s expired before its fill ended (FILL_LOCK_TIMEOUT is %s s)",
                       key, lock.timeout)
    except CacheUnavailable as exc:
        logger.warning("[CACHE ERROR] could not release the fill lock of %s (%s); it expires in at most %s s",
                       key, exc, lock.timeout)
    except Exception:
        logger.exception("[CACHE ERROR] could not release the fill lock of %s; it expires in at most %s s",
                         key, lock.timeout)
    stats.record_field(stats.FILL_LOCK_RELEASE_FAILURES)
    return False
