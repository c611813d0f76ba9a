"""Which searches people run most, so `warm_cache` can fill them before anyone waits.

Kept in a cacheops `Ranking` (the response cache's Redis and circuit breaker): a hint, so a
Redis failure loses a count or reads as no popular search, never fails a request.
"""

from __future__ import annotations

from cacheops.rankings import Ranking

_POPULAR_SEARCHES = Ranking("dashboard:popular-searches", size=1000)


def record_search(path: str) -> None:
    """Count one computed search (cache misses only: a hit costs nothing extra)."""
    _POPULAR_SEARCHES.count(path)


def get_popular_searches(limit: int) -> list[str]:
    """The `limit` most frequent search paths (with their query strings), most frequent first."""
    return _POPULAR_SEARCHES.top(limit)
