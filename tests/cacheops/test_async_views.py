"""`async def` views under cache_response, served by a real uvicorn: the same behaviour as the sync path.

The server is one uvicorn process (one event loop) on this session's Redis and cache prefix,
with a SQLite database holding the users and their tokens (tests/reliability/app.py).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import RequestFactory

from cacheops import store
from cacheops.conf import CacheType
from cacheops.invalidation import invalidate
from logdash.services import _die_with_parent, free_port
from tests.reliability.app import ROOT, AppDatabase, app_environment, prepare_database

# The uvicorn process is configured for one Redis (on a cluster an async hit reads through the sync
# cluster reader in a thread: cacheops.store.aread_entry).
pytestmark = pytest.mark.single_redis("the uvicorn process serves one Redis")

SETTINGS = """
from logdash.settings import *  # noqa: F403


ROOT_URLCONF = "tests.cacheops.async_urls"
CACHES = {{**CACHES, "default": {{**CACHES["default"], "KEY_PREFIX": {prefix!r}}}}}
MIDDLEWARE = [*MIDDLEWARE, "tests.cacheops.async_urls.TokenUserMiddleware"]
"""


@dataclasses.dataclass
class Server:
    url: str
    database: AppDatabase

    def get(self, path: str, role: str | None = None) -> tuple[dict, dict]:
        headers = self.database.headers(role) if role else {"Accept": "application/json"}
        with urllib.request.urlopen(urllib.request.Request(self.url + path, headers=headers), timeout=10) as answer:
            return dict(answer.headers), json.loads(answer.read())

    def outcome(self, path: str, role: str | None = None) -> str:
        return self.get(path, role)[0]["X-Cache"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_service, search_engine_service, _services) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("uvicorn")
    database = prepare_database(folder / "db.sqlite3", engine_url=search_engine_service.url,
                                redis_url=redis_service.url)
    (folder / "async_settings.py").write_text(SETTINGS.format(prefix=settings.CACHES["default"]["KEY_PREFIX"]))
    port = free_port()
    environment = app_environment(DATABASE_URL=database.url, REDIS_URL=redis_service.url,
                                  DJANGO_SETTINGS_MODULE="async_settings", PYTHONPATH=f"{ROOT}:{folder}")
    log = (folder / "uvicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "logdash.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--lifespan", "off", "--log-level", "warning"],
        cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=_die_with_parent)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (folder / "uvicorn.log").read_text()
        assert time.monotonic() < deadline, "uvicorn did not answer within 60 s"
        try:
            urllib.request.urlopen(f"{url}/async/shared?x=ready", timeout=2).close()
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    yield Server(url, database)
    process.terminate()
    process.wait(timeout=15)
    log.close()


def test_an_async_view_is_served_from_the_cache(server):
    first_headers, first = server.get("/async/shared?x=1")
    second_headers, second = server.get("/async/shared?x=1")
    assert (first_headers["X-Cache"], second_headers["X-Cache"]) == ("MISS", "HIT")
    assert second == first
    assert second_headers["X-Cache-Key"] == first_headers["X-Cache-Key"]
    assert server.outcome("/async/shared?x=2") == "MISS"
    assert server.outcome("/async/shared?x=1&junk=3") == "HIT"  # undeclared parameters make no entry


def test_a_stale_entry_is_answered_at_once_and_refreshed(server):
    headers, first = server.get("/async/shared?x=stale")
    key = headers["X-Cache-Key"]
    _, entry = store.read_entry(CacheType.DASHBOARD.value, key)
    # Move the entry's birth back past its TTL instead of waiting for it.
    store.write_entry(key, dataclasses.replace(entry, created_at=entry.created_at - entry.fresh_for - 1), 600)
    stale_headers, stale = server.get("/async/shared?x=stale")
    assert (stale_headers["X-Cache"], stale) == ("STALE", first)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the refresh runs in the background
        fresh_headers, fresh = server.get("/async/shared?x=stale")
        if fresh["call"] != first["call"]:
            break
        time.sleep(0.05)
    assert fresh_headers["X-Cache"] == "HIT" and fresh["call"] > first["call"]


def test_per_user_entries_never_cross_users_and_a_scope_invalidates_one_user(server):
    alice_id = server.database.users["alice"]["id"]
    assert server.get("/async/mine", "alice")[1]["user"] == "alice"
    assert server.get("/async/mine", "bob")[1]["user"] == "bob"
    alice_headers, alice = server.get("/async/mine", "alice")
    bob_headers, bob = server.get("/async/mine", "bob")
    assert (alice_headers["X-Cache"], alice["user"]) == ("HIT", "alice")
    assert (bob_headers["X-Cache"], bob["user"]) == ("HIT", "bob")
    assert alice_headers["X-Cache-Key"] != bob_headers["X-Cache-Key"]

    invalidate(scopes=[f"user:{alice_id}"])
    assert (server.outcome("/async/mine", "alice"), server.outcome("/async/mine", "bob")) == ("MISS", "HIT")
    invalidate(types=[CacheType.USER])
    assert (server.outcome("/async/mine", "alice"), server.outcome("/async/mine", "bob")) == ("MISS", "MISS")


def test_a_view_that_varies_on_authorization_is_never_served_across_users(server):
    bodies = {role: [server.get("/async/varies", role) for _ in range(3)] for role in ("alice", "bob")}
    for role, answers in bodies.items():
        token = server.database.users[role]["token"]
        assert all(body["authorization"] == f"Token {token}" for _, body in answers)
    assert bodies["bob"][-1][0]["X-Cache"] == "HIT"  # keyed per user from the first varying answer on


def test_a_hit_of_an_async_view_reads_through_redis_asyncio(monkeypatch, _services):
    """In process: after the fill, the sync read is never called; the hit comes from the awaited read."""
    from tests.cacheops.async_urls import shared

    request = RequestFactory().get("/async/shared?x=in-process", HTTP_ACCEPT="application/json")
    assert async_to_sync(shared)(request)["X-Cache"] == "MISS"

    def no_sync_read(*args, **kwargs):
        raise AssertionError("an async view's hit read Redis synchronously")

    monkeypatch.setattr(store, "read_entry", no_sync_read)
    request = RequestFactory().get("/async/shared?x=in-process", HTTP_ACCEPT="application/json")
    assert async_to_sync(shared)(request)["X-Cache"] == "HIT"


def test_the_decorated_async_view_is_still_a_coroutine_function():
    from asgiref.sync import iscoroutinefunction

    from tests.cacheops.async_urls import shared

    assert iscoroutinefunction(shared)
