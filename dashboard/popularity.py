"""Which searches people run most, so `warm_cache` can fill them before anyone waits."""

from __future__ import annotations

import logging

from django.core.cache import caches
from django_redis import get_redis_connection
from redis import RedisError

logger = logging.getLogger(__name__)

_KEY = "logdash:popular-searches"
_MAX_TRACKED = 1000


def _key() -> str:
    return caches["default"].make_key(_KEY)


def record_search(path: str) -> None:
    """Count one computed search (cache misses only: a hit costs nothing extra).

    Best effort: popularity is a hint for warm-up, so a Redis error is logged and ignored.
    """
    try:
        connection = get_redis_connection("default")
        with connection.pipeline(transaction=False) as pipe:
            pipe.zincrby(_key(), 1, path)
            pipe.zremrangebyrank(_key(), 0, -_MAX_TRACKED - 1)
            pipe.execute()
    except (RedisError, OSError) as exc:
        logger.warning("Could not record a popular search: %s", exc)


def get_popular_searches(limit: int) -> list[str]:
    """The `limit` most frequent search paths (with their query strings), most frequent first."""
    try:
        paths = get_redis_connection("default").zrevrange(_key(), 0, limit - 1)
    except (RedisError, OSError) as exc:
        logger.warning("Could not read popular searches: %s", exc)
        return []
    return [path.decode() if isinstance(path, bytes) else path for path in paths]
