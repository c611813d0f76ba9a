"""
Redis failures: one place that translates driver errors, retries, and a circuit breaker.

`call_redis(operation, what)` runs one Redis operation: it fails fast with CacheUnavailable
while the breaker is open, retries connection errors (a restarted Redis leaves dead pooled
connections; a new attempt reconnects) up to RETRY_MAX_ATTEMPTS with exponential backoff, and
does not retry timeouts: a slow or dead server would cost one more SOCKET_TIMEOUT per retry.
Every failed attempt counts towards the breaker, so a dead Redis opens it within a request or
two; after BREAKER_COOLDOWN seconds one caller probes Redis (half-open) and closes it again.
The breaker is per process: each worker detects an outage on its own, in a few calls.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from time import monotonic, sleep
from typing import TypeVar

from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisClusterException, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cacheops import metrics
from cacheops.conf import cacheops_settings
from cacheops.exceptions import CacheUnavailable

logger = logging.getLogger("cacheops")
T = TypeVar("T")

# OSError covers refused connections and socket timeouts raised outside redis-py's wrappers;
# RedisClusterException a cluster with uncovered slots or no reachable node (it is no RedisError).
DRIVER_ERRORS: tuple[type[BaseException], ...] = (RedisError, ConnectionInterrupted, OSError, RedisClusterException)
_TIMEOUTS = (RedisTimeoutError, socket.timeout, TimeoutError)


@contextmanager
def redis_errors(what: str) -> Iterator[None]:
    """Translate every Redis driver error raised inside the block into CacheUnavailable."""
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise translate(exc, what) from _cause(exc)


def _cause(exc: BaseException) -> BaseException:
    return exc.__cause__ if isinstance(exc, ConnectionInterrupted) and exc.__cause__ else exc


def translate(exc: BaseException, what: str) -> CacheUnavailable:
    """Return the CacheUnavailable for a driver error (the one translation both paths use)."""
    cause = _cause(exc)
    error = CacheUnavailable(f"{what}: {type(cause).__name__}: {cause}")
    error.__cause__ = cause
    return error


class CircuitBreaker:
    """Closed -> open after BREAKER_THRESHOLD consecutive failures -> half-open after the cooldown."""

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, clock: Callable[[], float] = monotonic,
                 on_change: Callable[[str], None] | None = None) -> None:
        self.clock = clock
        self.on_change = on_change
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Close the breaker and forget failures (tests, and an operator who knows Redis is back)."""
        self.failures = 0
        self.opened_at = 0.0
        self._probing = False
        self._enter(self.CLOSED)

    def _enter(self, state: str) -> None:
        # Transitions only, never the per-request `allow()` fast path: on_change reports to metrics.
        self.state = state
        if self.on_change is not None:
            self.on_change(state)

    def allow(self) -> bool:
        """Return whether a call may go to Redis now."""
        if self.state == self.CLOSED:
            return True
        with self._lock:
            if self.state == self.OPEN and self.clock() - self.opened_at >= cacheops_settings.BREAKER_COOLDOWN:
                self._enter(self.HALF_OPEN)
                self._probing = False
            if self.state == self.HALF_OPEN and not self._probing:
                # One caller probes Redis; the others keep skipping it until the probe reports.
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        if self.state == self.CLOSED and not self.failures:
            return
        with self._lock:
            if self.state != self.CLOSED:
                logger.warning("[CACHE] Redis answers again: circuit breaker closed.")
            self.failures, self._probing = 0, False
            self._enter(self.CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            self._probing = False
            if self.state == self.HALF_OPEN or self.failures >= cacheops_settings.BREAKER_THRESHOLD:
                if self.state != self.OPEN:
                    logger.error("[CACHE ERROR] circuit breaker open for %ss after %d consecutive failures: "
                                 "requests skip Redis until then.", cacheops_settings.BREAKER_COOLDOWN, self.failures)
                self.opened_at = self.clock()
                self._enter(self.OPEN)

    def describe(self) -> dict[str, object]:
        return {"state": self.state, "consecutive_failures": self.failures}


breaker = CircuitBreaker(on_change=metrics.set_breaker_state)


def call_redis(operation: Callable[[], T], what: str) -> T:
    """Run `operation` with retries and the breaker; raise CacheUnavailable when it cannot succeed."""
    _check_breaker(what)
    attempts = max(1, cacheops_settings.RETRY_MAX_ATTEMPTS)
    attempt = 1
    while True:
        # Inline rather than `with redis_errors(...)`: this is on every request's path.
        try:
            result = operation()
        except DRIVER_ERRORS as driver_error:
            sleep(_retry_delay(driver_error, what, attempt, attempts))
            attempt += 1
        else:
            breaker.record_success()
            return result


async def acall_redis(operation: Callable[[], Awaitable[T]], what: str) -> T:
    """`call_redis` for `redis.asyncio` operations: the same breaker and retries, waiting without blocking."""
    _check_breaker(what)
    attempts = max(1, cacheops_settings.RETRY_MAX_ATTEMPTS)
    attempt = 1
    while True:
        try:
            result = await operation()
        except DRIVER_ERRORS as driver_error:
            await asyncio.sleep(_retry_delay(driver_error, what, attempt, attempts))
            attempt += 1
        else:
            breaker.record_success()
            return result


def _check_breaker(what: str) -> None:
    if not breaker.allow():
        raise CacheUnavailable(f"{what}: skipped, the circuit breaker is open")


def _retry_delay(driver_error: BaseException, what: str, attempt: int, attempts: int) -> float:
    """Count a failed attempt; return how long to wait before the next, or raise CacheUnavailable."""
    exc = translate(driver_error, what)
    breaker.record_failure()
    if not _may_retry(exc, attempt, attempts):
        logger.error("[CACHE ERROR] %s (attempt %d of %d)", exc, attempt, attempts)
        raise exc from exc.__cause__
    return cacheops_settings.RETRY_BASE_DELAY * cacheops_settings.RETRY_BACKOFF ** (attempt - 1)


def _may_retry(exc: CacheUnavailable, attempt: int, attempts: int) -> bool:
    # Never retry a timeout (each retry would wait out another one) nor past an opened breaker.
    return attempt < attempts and not isinstance(exc.__cause__, _TIMEOUTS) and breaker.state == breaker.CLOSED
