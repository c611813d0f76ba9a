"""Redis failures: the answer stays correct, errors are logged and counted, the breaker opens and closes."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.test import APIClient

from cacheops.backends import RedisCache
from cacheops.conf import cacheops_settings
from cacheops.exceptions import CacheUnavailable
from cacheops.resilience import CircuitBreaker, breaker, call_redis, redis_errors
from cacheops.stats import get_cache_stats
from logdash.services import start_redis

from .conftest import caches_with_unreachable, single_redis_cache

JSON = {"HTTP_ACCEPT": "application/json"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "error",
    [RedisConnectionError("refused"), RedisTimeoutError("slow"), ResponseError("WRONGTYPE"), OSError("reset"),
     TimeoutError("timed out"), ConnectionInterrupted(connection=None)],
)
def test_every_driver_error_is_translated(error):
    with pytest.raises(CacheUnavailable, match=r"^op: ") as caught, redis_errors("op"):
        raise error
    assert caught.value.__cause__ is not None


def test_programming_errors_are_not_swallowed():
    with pytest.raises(KeyError), redis_errors("op"):
        raise KeyError("bug")


class TestRetries:
    def fail(self, errors: list[Exception]):
        calls = []

        def operation():
            calls.append(1)
            if errors:
                raise errors.pop(0)
            return "ok"

        return operation, calls

    def test_connection_errors_are_retried_with_exponential_backoff(self, sleeps):
        operation, calls = self.fail([RedisConnectionError("stale"), RedisConnectionError("stale")])
        assert call_redis(operation, "op") == "ok"
        assert (len(calls), sleeps) == (3, [0.1, 0.2])
        assert breaker.state == breaker.CLOSED and breaker.failures == 0

    def test_at_most_three_attempts(self, sleeps, caplog):
        operation, calls = self.fail([RedisConnectionError("down")] * 4)
        with caplog.at_level(logging.ERROR, logger="cacheops"), pytest.raises(CacheUnavailable):
            call_redis(operation, "op")
        assert len(calls) == 3 and sleeps == [0.1, 0.2]
        assert "[CACHE ERROR] op: ConnectionError: down (attempt 3 of 3)" in caplog.text

    def test_timeouts_are_not_retried(self, sleeps):
        operation, calls = self.fail([RedisTimeoutError("slow")])
        with pytest.raises(CacheUnavailable):
            call_redis(operation, "op")
        assert len(calls) == 1 and sleeps == []

    def test_attempts_and_delays_are_settings(self, sleeps):
        operation, calls = self.fail([RedisConnectionError("down")] * 9)
        tuned = {"RETRY_MAX_ATTEMPTS": 4, "RETRY_BASE_DELAY": 0.5, "BREAKER_THRESHOLD": 9}
        with override_settings(CACHEOPS=tuned), pytest.raises(CacheUnavailable):
            call_redis(operation, "op")
        assert len(calls) == 4 and sleeps == [0.5, 1.0, 2.0]

    def test_no_retry_once_the_breaker_opens(self, sleeps):
        operation, calls = self.fail([RedisConnectionError("down")] * 9)
        with override_settings(CACHEOPS={"BREAKER_THRESHOLD": 2}), pytest.raises(CacheUnavailable):
            call_redis(operation, "op")
        assert len(calls) == 2 and breaker.state == breaker.OPEN


class TestCircuitBreaker:
    def test_opens_after_the_threshold_then_half_opens_after_the_cooldown(self):
        clock = Clock()
        subject = CircuitBreaker(clock)
        with override_settings(CACHEOPS={"BREAKER_THRESHOLD": 2, "BREAKER_COOLDOWN": 30}):
            subject.record_failure()
            assert subject.allow()
            subject.record_failure()
            assert subject.state == subject.OPEN and not subject.allow()
            clock.now += 29
            assert not subject.allow()
            clock.now += 1
            assert subject.allow()  # the one probe
            assert not subject.allow()  # the others wait for it
            subject.record_success()
            assert subject.state == subject.CLOSED and subject.allow()

    def test_a_failed_probe_opens_it_again(self):
        clock = Clock()
        subject = CircuitBreaker(clock)
        with override_settings(CACHEOPS={"BREAKER_THRESHOLD": 1, "BREAKER_COOLDOWN": 10}):
            subject.record_failure()
            clock.now += 10
            assert subject.allow()
            subject.record_failure()
            assert subject.state == subject.OPEN and not subject.allow()
            clock.now += 10
            assert subject.allow()

    def test_a_success_resets_the_count(self):
        subject = CircuitBreaker(Clock())
        with override_settings(CACHEOPS={"BREAKER_THRESHOLD": 2}):
            subject.record_failure()
            subject.record_success()
            subject.record_failure()
            assert subject.state == subject.CLOSED


@pytest.mark.django_db
@pytest.mark.urls("tests.cacheops.urls")
class TestRequestsWhileRedisIsDown:
    def test_the_answer_is_correct_logged_and_counted_as_an_error(self, redis_down, caplog):
        api = APIClient()
        with caplog.at_level(logging.ERROR, logger="cacheops"):
            first = api.get("/echo?x=1", **JSON)
        assert (first.status_code, first["X-Cache"]) == (200, "MISS")
        assert first.json()["query"] == {"x": ["1"]}
        # One Redis: ConnectionError; Sentinel: MasterNotFoundError (a ConnectionError: no Sentinel answers).
        assert re.search(r"\[CACHE ERROR\] read a cached response: (ConnectionError|MasterNotFoundError)", caplog.text)
        stats = get_cache_stats()
        assert (stats["errors"], stats["misses"], stats["is_available"]) == (1, 0, False)
        assert stats["by_type"]["dashboard"]["errors"] == 1

    def test_an_open_breaker_skips_redis(self, redis_down, monkeypatch):
        api = APIClient()
        with override_settings(CACHEOPS={**redis_down, "BREAKER_THRESHOLD": 3}):
            api.get("/echo", **JSON)
            assert breaker.state == breaker.OPEN
            attempts = []
            original = RedisCache.get
            monkeypatch.setattr(RedisCache, "get", lambda *a, **k: attempts.append(1) or original(*a, **k))
            answers = [api.get("/echo", **JSON) for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        assert attempts == []

    def test_the_breaker_closes_when_redis_returns(self, sleeps, caplog):
        clock = Clock()
        breaker.clock = clock
        api = APIClient()
        try:
            with override_settings(CACHES=caches_with_unreachable(),
                                   CACHEOPS={"CACHE_ALIAS": "unreachable", "BREAKER_COOLDOWN": 30}):
                api.get("/echo", **JSON)
                api.get("/echo", **JSON)
                assert breaker.state == breaker.OPEN
            # Redis "returns": the alias now answers (the real Redis).
            clock.now += 31
            with caplog.at_level(logging.WARNING, logger="cacheops"):
                assert api.get("/echo", **JSON)["X-Cache"] == "MISS"
            assert breaker.state == breaker.CLOSED
            assert "circuit breaker closed" in caplog.text
            assert api.get("/echo", **JSON)["X-Cache"] == "HIT"
        finally:
            breaker.clock = CircuitBreaker().clock

    def test_a_foreign_value_in_the_key_is_a_miss_then_replaced(self, redis_connection):
        api = APIClient()
        key = api.get("/echo", **JSON)["X-Cache-Key"]
        physical = caches["default"].make_key(key)
        for garbage in (b"\xcczbroken zlib", b"not ours", b"\xcc=" + b"\x80\x04K\x01."):
            redis_connection.set(physical, garbage)
            response = api.get("/echo", **JSON)
            assert (response.status_code, response["X-Cache"]) == (200, "MISS")
        assert api.get("/echo", **JSON)["X-Cache"] == "HIT"


@pytest.mark.django_db
@pytest.mark.urls("tests.cacheops.urls")
def test_killing_redis_mid_way_leaves_every_request_answered(sleeps):
    """A private redis-server: primed, killed, requests still answered; restarted, the breaker closes."""
    server = start_redis()
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    clock = Clock()
    breaker.clock = clock
    configured = {**settings.CACHES, "private": single_redis_cache(server.url)}
    api = APIClient()
    try:
        with override_settings(CACHES=configured, CACHEOPS={"CACHE_ALIAS": "private"}):
            primed = api.get("/echo?q=1", **JSON)
            assert api.get("/echo?q=1", **JSON)["X-Cache"] == "HIT"
            server.stop()
            answers = [api.get("/echo?q=1", **JSON) for _ in range(6)]
            assert [(a.status_code, a["X-Cache"]) for a in answers] == [(200, "MISS")] * 6
            assert all(a.json()["query"] == primed.json()["query"] for a in answers)
            assert breaker.state == breaker.OPEN
            server = start_redis(port=port)
            clock.now += cacheops_settings.BREAKER_COOLDOWN + 1
            assert api.get("/echo?q=1", **JSON)["X-Cache"] == "MISS"
            assert breaker.state == breaker.CLOSED
            assert api.get("/echo?q=1", **JSON)["X-Cache"] == "HIT"
    finally:
        breaker.clock = CircuitBreaker().clock
        server.stop()
