"""
Invalidate cached responses: by type or by scope (O(1), through generations), by glob pattern on
logical keys (SCAN: for operators), or all of them.

An app invalidates what a change affects with `invalidate(types=..., scopes=...)`: one pipelined
round trip of INCRs, whatever the number of entries. A scope (`user:42`, `product:7`) is any
set of entries a view declares it depends on (`cache_response(..., scopes=...)`).

Patterns match logical keys (what `X-Cache-Key` shows); the cache's make_pattern adds Django's
KEY_PREFIX and version underneath, escaped. Deletion walks with SCAN (COUNT = SCAN_COUNT, 1000)
and UNLINKs in batches of DELETE_BATCH_SIZE: never KEYS (it blocks Redis), never FLUSHDB (it
would take sessions and other apps' keys sharing the database). Each function returns how many
keys it removed. A key written between the SCAN pass and the end is not guaranteed to go: that
is the price of not blocking Redis. On a Redis Cluster the SCAN walks every primary in turn
(a SCAN only sees its own node's keys) and the UNLINKs go through the cluster client, one per slot.

On a Redis failure the functions log `[CACHE ERROR]` and return 0, so a write path that
invalidates never fails because of the cache; pass `raise_errors=True` (the API does) to get
CacheUnavailable instead. (They are not requests, so they do not enter the request stats.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from cacheops import store
from cacheops.backends import response_redis
from cacheops.cluster import is_cluster, primaries
from cacheops.conf import CacheType, cacheops_settings
from cacheops.exceptions import CacheUnavailable
from cacheops.keys import make_namespace_pattern, make_type_pattern, validate_pattern, validate_scope
from cacheops.resilience import call_redis

logger = logging.getLogger("cacheops")


def invalidate_cache_type(cache_type: CacheType | str, *, purge: bool = False, raise_errors: bool = False) -> int:
    """Invalidate every cached response of one type at once; return how many keys were deleted.

    The type's generation moves on (one INCR, whatever the number of keys), so no older entry
    is served again as fresh; they are overwritten by the next fills or expire with their TTL.
    `purge=True` also deletes them now (SCAN + UNLINK, O(keys): for operators, not for request
    paths) and returns how many; without it nothing is deleted and the result is 0.
    """
    cache_type = CacheType.parse(cache_type)
    try:
        generation = store.bump_generation(cache_type.value)
    except CacheUnavailable:
        if raise_errors:
            raise
        return 0
    logger.debug("[CACHE] %s entries invalidated: generation %d", cache_type.value, generation)
    return _delete_matching(make_type_pattern(cache_type), raise_errors) if purge else 0


def invalidate(*, types: Iterable[CacheType | str] = (), scopes: Iterable[str] = (),
               raise_errors: bool = False) -> bool:
    """Make every entry of `types`, and every entry that depends on one of `scopes`, stale at once.

    O(1) per type and scope (one INCR each, all in one round trip); never SCAN. Return whether
    Redis took it (False after a logged Redis failure, unless `raise_errors`).
    """
    type_names = tuple(CacheType.parse(cache_type).value for cache_type in types)
    scope_names = tuple(validate_scope(scope) for scope in scopes)
    try:
        store.bump_generations(type_names, scope_names)
    except CacheUnavailable:
        if raise_errors:
            raise
        return False
    logger.debug("[CACHE] invalidated types %s and scopes %s", type_names, scope_names)
    return True


def invalidate_pattern(pattern: str, *, raise_errors: bool = False) -> int:
    """Delete the cached responses whose logical key matches the glob `pattern` (see keys.validate_pattern)."""
    return _delete_matching(validate_pattern(pattern), raise_errors)


def clear_all(*, raise_errors: bool = False) -> int:
    """Delete every cached response (`cache:*` of this cache) and nothing else; return how many.

    Every generation moves on first, so an entry written while the SCAN walks is not served either.
    """
    for cache_type in CacheType:
        invalidate_cache_type(cache_type, raise_errors=raise_errors)
    return _delete_matching(make_namespace_pattern(), raise_errors)


def _delete_matching(pattern: str, raise_errors: bool) -> int:
    try:
        deleted = call_redis(lambda: _scan_and_unlink(pattern), f"invalidate {pattern!r}")
    except CacheUnavailable:
        if raise_errors:
            raise
        return 0
    logger.debug("[CACHE] invalidated %d keys matching %r", deleted, pattern)
    return deleted


def _scan_and_unlink(pattern: str) -> int:
    redis = response_redis()
    match = redis.cache.client.make_pattern(pattern)
    nodes = primaries(redis.client) if is_cluster(redis.client) else [redis.client]
    return sum(_scan_and_unlink_on(node, redis.client, match) for node in nodes)


def _scan_and_unlink_on(node: Any, client: Any, match: str) -> int:
    """SCAN `node` for `match` and UNLINK what it finds through `client` (the same Redis, or its cluster)."""
    batch: list[bytes] = []
    deleted = 0
    for key in node.scan_iter(match=match, count=cacheops_settings.SCAN_COUNT):
        batch.append(key)
        if len(batch) >= cacheops_settings.DELETE_BATCH_SIZE:
            deleted += client.unlink(*batch)
            batch.clear()
    if batch:
        deleted += client.unlink(*batch)
    return deleted
