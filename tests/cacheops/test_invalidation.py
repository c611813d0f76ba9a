"""invalidate_cache_type, invalidate_pattern and clear_all against the real Redis."""

from __future__ import annotations

import logging

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from cacheops.backends import get_raw_client
from cacheops.conf import CacheType
from cacheops.exceptions import CacheUnavailable, InvalidPattern
from cacheops.invalidation import clear_all, invalidate_cache_type, invalidate_pattern
from tests.conftest import TEST_KEY_PREFIX

KEYS = [
    "cache:dashboard:aaa",
    "cache:dashboard:bbb",
    "cache:search:ccc",
    "cache:user:profile:1",
    "cache:user:profile:2",
    "cache:user:1:dashboard:ddd",
    "cache:product:eee",
    "cache:analytics:trends:fff",
]


@pytest.fixture
def filled(cache) -> list[str]:
    for key in KEYS:
        cache.set(key, b"entry", 300)
    cache.set("session:abc", "a session")  # same cache, outside the namespace
    cache.set("cacheish:dashboard:x", "looks similar")
    return KEYS


def remaining(cache) -> set[str]:
    return {key for key in [*KEYS, "session:abc", "cacheish:dashboard:x"] if cache.has_key(key)}


def test_invalidate_cache_type_moves_only_that_types_generation(redis_connection, cache, filled):
    def generations():
        return {t.value: redis_connection.get(cache.make_key(f"cacheops:generation:{t.value}")) for t in CacheType}

    before = generations()
    assert invalidate_cache_type(CacheType.USER) == 0
    after = generations()
    assert int(after["user"]) == int(before["user"] or 0) + 1
    assert {t: v for t, v in after.items() if t != "user"} == {t: v for t, v in before.items() if t != "user"}
    assert remaining(cache) == set(KEYS) | {"session:abc", "cacheish:dashboard:x"}  # deleted lazily, not now


def test_purging_a_type_also_deletes_its_keys_now(cache, filled):
    assert invalidate_cache_type(CacheType.USER, purge=True) == 3
    assert remaining(cache) == set(KEYS) - {k for k in KEYS if k.startswith("cache:user:")} | {
        "session:abc", "cacheish:dashboard:x"}


def test_invalidate_cache_type_accepts_the_value(cache, filled):
    assert invalidate_cache_type("dashboard", purge=True) == 2
    with pytest.raises(ValueError, match="choose one of"):
        invalidate_cache_type("logs")


@pytest.mark.parametrize(
    ("pattern", "deleted"),
    [
        ("cache:user:profile:*", {"cache:user:profile:1", "cache:user:profile:2"}),
        ("cache:user:profile:1", {"cache:user:profile:1"}),
        ("cache:user:1:*", {"cache:user:1:dashboard:ddd"}),
        ("cache:dashboard:?a?", {"cache:dashboard:aaa"}),
        ("cache:search:nothing*", set()),
    ],
)
def test_invalidate_pattern_matches_logical_keys(cache, filled, pattern, deleted):
    assert invalidate_pattern(pattern) == len(deleted)
    assert remaining(cache) == (set(KEYS) - deleted) | {"session:abc", "cacheish:dashboard:x"}


def test_invalid_patterns_delete_nothing(cache, filled):
    with pytest.raises(InvalidPattern):
        invalidate_pattern("*")
    assert remaining(cache) == set(KEYS) | {"session:abc", "cacheish:dashboard:x"}


def test_clear_all_removes_every_response_and_nothing_else(cache, filled, redis_connection):
    raw_key = f"{TEST_KEY_PREFIX}:not-django:cache:x"
    redis_connection.set(raw_key, "another app's key")
    other_version = {**settings.CACHES["default"], "VERSION": 2}
    with override_settings(CACHES={**settings.CACHES, "v2": other_version}):
        caches["v2"].set("cache:dashboard:zzz", b"other version")
        assert clear_all() == len(KEYS)
        assert caches["v2"].get("cache:dashboard:zzz") == b"other version"
    assert remaining(cache) == {"session:abc", "cacheish:dashboard:x"}
    assert redis_connection.get(raw_key) == b"another app's key"


def test_deletes_in_batches_with_a_large_scan_count(cache, filled, monkeypatch):
    scans, unlinks = [], []
    # On a cluster the UNLINKs go through RedisCluster (split by slot), the SCANs to each primary's Redis.
    client_class = type(get_raw_client())
    original_scan, original_unlink = redis.Redis.scan_iter, client_class.unlink

    def scan_iter(self, *args, **kwargs):
        scans.append(kwargs)
        return original_scan(self, *args, **kwargs)

    def unlink(self, *names):
        unlinks.append(len(names))
        return original_unlink(self, *names)

    def refuse_keys(self, *args, **kwargs):
        raise AssertionError("KEYS blocks Redis")

    monkeypatch.setattr(redis.Redis, "scan_iter", scan_iter)
    monkeypatch.setattr(client_class, "unlink", unlink)
    monkeypatch.setattr(redis.Redis, "keys", refuse_keys)
    with override_settings(CACHEOPS={"DELETE_BATCH_SIZE": 3}):
        assert clear_all() == len(KEYS)
    assert scans[0]["count"] == 1000
    assert scans[0]["match"] == f"{TEST_KEY_PREFIX}:1:cache:*"
    if client_class is redis.Redis:
        assert unlinks == [3, 3, 2]
    else:
        assert sum(unlinks) == len(KEYS) and max(unlinks) <= 3


def test_glob_characters_in_the_key_prefix_are_escaped(filled):
    with override_settings(CACHES={**settings.CACHES, "default": {**settings.CACHES["default"],
                                                                  "KEY_PREFIX": f"{TEST_KEY_PREFIX}*"}}):
        assert clear_all() == 0  # `prefix*` must not match this session's `prefix:` keys


def test_redis_down_returns_zero_and_logs(redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="cacheops"):
        assert invalidate_cache_type(CacheType.SEARCH) == 0
    assert "[CACHE ERROR] invalidate a cache type" in caplog.text


def test_redis_down_raises_when_asked(redis_down):
    with pytest.raises(CacheUnavailable, match="ConnectionError"):
        clear_all(raise_errors=True)
