"""The hit path's reader: one connection per thread, replaced whenever it cannot be trusted."""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from cacheops.backends import get_raw_client, get_response_cache
from cacheops.reader import get_entry_reader
from logdash.services import RunningService, start_redis

from .conftest import single_redis_cache

KEY = "cache:dashboard:reader-test"


def physical(key: str) -> str:
    return get_response_cache().make_key(key)


@pytest.fixture
def private_redis() -> Iterator[RunningService]:
    """A redis-server of our own, with a short socket timeout, that the test may stop and continue."""
    service = start_redis()
    caches = {"default": single_redis_cache(service.url, SOCKET_TIMEOUT=0.3)}
    try:
        with override_settings(CACHES=caches):
            yield service
    finally:
        service.process.send_signal(signal.SIGCONT)
        service.stop()


def test_reads_the_generation_and_the_entry_in_one_round_trip(cache):
    generation = physical("cacheops:generation:dashboard")
    get_raw_client().set(generation, 7)
    get_raw_client().set(physical(KEY), b"entry")
    try:
        assert get_entry_reader().read("dashboard", KEY) == [b"7", b"entry"]
        assert get_entry_reader().read("dashboard", KEY + "-absent") == [b"7", None]
    finally:
        get_raw_client().delete(generation)


def test_each_thread_keeps_its_own_connection(cache):
    reader = get_entry_reader()
    reader.read("dashboard", KEY)
    seen: list = []
    thread = threading.Thread(target=lambda: seen.append(get_entry_reader()) or seen[0].read("dashboard", KEY))
    thread.start()
    thread.join()
    assert seen[0] is not reader and seen[0].connection is not reader.connection
    assert get_entry_reader() is reader and reader.connection is not None


def test_a_thread_that_ends_gives_its_connection_back_to_the_pool(cache, monkeypatch):
    get_entry_reader().read("dashboard", KEY)
    pool = get_entry_reader().pool  # on a cluster, the pool of the node serving the type's slot
    gc.collect()  # readers of earlier tests' threads
    # Identities, not a count of the pool's connections in use: background threads share the pool.
    released: list = []
    release = pool.release
    monkeypatch.setattr(pool, "release", lambda connection: (released.append(connection), release(connection)))
    used: list = []

    def read_in_a_thread() -> None:
        reader = get_entry_reader()
        reader.read("dashboard", KEY)
        used.append(reader.connection)

    threads = [threading.Thread(target=read_in_a_thread) for _ in range(5)]
    for thread in threads:
        thread.start()
        thread.join()
    gc.collect()
    assert len(used) == 5
    assert all(any(connection is back for back in released) for connection in used)


def test_a_connection_closed_by_the_server_is_replaced_without_an_error(cache):
    get_raw_client().set(physical(KEY), b"entry")
    reader = get_entry_reader()
    reader.read("dashboard", KEY)
    client_id = _client_id(reader)
    assert redis.Redis(connection_pool=reader.pool).client_kill_filter(_id=client_id) == 1
    assert reader.read("dashboard", KEY) == [None, b"entry"]
    assert _client_id(reader) != client_id


def _client_id(reader) -> int:
    reader.connection.send_command("CLIENT", "ID")
    return reader.connection.read_response()


def test_a_timed_out_read_drops_its_connection_so_its_late_reply_is_never_read(private_redis):
    direct = redis.Redis.from_url(private_redis.url)
    direct.set(physical(KEY), b"before")
    reader = get_entry_reader()
    assert reader.read("dashboard", KEY)[1] == b"before"
    private_redis.process.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(redis.TimeoutError):
            reader.read("dashboard", KEY)
    finally:
        private_redis.process.send_signal(signal.SIGCONT)
    # The server now answers the MGET that timed out; a reused connection would return that reply.
    direct.set(physical(KEY), b"after")
    assert reader.read("dashboard", KEY)[1] == b"after"


def test_new_cache_settings_give_a_new_reader(cache, private_redis):
    redis.Redis.from_url(private_redis.url).set(physical(KEY), b"private")
    assert get_entry_reader().read("dashboard", KEY)[1] == b"private"
    assert get_entry_reader().client.connection_pool is get_response_cache().client.get_client().connection_pool


def test_a_forked_child_opens_its_own_connection(cache):
    get_raw_client().set(physical(KEY), b"shared")
    parent_reader = get_entry_reader()
    parent_reader.read("dashboard", KEY)
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        ok = False
        try:
            reader = get_entry_reader()
            ok = reader is not parent_reader and reader.read("dashboard", KEY) == [None, b"shared"]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent_reader.read("dashboard", KEY) == [None, b"shared"]


def test_the_packed_command_is_what_redis_py_would_send(cache):
    reader = get_entry_reader()
    key = "cache:search:caf\u00e9-\u00fc"
    expected = redis.connection.Connection().pack_command(
        "MGET", reader.generation_key("search"), reader.physical_key(key))
    assert reader._pack("search", key) == [b"".join(expected)]


def test_reads_the_database_the_cache_location_names(cache):
    if settings.CACHES["default"].get("OPTIONS", {}).get("CONNECTION_FACTORY"):
        pytest.skip("a cluster has only database 0; Sentinel's LOCATION names no server to open it on")
    location = urlsplit(settings.CACHES["default"]["LOCATION"])._replace(path="/7").geturl()
    with override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": location}}):
        reader = get_entry_reader()
        other_database = redis.Redis.from_url(location)
        other_database.set(reader.physical_key(KEY), b"database 7")
        try:
            assert reader.read("dashboard", KEY) == [None, b"database 7"]
        finally:
            other_database.delete(reader.physical_key(KEY))
    assert get_entry_reader().read("dashboard", KEY)[1] != b"database 7"
