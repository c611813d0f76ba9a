"""
What another client may leave in Redis under our keys: a value of the wrong Redis type, or garbage
in a type's generation counter. (Garbage bytes and truncated zlib in an entry: tests/cacheops/test_backend.py.)

Through the real /api/dashboard: the answer is a correct 200, never a 500, and the cache heals.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches

from cacheops import store
from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db

WRONG_TYPES = {
    "list": lambda redis, key: redis.rpush(key, "a", "b"),
    "hash": lambda redis, key: redis.hset(key, mapping={"status": "200"}),
    "set": lambda redis, key: redis.sadd(key, "x"),
    "stream": lambda redis, key: redis.xadd(key, {"x": "1"}),
}


@pytest.fixture
def reader(users, search_engine):
    return token_client(users["user"])


@pytest.mark.parametrize("kind", WRONG_TYPES)
def test_a_value_of_the_wrong_type_under_the_entry_key_is_a_miss(reader, redis_connection, kind):
    first = reader.get("/api/dashboard")
    physical = caches["default"].make_key(first["X-Cache-Key"])
    redis_connection.delete(physical)
    WRONG_TYPES[kind](redis_connection, physical)
    again = reader.get("/api/dashboard")
    assert (again.status_code, again["X-Cache"]) == (200, "MISS")
    assert again.json()["total_logs"] == first.json()["total_logs"]
    assert reader.get("/api/dashboard")["X-Cache"] == "HIT"  # the fill replaced it


@pytest.mark.parametrize("garbage", [b"not a number", b"\xff\x00", b"1.5"])
def test_garbage_in_a_generation_counter_is_a_logged_miss_not_a_500(reader, redis_connection, caplog, garbage):
    first = reader.get("/api/dashboard")
    physical = caches["default"].make_key(store.generation_key("dashboard"))
    redis_connection.set(physical, garbage)
    response = reader.get("/api/dashboard")
    assert (response.status_code, response["X-Cache"]) == (200, "MISS"), response.content
    assert response.json()["total_logs"] == first.json()["total_logs"]
    assert "[CACHE ERROR] the generation counter cacheops:generation:dashboard holds" in caplog.text
    redis_connection.delete(physical)  # what the log line tells the operator to do
    reader.get("/api/dashboard")
    assert reader.get("/api/dashboard")["X-Cache"] == "HIT"


@pytest.mark.parametrize("kind", ["list", "hash"])
def test_a_generation_counter_of_the_wrong_type_still_answers(reader, redis_connection, kind):
    reader.get("/api/dashboard")
    physical = caches["default"].make_key(store.generation_key("dashboard"))
    redis_connection.delete(physical)
    WRONG_TYPES[kind](redis_connection, physical)
    assert reader.get("/api/dashboard").status_code == 200
