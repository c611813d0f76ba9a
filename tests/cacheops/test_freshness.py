"""Stampede protection, stale-while-revalidate, stale-if-error, conditional GET and O(1) type invalidation."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import Client, override_settings

from cacheops import store
from cacheops.conf import CacheType
from cacheops.invalidation import invalidate_cache_type
from cacheops.stats import get_cache_stats
from tests.cacheops.freshness_urls import Backend

pytestmark = pytest.mark.urls("tests.cacheops.freshness_urls")

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _backend():
    Backend.reset()
    yield
    Backend.reset()


def get(**headers):
    return Client().get("/slow", **{**JSON, **headers})


def computation(response) -> int:
    return response.json()["computation"]


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


class TestStampede:
    def test_32_concurrent_cold_requests_compute_once(self):
        Backend.delay = 0.5
        start = threading.Barrier(32)
        responses = []

        def request():
            start.wait()
            responses.append(get())

        threads = [threading.Thread(target=request) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert Backend.computations == 1
        assert len(responses) == 32
        assert {r.status_code for r in responses} == {200}
        assert {computation(r) for r in responses} == {1}
        states = sorted(r["X-Cache"] for r in responses)
        assert states == ["HIT"] * 31 + ["MISS"]

    def test_waiters_compute_themselves_when_the_holder_died(self):
        key = get()["X-Cache-Key"]
        invalidate_cache_type(CacheType.DASHBOARD)
        dead_holder = store.fill_lock(key, 30)
        assert dead_holder.acquire()  # taken and never released, as by a killed worker
        with override_settings(CACHEOPS={"FILL_LOCK_WAIT": 0.2}):
            response = get()
        assert (response["X-Cache"], computation(response)) == ("MISS", 2)


class TestStaleWhileRevalidate:
    @pytest.fixture(autouse=True)
    def _short_ttl(self, settings):
        settings.CACHEOPS = {"TIMEOUTS": {"dashboard": 1}, "STALE_WHILE_REVALIDATE": {"dashboard": 30}}

    def test_an_expired_entry_answers_at_once_while_one_refresh_runs(self):
        assert computation(get()) == 1
        time.sleep(1.1)
        Backend.delay = 0.5
        began = time.monotonic()
        stale = [get() for _ in range(5)]
        assert time.monotonic() - began < 0.5, "stale answers must not wait for the refresh"
        assert {(r["X-Cache"], computation(r)) for r in stale} == {("STALE", 1)}
        assert int(stale[0]["Age"]) >= 1
        wait_until(lambda: get()["X-Cache"] == "HIT")  # stale answers go on until the refresh lands
        assert computation(get()) == 2
        assert Backend.computations == 2  # many stale answers, one refresh
        assert get_cache_stats()["by_type"]["dashboard"]["stale"] >= 5

    def test_a_failed_refresh_keeps_the_stale_entry(self):
        get()
        time.sleep(1.1)
        Backend.failing = True
        assert get()["X-Cache"] == "STALE"
        time.sleep(0.3)
        response = get()
        assert (response["X-Cache"], computation(response)) == ("STALE", 1)


class TestStaleIfError:
    @pytest.fixture(autouse=True)
    def _short_ttl(self, settings):
        settings.CACHEOPS = {"TIMEOUTS": {"dashboard": 1}, "STALE_WHILE_REVALIDATE": {"dashboard": 0},
                             "STALE_IF_ERROR": {"dashboard": 30}}

    def test_a_failing_view_is_answered_by_the_stale_entry(self):
        get()
        time.sleep(1.1)
        Backend.failing = True
        response = get()
        assert response.status_code == 200
        assert (response["X-Cache"], computation(response)) == ("STALE", 1)

    def test_an_invalidated_entry_still_beats_an_error(self):
        get()
        invalidate_cache_type(CacheType.DASHBOARD)
        Backend.failing = True
        response = get()
        assert (response.status_code, response["X-Cache"]) == (200, "STALE")

    def test_past_the_hard_limit_the_error_goes_through(self):
        with override_settings(CACHEOPS={"TIMEOUTS": {"dashboard": 1}, "STALE_WHILE_REVALIDATE": {"dashboard": 0},
                                         "STALE_IF_ERROR": {"dashboard": 1}}):
            get()
            time.sleep(2.1)
            Backend.failing = True
            response = get()
        assert response.status_code == 503
        assert response.json()["error"] == "search_unavailable"


class TestConditionalGet:
    def test_a_hit_carries_etag_and_age_and_if_none_match_gets_304_without_the_view(self):
        miss = get()
        etag = miss["ETag"]
        assert etag.startswith('"') and etag.endswith('"')
        hit = get()
        assert hit["ETag"] == etag and int(hit["Age"]) >= 0
        not_modified = get(HTTP_IF_NONE_MATCH=etag)
        assert (not_modified.status_code, not_modified.content, not_modified["X-Cache"]) == (304, b"", "HIT")
        assert not_modified["ETag"] == etag
        assert Backend.computations == 1

    def test_a_different_tag_gets_the_body(self):
        get()
        response = get(HTTP_IF_NONE_MATCH='"something-else", W/"another"')
        assert (response.status_code, computation(response)) == (200, 1)

    def test_weak_and_star_tags_match(self):
        etag = get()["ETag"]
        assert get(HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
        assert get(HTTP_IF_NONE_MATCH="*").status_code == 304


class TestTypeInvalidation:
    def test_after_invalidation_the_view_runs_again(self):
        get()
        assert get()["X-Cache"] == "HIT"
        invalidate_cache_type(CacheType.DASHBOARD)
        response = get()
        assert (response["X-Cache"], computation(response)) == ("MISS", 2)
        assert get()["X-Cache"] == "HIT"

    def test_other_types_are_untouched(self):
        get()
        invalidate_cache_type(CacheType.SEARCH)
        assert get()["X-Cache"] == "HIT"
