"""
Reading and writing entries, and the per-type generations that invalidate a type in O(1).

A hit is ONE round trip: MGET of the type's generation counter and the entry. An entry stores
the generation it was computed under; `invalidate_cache_type` only INCRs the counter, so every
older entry of the type stops matching at once, whatever their number, and is overwritten by
the next fill or expires with its TTL. Generation counters live outside the `cache:` namespace
(`cacheops:generation:{type}`) and are never deleted, so a generation never goes back.

Entries are written and read as our own bytes (`cacheops.codec`: `encode_entry` + `frame`, `load_entry`)
through the raw redis-py client, under the key the cache's key function makes (KEY_PREFIX,
version): never through Django's cache API, which pickles. Whatever else sits under an entry
key is a logged miss and is never unpickled.
"""

from __future__ import annotations

import logging

from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

from cacheops import metrics, stats
from cacheops.backends import response_redis
from cacheops.codec import CorruptValueError, encode_entry, frame, load_entry
from cacheops.compressors import MarkedCompressor, ZlibCompressor
from cacheops.conf import cacheops_settings
from cacheops.entries import Entry
from cacheops.exceptions import CacheUnavailable
from cacheops.keys import generation_key
from cacheops.reader import get_entry_reader
from cacheops.resilience import call_redis

logger = logging.getLogger("cacheops")


def read_entry(type_name: str, key: str) -> tuple[int, Entry | None]:
    """Return the type's current generation and the entry under `key` (None: absent or unreadable)."""
    # The reader is made inside the call: on a cluster, making the client reads the slot map.
    raw_generation, raw_entry = call_redis(lambda: get_entry_reader().read(type_name, key), "read a cached response")
    generation = _parse_generation(raw_generation, type_name)
    if raw_entry is None:
        return generation, None
    try:
        return generation, load_entry(raw_entry, cacheops_settings.MAX_ENTRY_BYTES)
    except CorruptValueError as exc:
        logger.warning("[CACHE ERROR] unreadable entry under %s (%d bytes) read as a miss: %s",
                       key, len(raw_entry), exc)
        return generation, None


def _parse_generation(raw: bytes | None, type_name: str) -> int:
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        # Someone else wrote under our counter: no entry of the type can be trusted as current, so
        # the type is served uncached (and counted as an error) until an operator deletes the key.
        logger.error("[CACHE ERROR] the generation counter %s holds %r, not an integer: %s responses are "
                     "served uncached until it is deleted", generation_key(type_name), raw[:40], type_name)
        raise CacheUnavailable(f"read a cached response: corrupted generation counter of {type_name}") from None


def write_entry(key: str, entry: Entry, timeout: int) -> None:
    """Store `entry` under `key` for `timeout` seconds (its TTL plus the stale windows)."""
    redis = call_redis(response_redis, "store a response")
    compressor = _entry_compressor(redis.cache)
    layout = encode_entry(entry)
    value = frame(layout, compress_over=compressor.compress_over, level=compressor.level)
    physical = redis.key(key)
    call_redis(lambda: redis.client.set(physical, value, ex=max(1, int(timeout))), "store a response")
    metrics.record_write(len(layout), len(value))


def _entry_compressor(cache: object) -> MarkedCompressor:
    """The cache's own compressor (CACHES OPTIONS decide level and threshold), if it marks its values."""
    compressor = getattr(getattr(cache, "client", None), "_compressor", None)  # django-redis's DefaultClient
    if isinstance(compressor, MarkedCompressor):
        return compressor
    # Not the cacheops backend (system check cacheops.W001 says so): entries still need our framing.
    return ZlibCompressor({})


def bump_generation(type_name: str) -> int:
    """Make every entry of the type stale at once; return the new generation."""
    def incr() -> int:
        redis = response_redis()
        return redis.client.incr(redis.key(generation_key(type_name)))

    return int(call_redis(incr, "invalidate a cache type"))


def fill_lock(key: str, timeout: float) -> Lock:
    """The lock that lets one request fill `key` while the others wait (redis-py's token lock).

    Its token is kept on the lock object, not in thread-local storage (`thread_local=False`): a
    stale-while-revalidate refresh takes the lock in the request thread and releases it in a
    refresh thread. Each fill makes its own Lock object, so no two threads share a token by accident.
    """
    redis = call_redis(response_redis, "take a fill lock")
    return Lock(redis.client, redis.key(f"cacheops:lock:{key}"), timeout=timeout, blocking=False,
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
