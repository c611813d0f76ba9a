"""warm_cache and cache_health."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cacheops import stats, warmup
from cacheops.warmup import clear_warmup_registry, get_warmup_paths, register_warmup, register_warmup_provider


@pytest.fixture(autouse=True)
def _empty_registry():
    """An empty registry for each test; the apps' registrations (made once, at start-up) come back after."""
    saved_paths, saved_providers = list(warmup._paths), list(warmup._providers)
    clear_warmup_registry()
    yield
    clear_warmup_registry()
    warmup._paths.extend(saved_paths)
    warmup._providers.extend(saved_providers)


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


class TestWarmCache:
    def test_nothing_registered_is_not_an_error(self):
        assert "no paths registered" in run("warm_cache")

    @pytest.mark.django_db
    @pytest.mark.urls("tests.cacheops.urls")
    def test_fills_every_registered_path_as_a_superuser(self, superuser, cache):
        register_warmup("/private")
        register_warmup("/search?q=error&page=1")
        out = run("warm_cache")
        assert "2 paths as root" in out
        assert "200 MISS /private" in out and "200 MISS /search?q=error&page=1" in out
        assert "2 entries filled" in out
        again = run("warm_cache")
        assert "200 HIT  /private" in again and "0 entries filled, 2 already cached" in again

    @pytest.mark.django_db
    @pytest.mark.urls("tests.cacheops.urls")
    def test_entries_are_the_ones_json_clients_hit(self, superuser, client):
        register_warmup("/echo?b=2&a=1")
        run("warm_cache")
        client.force_login(superuser)
        assert client.get("/echo?a=1&b=2", HTTP_ACCEPT="application/json")["X-Cache"] == "HIT"

    @pytest.mark.django_db
    @pytest.mark.urls("tests.cacheops.urls")
    def test_as_another_user(self, user):
        register_warmup("/mine")
        assert "1 paths as reader" in run("warm_cache", "--user", "reader")
        with pytest.raises(CommandError, match="--user 'ghost': no such user"):
            run("warm_cache", "--user", "ghost")

    @pytest.mark.django_db
    @pytest.mark.urls("tests.cacheops.urls")
    def test_without_any_superuser_it_warms_anonymously(self):
        register_warmup("/private")
        out = run("warm_cache")
        assert "anonymous" in out and "401" in out

    def test_providers_and_duplicates(self):
        register_warmup("/a")
        register_warmup("/a")
        register_warmup_provider(lambda: ["/b", "/a", "not-a-path"])

        def broken():
            raise RuntimeError("search popularity unavailable")

        register_warmup_provider(broken)
        assert get_warmup_paths() == ["/a", "/b"]

    @pytest.mark.parametrize("path", ["api/dashboard", "", None])
    def test_paths_must_be_absolute(self, path):
        with pytest.raises(ValueError, match="absolute path"):
            register_warmup(path)


class TestCacheHealth:
    def test_zero_traffic_is_healthy_with_a_note(self):
        out = run("cache_health")
        assert "0 requests" in out and "Note: Only 0 requests" in out and "Cache healthy." in out

    def test_good_hit_rate(self):
        for _ in range(30):
            stats.record_field(stats.make_field("dashboard", stats.HIT))
        assert "hit rate 100.0%" in run("cache_health")

    def test_low_hit_rate_exits_1(self):
        for outcome in [stats.HIT] * 5 + [stats.MISS] * 20:
            stats.record_field(stats.make_field("search", outcome))
        with pytest.raises(CommandError, match=r"Hit rate 20\.0% is below 50\.0%") as caught:
            run("cache_health")
        assert caught.value.returncode == 1

    def test_more_than_ten_errors_exits_1(self):
        for outcome in [stats.HIT] * 100 + [stats.ERROR] * 11:
            stats.record_field(stats.make_field("user", outcome))
        with pytest.raises(CommandError, match="11 cache errors"):
            run("cache_health")

    def test_redis_down_exits_1(self, redis_down):
        with pytest.raises(CommandError, match="Redis is unavailable"):
            run("cache_health")
