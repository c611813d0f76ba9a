"""cacheops.decoded: a hit of bytes decoded before does not inflate them again, and nothing else changes."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from cacheops import codec, decoded, store
from cacheops.codec import CorruptValueError, dump_entry
from cacheops.decoded import DecodedEntries
from cacheops.entries import Entry

LIMIT = 8 * 1024 * 1024


def entry(body: bytes, created_at: float = 1_700_000_000.0) -> Entry:
    return Entry(200, (("Content-Type", "application/json"),), body, created_at, 300, 0)


@pytest.fixture
def inflations(monkeypatch) -> list[bytes]:
    """Every value `codec.load_entry` decodes."""
    seen: list[bytes] = []

    def counting(raw: bytes, max_body: int) -> Entry:
        seen.append(raw)
        return codec.load_entry(raw, max_body)

    monkeypatch.setattr(decoded, "load_entry", counting)
    return seen


def test_equal_bytes_are_decoded_once(inflations):
    table = DecodedEntries(1024 * 1024)
    stored = dump_entry(entry(b"x" * 5000), compress_over=1024)
    first = table.load(stored, LIMIT)
    again = table.load(bytes(bytearray(stored)), LIMIT)  # another bytes object, as each read makes
    assert again is first and first == entry(b"x" * 5000)
    assert len(inflations) == 1


def test_other_bytes_are_decoded_as_they_are(inflations):
    table = DecodedEntries(1024 * 1024)
    older = table.load(dump_entry(entry(b"a" * 5000), compress_over=1024), LIMIT)
    newer = table.load(dump_entry(entry(b"a" * 5000, created_at=1_700_000_001.0), compress_over=1024), LIMIT)
    assert (older.created_at, newer.created_at) == (1_700_000_000.0, 1_700_000_001.0)
    assert len(inflations) == 2


def test_the_table_keeps_within_its_bytes_and_drops_the_least_recently_used(inflations):
    values = [dump_entry(entry(bytes([65 + index]) * 4000), compress_over=1024) for index in range(4)]
    table = DecodedEntries(2 * (4000 + 400))  # room for two of them
    for value in values:
        table.load(value, LIMIT)
    assert len(table) == 2
    table.load(values[3], LIMIT)
    table.load(values[0], LIMIT)  # dropped: decoded again
    assert len(inflations) == 5


def test_raw_values_and_a_zero_budget_keep_nothing(inflations):
    raw = dump_entry(entry(b"{}"), compress_over=1024)
    table = DecodedEntries(1024 * 1024)
    table.load(raw, LIMIT)
    table.load(raw, LIMIT)
    off = DecodedEntries(0)
    compressed = dump_entry(entry(b"y" * 5000), compress_over=1024)
    off.load(compressed, LIMIT)
    off.load(compressed, LIMIT)
    assert len(inflations) == 4 and len(table) == len(off) == 0


def test_a_value_read_with_a_smaller_body_limit_is_judged_again():
    table = DecodedEntries(1024 * 1024)
    stored = dump_entry(entry(b"z" * 100_000), compress_over=1024)
    assert table.load(stored, LIMIT).body == b"z" * 100_000
    with pytest.raises(CorruptValueError):
        table.load(stored, 1024)


@pytest.mark.django_db
@pytest.mark.urls("tests.cacheops.urls")
def test_a_hit_answers_the_bytes_under_its_key_now_not_an_entry_decoded_before(cache, redis_connection):
    """The hit path reads through the table: other bytes under the same key are another entry."""
    client = APIClient()
    key = client.get("/echo", HTTP_ACCEPT="application/json")["X-Cache-Key"]
    generation, filled = store.read_entry("dashboard", key)
    for body in (b'{"version": "' + b"a" * 4000 + b'"}', b'{"version": "' + b"b" * 4000 + b'"}'):
        stored = Entry(filled.status, filled.headers, body, filled.created_at, filled.fresh_for, generation)
        redis_connection.set(caches["default"].make_key(key), dump_entry(stored, compress_over=1024))
        for _ in range(2):
            answer = client.get("/echo", HTTP_ACCEPT="application/json")
            assert answer["X-Cache"] == "HIT" and answer.content == body


def test_the_setting_sizes_the_process_table(inflations):
    stored = dump_entry(entry(b"q" * 5000), compress_over=1024)
    with override_settings(CACHEOPS={"DECODED_ENTRIES_MAX_BYTES": 0}):
        decoded.load_decoded_entry(stored, LIMIT)
        decoded.load_decoded_entry(stored, LIMIT)
    assert len(inflations) == 2
    with override_settings(CACHEOPS={"DECODED_ENTRIES_MAX_BYTES": 1024 * 1024}):
        decoded.load_decoded_entry(stored, LIMIT)
        decoded.load_decoded_entry(stored, LIMIT)
    assert len(inflations) == 3
