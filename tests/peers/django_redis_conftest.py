"""django-redis 7.0.0's tests/conftest.py for our backend: its fixtures, one settings module.

Copied over the suite's own conftest by tests/peers/run_django_redis_tests.py. Its fixtures
(`settings`, `cache`) are theirs; left out are the pytest-xdist scheduler (we run serially)
and the settings variants we do not ship (other serializers and compressors, herd, sentinel,
sharding, unix socket): `sqlite` is pointed at cacheops' backend and a private Redis.
"""

from __future__ import annotations

import sys
from os import environ
from pathlib import Path

import pytest

from tests.settings_wrapper import SettingsWrapper


def pytest_configure(config):
    sys.path.insert(0, str(Path(__file__).absolute().parent))


@pytest.fixture()
def settings():
    """A Django settings object which restores changes after the testrun"""
    wrapper = SettingsWrapper()
    yield wrapper
    wrapper.finalize()


@pytest.fixture()
def cache(cache_settings: str):
    from django import setup

    environ["DJANGO_SETTINGS_MODULE"] = f"settings.{cache_settings}"
    setup()

    from django.core.cache import cache as default_cache

    yield default_cache
    default_cache.clear()


def pytest_generate_tests(metafunc):
    if "cache" in metafunc.fixturenames or "session" in metafunc.fixturenames:
        metafunc.parametrize("cache_settings", ["sqlite"])
