"""Generation scopes: a view's entries depend on named scopes, invalidated in O(1) in one round trip."""

from __future__ import annotations

import logging
import re

import pytest
import redis
from django.test import override_settings
from rest_framework.test import APIClient

from cacheops.conf import CacheType
from cacheops.decorators import cache_response
from cacheops.exceptions import InvalidCacheKey
from cacheops.invalidation import invalidate
from cacheops.keys import make_cache_key, validate_scope
from tests.redis_commands import recorded_commands

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cacheops.urls")]

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def outcome(api: APIClient, team: str) -> str:
    return api.get(f"/team-report?team={team}", **JSON)["X-Cache"]


def test_make_cache_key_joins_parts_under_the_key_prefix():
    assert make_cache_key(CacheType.USER, "profile", 7) == "cache:user:profile:7"
    assert make_cache_key("search", "abc") == "cache:search:abc"
    with override_settings(CACHEOPS={"KEY_PREFIX": "resp"}):
        assert make_cache_key(CacheType.USER, 7, "me", "d1") == "resp:user:7:me:d1"
    with pytest.raises(InvalidCacheKey, match="needs at least one part"):
        make_cache_key(CacheType.USER)
    with pytest.raises(ValueError, match="not a cache type"):
        make_cache_key("users", "x")


@pytest.mark.parametrize("scope", ["user:42", "product:7", "day:2026-11-30", "tenant_a:x.y:z"])
def test_scopes_are_kind_and_value(scope):
    assert validate_scope(scope) == scope


@pytest.mark.parametrize("scope", ["user", "user:", "User:1", "user:*", "user:1 2", ":1", 42, None, "u:" + "x" * 201])
def test_malformed_scopes_are_refused_saying_what_to_write(scope):
    with pytest.raises(InvalidCacheKey, match=re.escape("is not a generation scope: write '{kind}:{value}'")):
        validate_scope(scope)


def test_invalidating_a_scope_makes_only_its_entries_stale(api):
    assert (outcome(api, "red"), outcome(api, "blue")) == ("MISS", "MISS")
    assert (outcome(api, "red"), outcome(api, "blue")) == ("HIT", "HIT")
    assert invalidate(scopes=["team:red"]) is True
    assert (outcome(api, "red"), outcome(api, "blue")) == ("MISS", "HIT")
    assert outcome(api, "red") == "HIT"


def test_a_scope_shared_by_entries_and_the_type_both_invalidate(api):
    outcome(api, "red"), outcome(api, "blue")
    invalidate(scopes=["region:eu-1"])
    assert (outcome(api, "red"), outcome(api, "blue")) == ("MISS", "MISS")
    invalidate(types=[CacheType.ANALYTICS])
    assert (outcome(api, "red"), outcome(api, "blue")) == ("MISS", "MISS")
    invalidate(types=[CacheType.SEARCH])
    assert (outcome(api, "red"), outcome(api, "blue")) == ("HIT", "HIT")


def test_a_hit_with_scopes_is_one_round_trip(api, monkeypatch):
    outcome(api, "red")
    sent: list[bytes] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def record(self, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", record)
    assert outcome(api, "red") == "HIT"
    assert len(sent) == 1
    assert sent[0].startswith(b"*5\r\n$4\r\nMGET\r\n")
    # The type's counters of each scope, with the type's hash tag: one slot on a cluster.
    assert b"cacheops:generation:{" in sent[0]
    assert b":scope:team:red" in sent[0] and b":scope:region:eu-1" in sent[0]


def test_invalidate_is_one_pipeline_of_incr_and_never_scans(monkeypatch):
    with recorded_commands(monkeypatch) as commands:
        invalidate(types=[CacheType.DASHBOARD, "analytics"], scopes=["user:1", "product:2"])
    # Each type keeps its own counter of a scope (in its own cluster slot): one INCR per type and scope.
    assert commands == ["INCRBY"] * (2 + 2 * len(CacheType))


def test_invalidate_refuses_bad_input_before_touching_redis(monkeypatch):
    with recorded_commands(monkeypatch) as commands:
        with pytest.raises(InvalidCacheKey, match="'user:\\*'"):
            invalidate(scopes=["user:*"])
        with pytest.raises(ValueError, match="'nope' is not a cache type"):
            invalidate(types=["nope"])
    assert commands == []


def test_invalidate_with_redis_down_returns_false_and_logs(redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="cacheops"):
        assert invalidate(scopes=["user:1"]) is False
    assert "[CACHE ERROR] invalidate cached responses" in caplog.text


def test_scopes_must_be_callable():
    with pytest.raises(TypeError, match="scopes must be callable"):
        cache_response(CacheType.USER, scopes=["user:1"])
