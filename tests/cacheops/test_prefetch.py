"""Read-ahead (cacheops.prefetch): a view's answer for the next request, stored beside its own under that key."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from cacheops.invalidation import invalidate

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cacheops.urls")]

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_the_answer_read_ahead_is_a_hit_for_the_request_it_was_made_for(api):
    first = api.get("/team-pages?team=a&page=1", **JSON)
    second = api.get("/team-pages?team=a&page=2", **JSON)  # the parameters in another order than prefetched
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert second.json() == {"team": "a", "page": 2, "read_ahead_by": first.json()["call"]}
    assert second["Content-Type"] == first["Content-Type"] and second.has_header("ETag")


def test_an_answer_for_other_scopes_is_not_stored(api, caplog):
    with caplog.at_level(logging.WARNING, logger="cacheops"):
        api.get("/team-pages?team=a&page=1", **JSON)
    assert "are not this request's" in caplog.text
    other = api.get("/team-pages?team=a-other&page=1", **JSON)
    assert other["X-Cache"] == "MISS"
    assert "read_ahead_by" not in other.json()


def test_invalidating_the_scope_makes_the_answer_read_ahead_stale_too(api):
    api.get("/team-pages?team=a&page=1", **JSON)
    invalidate(scopes=["team:a"])
    second = api.get("/team-pages?team=a&page=2", **JSON)
    assert second["X-Cache"] == "MISS"
    assert "read_ahead_by" not in second.json()
