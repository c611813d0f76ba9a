"""The /api/cache/ endpoints: who may call them, what they answer, and their 400s."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cacheops import stats

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/cache/stats", None),
    ("post", "/api/cache/invalidate/search", None),
    ("post", "/api/cache/invalidate-pattern", {"pattern": "cache:search:*"}),
    ("post", "/api/cache/clear-all", None),
]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_api(api, staff) -> APIClient:
    api.force_login(staff)
    return api


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("user", 403), ("staff", 200), ("superuser", 200)])
def test_permission_matrix(api, request, method, path, body, who, expected):
    if who != "anonymous":
        api.force_login(request.getfixturevalue(who))
    response = getattr(api, method)(path, body, format="json")
    assert response.status_code == expected
    if expected != 200:
        assert response.json()["error"] in {"not_authenticated", "permission_denied"}


def test_token_clients_are_told_how_to_authenticate(api):
    assert api.get("/api/cache/stats")["WWW-Authenticate"] == "Token"


def test_stats_shape(staff_api):
    stats.record_field(stats.make_field("search", stats.HIT))
    stats.record_field(stats.make_field("search", stats.MISS))
    body = staff_api.get("/api/cache/stats").json()
    assert body["status"] == "success"
    assert body["timestamp"].endswith("+00:00")
    cache_stats = body["cache_stats"]
    assert {"hits", "misses", "errors", "total_requests", "hit_rate", "is_available", "by_type"} <= set(cache_stats)
    assert cache_stats["by_type"]["search"]["hit_rate"] == 50.0
    assert body["health"]["healthy"] is True and body["health"]["notes"]


def test_invalidate_type(staff_api, cache):
    cache.set("cache:search:a", b"x")
    cache.set("cache:search:b", b"x")
    cache.set("cache:user:profile:1", b"x")
    body = staff_api.post("/api/cache/invalidate/search").json()
    assert body == {"status": "success", "cache_type": "search", "deleted": 2}
    assert cache.has_key("cache:user:profile:1")


def test_invalidate_unknown_type_is_a_400_naming_the_field(staff_api):
    response = staff_api.post("/api/cache/invalidate/logs")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert "'logs' is not a cache type" in body["fields"]["cache_type"][0]
    assert body["detail"].startswith("cache_type: ")


def test_invalidate_pattern(staff_api, cache):
    cache.set("cache:user:profile:1", b"x")
    cache.set("cache:user:profile:2", b"x")
    cache.set("cache:user:3:dashboard", b"x")
    response = staff_api.post("/api/cache/invalidate-pattern", {"pattern": "cache:user:profile:*"}, format="json")
    assert response.json() == {"status": "success", "pattern": "cache:user:profile:*", "deleted": 2}
    assert cache.has_key("cache:user:3:dashboard")


def test_invalidate_pattern_reads_json_only(staff_api, cache):
    """One body type per operation (issue 18): a form body is refused, nothing deleted."""
    cache.set("cache:search:a", b"x")
    refused = staff_api.post("/api/cache/invalidate-pattern", {"pattern": "cache:search:*"}, format="multipart")
    assert (refused.status_code, refused.json()["error"]) == (415, "unsupported_media_type")
    assert cache.has_key("cache:search:a")
    answer = staff_api.post("/api/cache/invalidate-pattern", {"pattern": "cache:search:*"}, format="json")
    assert answer.json()["deleted"] == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "This field is required"),
        ({"pattern": None}, "This field is required"),
        ({"pattern": 5}, "must be a string, not int"),
        ({"pattern": ["cache:search:*"]}, "must be a string, not list"),
        ({"pattern": ""}, "is empty"),
        ({"pattern": "cache:search:" + "x" * 300}, "the limit is 256"),
        ({"pattern": "sessions:*"}, "must start with 'cache:'"),
        ({"pattern": "cache:*"}, "use clear_all()"),
        ({"pattern": "cache:search:[a]*"}, "only '*' and '?'"),
    ],
)
def test_bad_patterns_are_400s_naming_the_field(staff_api, body, says):
    response = staff_api.post("/api/cache/invalidate-pattern", body, format="json")
    assert response.status_code == 400
    assert says in response.json()["fields"]["pattern"][0]


def test_a_body_that_is_not_an_object_is_a_400(staff_api):
    response = staff_api.post("/api/cache/invalidate-pattern", ["cache:search:*"], format="json")
    assert response.status_code == 400 and "pattern" in response.json()["fields"]


def test_clear_all_leaves_other_keys(staff_api, cache):
    cache.set("cache:search:a", b"x")
    cache.set("cache:product:b", b"x")
    cache.set("session:keep", "me")
    assert staff_api.post("/api/cache/clear-all").json() == {"status": "success", "deleted": 2}
    assert cache.get("session:keep") == "me"


@pytest.mark.parametrize(("path", "body"), [(p, b) for m, p, b in ENDPOINTS if m == "post"])
def test_redis_down_is_a_503(staff_api, redis_down, path, body):
    response = staff_api.post(path, body, format="json")
    assert response.status_code == 503
    assert response.json()["error"] == "cache_unavailable"
    assert "ConnectionError" not in response.json()["detail"]


def test_stats_while_redis_is_down(staff_api, redis_down):
    body = staff_api.get("/api/cache/stats").json()
    assert body["cache_stats"]["is_available"] is False
    assert body["health"]["healthy"] is False
