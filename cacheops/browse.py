"""Read-only views of the stored keys, for the admin's key browser: SCAN pages, never KEYS."""

from __future__ import annotations

from dataclasses import dataclass

from cacheops.backends import response_redis
from cacheops.cluster import is_cluster, primaries
from cacheops.conf import cacheops_settings
from cacheops.resilience import call_redis


@dataclass(frozen=True)
class KeyPage:
    keys: list[tuple[str, int]]  # (logical key, seconds to live; -1 none, -2 gone)
    next_cursor: int  # 0 when the scan is complete


def get_key_page(pattern: str, cursor: int = 0, limit: int = 50) -> KeyPage:
    """Return about `limit` keys matching the logical `pattern` from `cursor`, with their TTLs."""
    return call_redis(lambda: _scan_page(pattern, cursor, limit), "browse cache keys")


def _scan_page(pattern: str, cursor: int, limit: int) -> KeyPage:
    redis = response_redis()
    cache, client = redis.cache, redis.client
    physical_pattern = cache.client.make_pattern(pattern)
    # On a cluster each primary is scanned in turn; the page cursor carries the node's index.
    nodes = primaries(client) if is_cluster(client) else [client]
    index, node_cursor = cursor % len(nodes), cursor // len(nodes)
    found: list[bytes] = []
    while True:
        node_cursor, keys = nodes[index].scan(cursor=node_cursor, match=physical_pattern,
                                              count=cacheops_settings.SCAN_COUNT)
        found.extend(keys)
        if node_cursor == 0:
            if index + 1 == len(nodes):
                cursor = 0
                break
            index += 1
        if len(found) >= limit:
            cursor = node_cursor * len(nodes) + index
            break
    with client.pipeline(transaction=False) as pipe:
        for key in found:
            pipe.ttl(key)
        ttls = pipe.execute()
    logical = [cache.client.reverse_key(key.decode()) for key in found]
    return KeyPage(sorted(zip(logical, ttls, strict=True)), cursor)
