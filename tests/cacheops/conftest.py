"""Fixtures of the cacheops tests: a clean breaker and clean counters for every test, users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
    breaker.reset()
    recorder.forget()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("reader", password="pw")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("other", password="pw")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("operator", password="pw", is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@localhost", "pw")
