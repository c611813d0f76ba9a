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

    def test_an_expired_entry_answers_at_once_while_one_refresh_runs(self, clock):
        assert computation(get()) == 1
        clock.shift(1.1)
        Backend.gate = threading.Event()  # the refresh blocks until the stale answers are in
        stale = [get() for _ in range(5)]
        assert Backend.computations == 1, "stale answers must not wait for the refresh"
        assert {(r["X-Cache"], computation(r)) for r in stale} == {("STALE", 1)}
        assert int(stale[0]["Age"]) == 1
        Backend.gate.set()
        wait_until(lambda: get()["X-Cache"] == "HIT")  # stale answers go on until the refresh lands
        assert computation(get()) == 2
        assert Backend.computations == 2  # many stale answers, one refresh
        assert get_cache_stats()["by_type"]["dashboard"]["stale"] >= 5

    def test_a_failed_refresh_keeps_the_stale_entry(self, clock):
        key = get()["X-Cache-Key"]
        clock.shift(1.1)
        Backend.failing = True
        assert get()["X-Cache"] == "STALE"
        wait_until(lambda: not store.fill_lock(key, 30).locked())  # the failed refresh has ended
        response = get()
        assert (response["X-Cache"], computation(response)) == ("STALE", 1)


class TestStaleIfError:
    @pytest.fixture(autouse=True)
    def _short_ttl(self, settings):
        settings.CACHEOPS = {"TIMEOUTS": {"dashboard": 1}, "STALE_WHILE_REVALIDATE": {"dashboard": 0},
                             "STALE_IF_ERROR": {"dashboard": 30}}

    def test_a_failing_view_is_answered_by_the_stale_entry(self, clock):
        get()
        clock.shift(1.1)
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

    def test_past_the_hard_limit_the_error_goes_through(self, clock):
        with override_settings(CACHEOPS={"TIMEOUTS": {"dashboard": 1}, "STALE_WHILE_REVALIDATE": {"dashboard": 0},
                                         "STALE_IF_ERROR": {"dashboard": 1}}):
            get()
            clock.shift(2.1)
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

    def test_age_is_measured_on_the_product_clock(self, clock):
        assert get()["X-Cache"] == "MISS"
        clock.shift(42.7)
        hit = get()
        assert (hit["X-Cache"], hit["Age"]) == ("HIT", "42")
        clock.shift(300 - 42.7)  # the dashboard's TTL, to the second: no longer fresh
        assert get()["X-Cache"] == "STALE"

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


class TestFillLockHandOver:
    """Issue 22: the lock a background refresh takes in the request thread is released by the refresh thread."""

    @pytest.fixture(autouse=True)
    def _short_ttl(self, settings):
        settings.CACHEOPS = {"TIMEOUTS": {"dashboard": 1}, "STALE_WHILE_REVALIDATE": {"dashboard": 30}}

    def test_the_refresh_releases_its_lock_and_the_next_misses_cost_one_computation(self, clock, caplog):
        key = get()["X-Cache-Key"]
        clock.shift(1.1)
        assert get()["X-Cache"] == "STALE"  # takes the lock here, refreshes in a pool thread
        wait_until(lambda: Backend.computations == 2)
        wait_until(lambda: not store.fill_lock(key, 30).locked())
        assert get_cache_stats()["fill_lock_release_failures"] == 0

        invalidate_cache_type(CacheType.DASHBOARD)
        Backend.delay = 0.5
        start = threading.Barrier(16)
        results = []

        def request():
            start.wait()
            began = time.monotonic()
            response = get()
            results.append((response, time.monotonic() - began))

        threads = [threading.Thread(target=request) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert Backend.computations == 3  # one computation for 16 requests
        assert sorted(response["X-Cache"] for response, _ in results) == ["HIT"] * 15 + ["MISS"]
        # A lock left behind would make every request sit out FILL_LOCK_WAIT (10 s) and compute.
        assert max(seconds for _, seconds in results) < Backend.delay + 2
        assert "no attribute 'token'" not in caplog.text
        assert "[CACHE ERROR]" not in caplog.text

    def test_waiters_stop_as_soon_as_the_holder_finishes_without_storing(self):
        Backend.delay = 0.5
        Backend.uncacheable = True
        results = []

        def request():
            began = time.monotonic()
            response = get()
            results.append((response["X-Cache"], time.monotonic() - began))

        holder = threading.Thread(target=request)
        holder.start()
        wait_until(lambda: Backend.started >= 1)  # the holder is computing, its lock taken
        waiter = threading.Thread(target=request)
        waiter.start()
        holder.join(30)
        waiter.join(30)
        assert [state for state, _ in results] == ["MISS", "MISS"]
        assert Backend.computations == 2
        # The waiter waited for the holder (under 0.5 s), then computed (0.5 s): never FILL_LOCK_WAIT (10 s).
        assert results[1][1] < 2 * Backend.delay + 2

    def test_a_failed_release_is_logged_with_its_key_and_counted(self, caplog, client, staff):
        Backend.delay = 0.6
        with override_settings(CACHEOPS={"FILL_LOCK_TIMEOUT": 0.2}):
            key = get()["X-Cache-Key"]  # the fill outlives its lock, which expires
        assert f"the fill lock of {key} expired before its fill ended" in caplog.text
        assert get_cache_stats()["fill_lock_release_failures"] == 1
        client.force_login(staff)
        with override_settings(ROOT_URLCONF="logdash.urls"):
            page = client.get("/admin/cacheops/cache/").content.decode()
            metrics = client.get("/metrics").content.decode()
        assert "failed fill-lock releases: 1" in page
        assert "cacheops_fill_lock_release_failures_total 1.0" in metrics


def test_wait_for_refreshes_waits_for_every_background_refresh():
    from cacheops.refresh import submit_refresh, wait_for_refreshes

    release = threading.Event()
    submit_refresh(lambda: release.wait(5))
    assert not wait_for_refreshes(0.1)
    release.set()
    assert wait_for_refreshes(5)
