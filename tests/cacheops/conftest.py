"""Fixtures of the cacheops tests: a clean breaker and clean counters for every test, users."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings

from cacheops.refresh import wait_for_refreshes
from cacheops.resilience import breaker
from cacheops.stats import recorder, reset_cache_stats


@pytest.fixture(scope="session", autouse=True)
def _stop_stats_flusher() -> Iterator[None]:
    """Counts left at the end of the session belong to no one: do not flush them at exit."""
    yield
    recorder.stop()


@pytest.fixture(autouse=True)
def _fresh_cacheops(_services: None) -> Iterator[None]:
    breaker.reset()
    reset_cache_stats()
    yield
    # A background refresh still running would write its entry after the cleanup, into the next test.
    assert wait_for_refreshes(30), "a background refresh was still running 30 s after its test"
    breaker.reset()
    recorder.forget()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("reader")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("other")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("operator", is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@localhost")


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The retry delays, recorded instead of slept."""
    delays: list[float] = []
    monkeypatch.setattr("cacheops.resilience.sleep", delays.append)
    return delays


def caches_with_unreachable() -> dict:
    """CACHES plus an `unreachable` alias: the default's topology (one Redis, cluster, Sentinel) at a closed port."""
    configured = {alias: dict(config) for alias, config in settings.CACHES.items()}
    port = closed_port()
    options = dict(configured["default"].get("OPTIONS") or {})
    if "CLUSTER_NODES" in options:
        options["CLUSTER_NODES"] = [f"127.0.0.1:{port}"]
    if "SENTINELS" in options:
        options["SENTINELS"] = [("127.0.0.1", port)]
    # Sentinel: LOCATION names the monitored primary, and django-redis keeps one pool per LOCATION in the
    # process: a name of its own, so the real set-up's pool is not reused.
    location = f"redis://unreachable-{port}/0" if "SENTINELS" in options else f"redis://127.0.0.1:{port}/0"
    configured["unreachable"] = {**configured["default"], "LOCATION": location, "OPTIONS": options}
    return configured


# What points a cache at a cluster or at Sentinels rather than at its LOCATION. django-redis's
# SentinelConnectionFactory also writes CONNECTION_POOL_CLASS into the OPTIONS dict it is given.
_TOPOLOGY_OPTIONS = ("CONNECTION_FACTORY", "CONNECTION_POOL_CLASS", "CLUSTER_NODES", "SENTINELS", "SENTINEL_KWARGS")


def single_redis_cache(url: str, **options: object) -> dict:
    """The default cache's settings pointed at the one Redis at `url` (a test's private redis-server)."""
    base = settings.CACHES["default"]
    kept = {name: value for name, value in (base.get("OPTIONS") or {}).items() if name not in _TOPOLOGY_OPTIONS}
    return {**base, "LOCATION": url, "OPTIONS": {**kept, **options}}


@pytest.fixture
def redis_down(sleeps) -> Iterator[dict]:
    """Responses go to an alias at a closed port (the way django-redis tests outages)."""
    cacheops = {"CACHE_ALIAS": "unreachable"}
    with override_settings(CACHES=caches_with_unreachable(), CACHEOPS=cacheops):
        yield cacheops
