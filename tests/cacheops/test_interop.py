"""Our backend beside stock django-redis on one Redis, and Django's cache API contract kept where django-redis departs.

The full peer suites run in `make test-slow` (tests/peers); these are the fast checks of the same promises.
"""

from __future__ import annotations

import inspect
import re
import warnings

import pytest
import redis
from django.conf import settings
from django.core.cache import CacheKeyWarning, caches
from django.test import override_settings
from django_redis import get_redis_connection
from django_redis.client import DefaultClient
from django_redis.client.mixins import SortedSetMixin

from cacheops.backends import DECODING_READERS

BIG = {"rows": [f"GET /api/dashboard?page={n} 200 12ms user=42" for n in range(200)]}


@pytest.fixture
def stock(_services):
    """Stock django-redis with its zlib compressor, on the same Redis, prefix and version as ours."""
    ours = settings.CACHES["default"]
    stock = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": ours["LOCATION"],
             "KEY_PREFIX": ours.get("KEY_PREFIX", ""),
             "OPTIONS": {"COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor"}}
    with override_settings(CACHES={**settings.CACHES, "stock": stock}):
        yield caches["stock"]


@pytest.mark.single_redis("stock django-redis has no Redis Cluster client")
@pytest.mark.parametrize("value", ["small", BIG, 3.5, None, [1, "two"], 42])
def test_stock_django_redis_reads_what_we_write(cache, stock, value):
    cache.set("shared", value)
    assert stock.get("shared", default="absent") == value


@pytest.mark.single_redis("stock django-redis has no Redis Cluster client")
@pytest.mark.parametrize("value", ["small", BIG, 3.5, None, [1, "two"], 42])
def test_we_read_what_stock_django_redis_writes(cache, stock, value):
    stock.set("shared", value)
    assert cache.get("shared", default="absent") == value


def test_every_decoding_reader_of_the_pinned_django_redis_is_guarded():
    """django-redis 7.0.0: each method that builds its result from decode() is wrapped against the sentinel."""
    calls_decode = re.compile(r"self\.decode\(|_decode_iterable_result\(")
    decoding = {name for cls in (DefaultClient, SortedSetMixin) for name, method in vars(cls).items()
                if callable(method) and calls_decode.search(inspect.getsource(method))
                and name not in {"get", "get_many", "_decode_iterable_result", "decode"}}
    guarded = set(DECODING_READERS) | {"sscan_iter"}  # sscan_iter: a generator, filtered by its own override
    assert decoding <= guarded, decoding - guarded


def test_no_sentinel_leaks_from_set_and_sorted_set_reads(cache):
    raw = get_redis_connection("default")
    cache.sadd("members", "good")
    raw.sadd(cache.make_key("members"), b"\xcczbroken")
    cache.zadd("ranked", {"good": 1.0})
    raw.zadd(cache.make_key("ranked"), {b"\xcczbroken": 2.0})
    assert cache.smembers("members") == {"good"}
    assert cache.zrange("ranked", 0, -1) == ["good"]
    assert cache.zrange("ranked", 0, -1, withscores=True) == [("good", 1.0)]
    assert cache.zrevrange("ranked", 0, -1) == ["good"]
    assert cache.zpopmax("ranked") in (None, [], ())


class TestDjangosCacheApiContract:
    def test_set_many_returns_the_failed_keys(self, cache):
        assert cache.set_many({"a": 1, "b": 2}) == []
        assert cache.set_many({}) == []

    def test_delete_many_of_nothing_returns_none(self, cache):
        assert cache.delete_many([]) is None
        cache.set("a", 1)
        assert cache.delete_many(["a"]) == 1

    def test_incr_of_a_value_that_is_not_a_number_is_redis_refusal(self, cache):
        cache.set("null", None)
        with pytest.raises(redis.ResponseError, match="not a number"):
            cache.incr("null")
        with pytest.raises(ValueError, match="not found"):
            cache.incr("absent")

    def test_incr_version_moves_a_stored_none(self, cache):
        cache.set("null", None)
        assert cache.incr_version("null") == 2
        assert cache.get("null", default="absent", version=2) is None
        assert cache.get("null", default="absent") == "absent"
        with pytest.raises(ValueError, match="not found"):
            cache.incr_version("absent")

    def test_keys_memcached_would_refuse_warn(self, cache):
        with pytest.warns(CacheKeyWarning, match="characters that will cause errors"):
            cache.set("key with spaces", 1)
        with warnings.catch_warnings():
            warnings.simplefilter("error", CacheKeyWarning)
            cache.set("fine:key", 1)
