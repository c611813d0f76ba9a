"""Fixtures of the reliability tests: an engine clone per module and a private Redis per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
