"""Fixtures of the reliability tests: an engine clone per module, a private Redis per test, token clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cacheops.resilience import breaker
from logdash.services import RunningService
from tests.reliability.app import RedisProcess, drop_osmem_clone, osmem_clone


@pytest.fixture(scope="module")
def engine(search_engine_service: RunningService) -> Iterator[str]:
    """A clone of the session's search engine for this module's app processes; yields its URL."""
    clone = osmem_clone(search_engine_service.url)
    yield clone["url"]
    drop_osmem_clone(search_engine_service.url, clone["id"])


@pytest.fixture
def private_redis() -> Iterator[RedisProcess]:
    """A redis-server of this test's own, which it may kill or hang; stopped (by PID) afterwards."""
    redis = RedisProcess()
    yield redis
    redis.stop()


@pytest.fixture(autouse=True)
def _closed_breaker() -> Iterator[None]:
    """Each test starts, and leaves, with the circuit breaker of this process closed."""
    breaker.reset()
    yield
    breaker.reset()


def token_client(user) -> APIClient:
    """An API client that authenticates the way the Angular client does: `Authorization: Token ...`."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def users(django_user_model, settings) -> dict:
    """Who the API is asked by: nobody, a user, another user, staff (password "pw" for each)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never in production
    return {
        "anonymous": None,
        "user": django_user_model.objects.create_user("alice", "alice@example.com", "pw"),
        "other user": django_user_model.objects.create_user("bob", "bob@example.com", "pw"),
        "staff": django_user_model.objects.create_user("operator", "ops@example.com", "pw", is_staff=True),
    }
