"""The admin's Cache page: staff only, stats, key browser, invalidation behind a confirmation."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cacheops import stats

pytestmark = pytest.mark.django_db

PAGE = "/admin/cacheops/cache/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_the_admin_index_lists_the_page(staff_client):
    assert PAGE in staff_client.get("/admin/").content.decode()


def test_anonymous_and_non_staff_are_sent_to_login(client, user):
    assert client.get(PAGE).status_code == 302
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_page_shows_stats_total_and_per_type(staff_client):
    stats.record_field(stats.make_field("search", stats.HIT))
    stats.record_field(stats.make_field("search", stats.MISS))
    page = staff_client.get(PAGE)
    assert page.status_code == 200
    assert page.context["stats"]["by_type"]["search"]["hit_rate"] == 50.0
    html = page.content.decode()
    assert "Statistics" in html and "analytics" in html and "50.0 %" in html


def test_the_key_browser_filters_by_type(staff_client, cache):
    cache.set("cache:search:abc", b"x", 100)
    cache.set("cache:user:profile:1", b"x", 100)
    everything = staff_client.get(PAGE)
    assert {key for key, _ in everything.context["keys"]} == {"cache:search:abc", "cache:user:profile:1"}
    searches = staff_client.get(PAGE, {"type": "search"})
    assert [key for key, _ in searches.context["keys"]] == ["cache:search:abc"]
    assert 0 < searches.context["keys"][0][1] <= 100
    assert "<code>cache:search:abc</code>" in searches.content.decode()


def test_the_key_browser_pages_with_the_scan_cursor(staff_client, cache, monkeypatch):
    monkeypatch.setattr("cacheops.admin.KEYS_PER_PAGE", 3)
    for n in range(40):
        cache.set(f"cache:product:{n}", b"x")
    seen: set[str] = set()
    cursor, pages = 0, 0
    with override_settings(CACHEOPS={"SCAN_COUNT": 5}):
        while True:
            page = staff_client.get(PAGE, {"type": "product", "cursor": cursor})
            seen |= {key for key, _ in page.context["keys"]}
            cursor, pages = page.context["next_cursor"], pages + 1
            if not cursor:
                break
    assert seen == {f"cache:product:{n}" for n in range(40)}
    assert pages > 1


@pytest.mark.parametrize(
    ("form", "left", "said"),
    [
        ({"action": "invalidate_type", "cache_type": "search"}, {"cache:user:profile:1"}, "1 key deleted"),
        ({"action": "invalidate_pattern", "pattern": "cache:user:profile:*"}, {"cache:search:abc"}, "1 key deleted"),
        ({"action": "clear_all"}, set(), "2 keys deleted"),
    ],
)
def test_invalidation_asks_for_confirmation_first(staff_client, cache, form, left, said):
    cache.set("cache:search:abc", b"x")
    cache.set("cache:user:profile:1", b"x")
    confirm = staff_client.post(PAGE, form)
    assert confirm.status_code == 200 and "Yes, I" in confirm.content.decode()
    assert cache.has_key("cache:search:abc") and cache.has_key("cache:user:profile:1")
    done = staff_client.post(PAGE, {**form, "confirm": "yes"}, follow=True)
    assert said in done.content.decode()
    assert {k for k in ("cache:search:abc", "cache:user:profile:1") if cache.has_key(k)} == left


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"action": "invalidate_pattern", "pattern": "sessions:*"}, "must start with"),
        ({"action": "invalidate_type", "cache_type": "logs"}, "is not a cache type"),
        ({"action": "drop"}, "Unknown action"),
    ],
)
def test_bad_requests_are_refused_before_confirmation(staff_client, form, says):
    response = staff_client.post(PAGE, {**form, "confirm": "yes"}, follow=True)
    assert says in response.content.decode()


def test_the_page_renders_while_redis_is_down(staff_client, redis_down):
    page = staff_client.get(PAGE)
    assert page.status_code == 200
    assert "UNAVAILABLE" in page.content.decode() and "keys cannot be listed" in page.content.decode()
