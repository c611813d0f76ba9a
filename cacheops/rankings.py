"""
`Ranking`: a bounded count of strings kept beside the responses, for an app's own hints.

An app that wants to remember what is asked most (the dashboard's popular searches, which
`warm_cache` fills first) keeps it in the response cache's Redis without reaching into
cacheops: the key is `cacheops.keys.make_aux_key(name)` under the cache's KEY_PREFIX, the
client is the one of CACHEOPS['CACHE_ALIAS'], and every call goes through `call_redis`, so it
shares the response cache's circuit breaker (while Redis hangs, a request must not wait out a
socket timeout here after the cache itself stopped asking Redis).

Best effort: a Redis failure is logged and reads as nothing counted; it never fails a request.
"""

from __future__ import annotations

import logging

from cacheops.backends import response_redis
from cacheops.exceptions import CacheUnavailable
from cacheops.keys import make_aux_key
from cacheops.resilience import call_redis
from logdash.clock import clock

logger = logging.getLogger("cacheops")


class Ranking:
    """The `size` most counted strings under one name (a Redis sorted set, trimmed on each count)."""

    def __init__(self, name: str, *, size: int) -> None:
        if size <= 0:
            raise ValueError(f"Ranking({name!r}, size={size!r}): the size must be a positive number of members.")
        self.name = name
        self.size = size

    def count(self, member: str) -> bool:
        """Count `member` once more; return False (logged) when Redis failed."""

        def increment() -> None:
            redis = response_redis()  # inside the call: on a cluster, making the client connects
            key = redis.key(make_aux_key(self.name))
            with redis.client.pipeline(transaction=False) as pipe:
                pipe.zincrby(key, 1, member)
                pipe.zremrangebyrank(key, 0, -self.size - 1)
                pipe.execute()

        try:
            call_redis(increment, f"count in the {self.name} ranking")
        except CacheUnavailable as exc:
            logger.debug("[CACHE] not counted in %s: %s", self.name, exc)  # call_redis logged the failure
            return False
        return True

    def top(self, limit: int) -> list[str]:
        """The `limit` most counted members, most counted first ([] when Redis failed)."""
        def read() -> list:
            redis = response_redis()
            return redis.client.zrevrange(redis.key(make_aux_key(self.name)), 0, limit - 1)

        try:
            members = call_redis(read, f"read the {self.name} ranking")
        except CacheUnavailable as exc:
            logger.warning("[CACHE] could not read the %s ranking: %s", self.name, exc)
            return []
        return [member.decode() if isinstance(member, bytes) else member for member in members]


class Recent:
    """Strings seen in the last `seconds` (a Redis sorted set scored by when each was last seen).

    For an app's own bookkeeping about its cached answers, such as which searches may still be
    in the cache: older members are dropped as new ones arrive, never by count, so a reader can
    trust that every member seen within the window is there.
    """

    def __init__(self, name: str, *, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError(f"Recent({name!r}, seconds={seconds!r}): the window must be a positive number of seconds.")
        self.name = name
        self.seconds = seconds

    def touch(self, member: str) -> bool:
        """Note `member` as seen now; return False (logged) when Redis failed."""
        now = clock.time()

        def note() -> None:
            redis = response_redis()
            key = redis.key(make_aux_key(self.name))
            with redis.client.pipeline(transaction=False) as pipe:
                pipe.zadd(key, {member: now})
                pipe.zremrangebyscore(key, "-inf", now - self.seconds)
                pipe.expire(key, int(self.seconds) + 1)
                pipe.execute()

        try:
            call_redis(note, f"note in {self.name}")
        except CacheUnavailable as exc:
            logger.debug("[CACHE] not noted in %s: %s", self.name, exc)
            return False
        return True

    def members(self) -> list[str]:
        """Every member seen within the window, most recent first; raises CacheUnavailable when Redis failed."""
        since = clock.time() - self.seconds

        def read() -> list:
            redis = response_redis()
            return redis.client.zrevrangebyscore(redis.key(make_aux_key(self.name)), "+inf", since)

        members = call_redis(read, f"read {self.name}")
        return [member.decode() if isinstance(member, bytes) else member for member in members]
