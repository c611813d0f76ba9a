"""The backend over each compressor variant, plus values it did not write (the django-redis way)."""

from __future__ import annotations

import logging
import os
import pickle
import zlib

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django_redis import get_redis_connection

from cacheops.backends import RedisCache
from cacheops.compressors import RAW, ZLIB

VARIANTS = {
    "zlib": {},
    "identity": {"COMPRESSOR": "cacheops.compressors.IdentityCompressor"},
    "zlib-threshold-64": {"COMPRESS_MIN_BYTES": 64, "COMPRESS_LEVEL": 1},
}
BIG = {"rows": [f"GET /api/dashboard?page={n} 200 12ms user=42" for n in range(200)]}


def _caches_with(options: dict) -> dict:
    configured = {alias: dict(config) for alias, config in settings.CACHES.items()}
    default = configured["default"]
    default["OPTIONS"] = {**default.get("OPTIONS", {}), **options}
    return configured


@pytest.fixture(params=list(VARIANTS))
def variant(request, _services):
    with override_settings(CACHES=_caches_with(VARIANTS[request.param])):
        yield request.param


@pytest.fixture
def backend(variant):
    return caches["default"]


def raw_value(backend, key: str) -> bytes:
    return get_redis_connection("default").get(backend.make_key(key))


class TestBackendVariants:
    """Run over every variant: what one writes, it reads back; what it cannot read is a miss."""

    def test_is_django_redis(self, backend):
        assert isinstance(backend, RedisCache)
        assert get_redis_connection("default").ping()

    @pytest.mark.parametrize("value", ["small", b"\xcc=bytes", BIG, 3.5, None, True, [1, "two"]])
    def test_round_trip(self, backend, value):
        backend.set("k", value)
        assert backend.get("k", default="absent") == value

    def test_integers_stay_countable(self, backend):
        backend.set("n", 1)
        assert backend.incr("n") == 2 and backend.get("n") == 2

    def test_get_many_and_delete(self, backend):
        backend.set_many({"a": 1, "b": BIG})
        assert backend.get_many(["a", "b", "c"]) == {"a": 1, "b": BIG}
        assert backend.delete("a") is True and backend.get("a") is None

    @pytest.mark.parametrize(
        "foreign",
        [b"plain text from another client", b"\x80\x04garbage", b"\xcczx\x9c\x01\x02truncated", b"\xcc?unknown", b""],
    )
    def test_foreign_values_are_a_logged_miss(self, backend, foreign, caplog):
        get_redis_connection("default").set(backend.make_key("k"), foreign)
        with caplog.at_level(logging.WARNING, logger="cacheops"):
            assert backend.get("k", default="absent") == "absent"
        assert "[CACHE ERROR] unreadable value" in caplog.text

    def test_a_foreign_value_does_not_spoil_get_many(self, backend):
        backend.set("good", "yes")
        get_redis_connection("default").set(backend.make_key("bad"), b"\xcczbroken")
        assert backend.get_many(["good", "bad"]) == {"good": "yes"}

    def test_unreadable_set_members_are_left_out(self, backend):
        backend.sadd("members", "good")
        get_redis_connection("default").sadd(backend.make_key("members"), b"\xcczbroken")
        assert backend.smembers("members") == {"good"}
        assert set(backend.sscan_iter("members")) == {"good"}
        assert backend.sunion("members") == {"good"}

    def test_a_lone_unreadable_member_pops_as_none(self, backend):
        get_redis_connection("default").sadd(backend.make_key("members"), b"\xcczbroken")
        assert backend.spop("members") is None

    def test_values_are_written_as_stock_django_redis_writes_them(self, backend):
        backend.set("small", "x")
        backend.set("big", BIG)
        assert pickle.loads(raw_value(backend, "small")) == "x"
        big = raw_value(backend, "big")
        assert pickle.loads(zlib.decompress(big) if big[:1] == b"x" else big) == BIG

    def test_unmarked_values_of_plain_django_redis_still_read(self, backend):
        get_redis_connection("default").set(backend.make_key("legacy"), pickle.dumps({"old": True}))
        assert backend.get("legacy") == {"old": True}


class TestCompression:
    def test_over_1024_bytes_is_zlib_level_6(self, cache):
        cache.set("big", BIG)
        stored = raw_value(cache, "big")
        serialized = zlib.decompress(stored)
        assert pickle.loads(serialized) == BIG
        assert stored == zlib.compress(serialized, 6)

    def test_the_threshold_is_over_1024_serialized_bytes(self, cache):
        serializer = cache.client._serializer
        at = next(b"a" * n for n in range(900, 1100) if len(serializer.dumps(b"a" * n)) == 1024)
        over = at + b"a"
        cache.set("at", at)
        cache.set("over", over)
        assert raw_value(cache, "at") == serializer.dumps(at)
        assert zlib.decompress(raw_value(cache, "over")) == serializer.dumps(over)
        assert cache.get("over") == over

    def test_incompressible_values_are_stored_raw(self, cache):
        noise = os.urandom(4096)
        cache.set("noise", noise)
        assert pickle.loads(raw_value(cache, "noise")) == noise
        assert cache.get("noise") == noise

    def test_identity_variant_never_compresses_but_reads_zlib(self, cache):
        cache.set("big", BIG)
        with override_settings(CACHES=_caches_with(VARIANTS["identity"])):
            identity = caches["default"]
            assert identity.get("big") == BIG
            identity.set("big2", BIG)
            assert pickle.loads(raw_value(identity, "big2")) == BIG

    def test_threshold_follows_the_setting(self):
        with override_settings(CACHEOPS={"COMPRESS_MIN_BYTES": 10_000}), override_settings(CACHES=_caches_with({})):
            caches["default"].set("big", BIG)
            assert pickle.loads(raw_value(caches["default"], "big")) == BIG

    def test_marked_values_of_earlier_cacheops_versions_still_read(self, cache):
        serialized = pickle.dumps(BIG)
        get_redis_connection("default").set(cache.make_key("raw"), RAW + serialized)
        get_redis_connection("default").set(cache.make_key("zlib"), ZLIB + zlib.compress(serialized))
        assert cache.get_many(["raw", "zlib"]) == {"raw": BIG, "zlib": BIG}

    def test_a_zlib_bomb_is_a_logged_miss(self, cache, caplog):
        bomb = zlib.compress(b"\0" * (9 * 1024 * 1024), 9)  # over MAX_ENTRY_BYTES (8 MiB) inflated
        get_redis_connection("default").set(cache.make_key("bomb"), bomb)
        with caplog.at_level(logging.WARNING, logger="cacheops"):
            assert cache.get("bomb", default="absent") == "absent"
        assert "inflates beyond" in caplog.text
