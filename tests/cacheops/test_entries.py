"""The stored form of a response entry: our own bytes, written raw and read without pickle."""

from __future__ import annotations

import logging
import pickle
import zlib

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from cacheops import store
from cacheops.codec import RAW, VERSION, ZLIB, CorruptValueError, dump_entry, encode_entry, load_entry
from cacheops.entries import Entry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cacheops.urls")]

KEY = "cache:dashboard:entries-test"
SMALL = Entry(200, (("Content-Type", "application/json"),), b'{"ok": true}', 1_700_000_000.5, 300, 4)
BIG = Entry(203, (("Content-Type", "text/plain"), ("ETag", '"abc"')), b"log line " * 500, 1_700_000_000.0, 60, 0)


def physical(key: str) -> str:
    return caches["default"].make_key(key)


@pytest.mark.parametrize(("entry", "header"), [(SMALL, RAW), (BIG, ZLIB)])
def test_an_entry_round_trips_through_its_stored_bytes(entry, header):
    stored = dump_entry(entry, compress_over=1024)
    assert stored[:2] == header
    assert load_entry(stored, 8 * 1024 * 1024) == entry


def test_over_1024_bytes_the_layout_is_zlib_level_6():
    stored = dump_entry(BIG, compress_over=1024)
    assert stored == ZLIB + zlib.compress(encode_entry(BIG), 6)
    assert dump_entry(BIG, compress_over=None) == RAW + encode_entry(BIG)


def test_the_store_writes_our_bytes_under_the_prefixed_key_with_the_ttl(cache, redis_connection):
    store.write_entry(KEY, BIG, 90)
    raw = redis_connection.get(physical(KEY))
    assert raw == ZLIB + zlib.compress(encode_entry(BIG), 6)
    assert zlib.decompress(raw[2:])[0] == VERSION  # the layout, not a pickle (b"\x80")
    assert 85 < redis_connection.ttl(physical(KEY)) <= 90
    assert store.read_entry("dashboard", KEY)[1] == BIG


def test_the_compression_options_of_the_cache_apply_to_entries(cache, redis_connection):
    identity = {**settings.CACHES, "default": {**settings.CACHES["default"], "OPTIONS": {
        **settings.CACHES["default"].get("OPTIONS", {}), "COMPRESSOR": "cacheops.compressors.IdentityCompressor"}}}
    with override_settings(CACHES=identity):
        store.write_entry(KEY, BIG, 90)
        assert redis_connection.get(physical(KEY)) == RAW + encode_entry(BIG)
        assert store.read_entry("dashboard", KEY)[1] == BIG


def test_a_miss_and_a_hit_never_unpickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a response entry was unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    api = APIClient()
    first = api.get("/echo?unpickle=check", HTTP_ACCEPT="application/json")
    second = api.get("/echo?unpickle=check", HTTP_ACCEPT="application/json")
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT") and second.content == first.content


def _zlib_bomb(size: int) -> bytes:
    return ZLIB + zlib.compress(b"\0" * size, 9)


UNREADABLE = {
    "a pickle": pickle.dumps({"status": 200}),
    "the pickled entry of earlier versions": RAW + pickle.dumps(encode_entry(SMALL)),
    "truncated zlib": ZLIB + zlib.compress(encode_entry(BIG))[:40],
    "an unknown marker": b"\xcc?" + encode_entry(SMALL),
    "another layout version": RAW + bytes([VERSION + 1]) + encode_entry(SMALL)[1:],
    "a header block longer than the value": RAW + encode_entry(SMALL)[:25],
    "a zlib bomb": _zlib_bomb(4 * 1024 * 1024),
    "empty": b"",
}


@pytest.mark.parametrize("what", UNREADABLE)
def test_anything_else_under_an_entry_key_is_a_logged_miss(cache, redis_connection, caplog, what):
    redis_connection.set(physical(KEY), UNREADABLE[what])
    with override_settings(CACHEOPS={"MAX_ENTRY_BYTES": 1024 * 1024}), caplog.at_level(logging.WARNING, "cacheops"):
        assert store.read_entry("dashboard", KEY) == (0, None)
    assert f"[CACHE ERROR] unreadable entry under {KEY}" in caplog.text


def test_a_zlib_bomb_is_refused_before_it_is_inflated():
    bomb = _zlib_bomb(64 * 1024 * 1024)
    assert len(bomb) < 100_000
    # Inflating it whole would end in "not a version 2 entry"; the cap stops after about 1 MB.
    with pytest.raises(CorruptValueError, match="inflates beyond 1114112 bytes"):
        load_entry(bomb, 1024 * 1024)
