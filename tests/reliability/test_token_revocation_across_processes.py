"""
A revoked token stops working in every gunicorn worker within a second, not after the token table's TTL.

The workers answer known tokens from their own memory (logdash/authentication.py). Revoking
happens in another process, `manage.py shell`, as an operator would do it; the workers hear of
it over the Redis they share.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.reliability.app import App, AppDatabase, RedisProcess, app_environment, manage, prepare_database
from tests.reliability.load import get

BOUND_SECONDS = 1.0


@pytest.fixture(scope="module")
def database(tmp_path_factory, engine) -> AppDatabase:
    path = tmp_path_factory.mktemp("tokens") / "db.sqlite3"
    return prepare_database(path, engine_url=engine, redis_url="redis://127.0.0.1:1/0")


@pytest.fixture
def app(database, engine, private_redis: RedisProcess, tmp_path) -> Iterator[tuple[App, dict[str, str]]]:
    # An hour of token table: only the revocation message can explain a 401 within the bound.
    environment = app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine, REDIS_URL=private_redis.url,
                                  LOGDASH_TOKEN_CACHE_SECONDS="3600")
    app = App(environment, tmp_path / "gunicorn.log").start()
    yield app, environment
    app.stop()


def statuses(app: App, database: AppDatabase, role: str, path: str, count: int) -> list[int]:
    return [get(app.url, path, database.headers(role))[0] for _ in range(count)]


def first_status_within(app: App, database: AppDatabase, role: str, path: str, expected: int) -> float:
    """Seconds until `path` answers `expected` for `role`; fails past the bound."""
    started = time.monotonic()
    while get(app.url, path, database.headers(role))[0] != expected:
        assert time.monotonic() - started < BOUND_SECONDS, f"{role} still not {expected} after {BOUND_SECONDS} s"
        time.sleep(0.02)
    return time.monotonic() - started


def test_revocations_reach_every_worker(app, database):
    server, environment = app
    for role in ("alice", "bob", "operator"):
        assert set(statuses(server, database, role, "/api/user/me", 20)) == {200}
    assert set(statuses(server, database, "operator", "/api/cache/stats", 10)) == {200}

    manage("shell", "-c", "from rest_framework.authtoken.models import Token; "
           "Token.objects.filter(user__username='alice').delete()", environment=environment)
    first_status_within(server, database, "alice", "/api/user/me", 401)
    assert set(statuses(server, database, "alice", "/api/user/me", 20)) == {401}

    manage("shell", "-c", "from django.contrib.auth import get_user_model; "
           "user = get_user_model().objects.get(username='bob'); user.is_active = False; user.save()",
           environment=environment)
    first_status_within(server, database, "bob", "/api/user/me", 401)
    assert set(statuses(server, database, "bob", "/api/user/me", 20)) == {401}

    manage("shell", "-c", "from django.contrib.auth import get_user_model; "
           "get_user_model().objects.filter(username='operator').update(is_staff=False); "
           "get_user_model().objects.get(username='operator').save()", environment=environment)
    first_status_within(server, database, "operator", "/api/cache/stats", 403)
    assert set(statuses(server, database, "operator", "/api/cache/stats", 20)) == {403}
    assert set(statuses(server, database, "operator", "/api/user/me", 10)) == {200}
