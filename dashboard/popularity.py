"""Which searches people run most, so `warm_cache` can fill them before anyone waits.

Every Redis call goes through cacheops' `call_redis`, so it shares the circuit breaker of the
response cache: while Redis hangs, a computed search must not wait out a socket timeout here
after the cache itself has stopped asking Redis.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django_redis import get_redis_connection

from cacheops.exceptions import CacheUnavailable
from cacheops.resilience import call_redis

logger = logging.getLogger(__name__)

_KEY = "logdash:popular-searches"
_MAX_TRACKED = 1000


def _key() -> str:
    return caches["default"].make_key(_KEY)


def record_search(path: str) -> None:
    """Count one computed search (cache misses only: a hit costs nothing extra).

    Best effort: popularity is a hint for warm-up, so a Redis error is logged and ignored.
    """
    def count() -> None:
        with get_redis_connection("default").pipeline(transaction=False) as pipe:
            pipe.zincrby(_key(), 1, path)
            pipe.zremrangebyrank(_key(), 0, -_MAX_TRACKED - 1)
            pipe.execute()

    try:
        call_redis(count, "record a popular search")
    except CacheUnavailable as exc:
        logger.debug("Popular search not recorded: %s", exc)  # call_redis logged the failure itself


def get_popular_searches(limit: int) -> list[str]:
    """The `limit` most frequent search paths (with their query strings), most frequent first."""
    try:
        paths = call_redis(lambda: get_redis_connection("default").zrevrange(_key(), 0, limit - 1),
                           "read popular searches")
    except CacheUnavailable as exc:
        logger.warning("Could not read popular searches: %s", exc)
        return []
    return [path.decode() if isinstance(path, bytes) else path for path in paths]
