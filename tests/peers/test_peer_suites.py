"""Our CACHES backend against its peers' own test suites: Django 5.2's RedisCacheTests and django-redis 7.0.0's.

`make test-slow`. The suites come from the sdists of the pinned versions, downloaded now with
pip (skipped, saying why, when the package index cannot be reached), and run in subprocesses
against a private redis-server: both FLUSH the database they are given.

Django's suite passes whole except the tests of its own client's internals, listed here with
the reason (and in docs/operations.md); django-redis's passes whole.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from logdash.services import start_redis

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent

# Tests of Django's own Redis client (django.core.cache.backends.redis.RedisCacheClient), not of the cache API.
DJANGO_CLIENT_INTERNALS = {
    "test_cache_client_class": "asserts cache._class is Django's RedisCacheClient",
    "test_get_client": "calls cache._cache.get_client(), Django's client object",
    "test_get_connection_pool": "calls cache._cache._get_connection_pool(), Django's pool selection",
    "test_get_connection_pool_index": "calls cache._cache._get_connection_pool_index(), Django's replica choice",
    "test_incr_write_connection": "mocks RedisCacheClient.get_client to see incr() ask for the write server",
    "test_redis_pool_options": "reads cache._cache._get_connection_pool(), Django's pool, for OPTIONS it passes on",
    "test_serializer_dumps": "calls cache._cache._serializer.dumps(), Django's serializer (ints unpickled)",
    "test_get_backend_timeout_method": "Django's Redis backend redefines BaseCache.get_backend_timeout to return "
                                       "seconds for its client; django-redis keeps BaseCache's (an expiry time) "
                                       "and never calls it",
}


@pytest.fixture(scope="module")
def sdists(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("peer-sdists")
    pins = [f"Django=={version('Django')}", f"django-redis=={version('django-redis')}"]
    try:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                               "--disable-pip-version-check", "-d", str(folder), *pins],
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip(f"pip could not download {pins} within 300 s (offline?)")
    if done.returncode != 0:
        pytest.skip(f"pip could not download {pins} (offline?): {done.stderr.strip().splitlines()[-1:]}")
    for archive in folder.glob("*.tar.gz"):
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    return folder


@pytest.fixture(scope="module")
def private_redis() -> Iterator[str]:
    service = start_redis()
    yield service.url
    service.stop()


def run(runner: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, str(HERE / runner), *args], capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_djangos_redis_cache_tests_pass_except_its_client_internals(sdists, private_redis):
    tests = next(sdists.glob("django-*/tests"))
    report = run("run_django_cache_tests.py", private_redis, str(tests))
    failed = {**report["failures"], **report["errors"]}
    assert set(failed) <= set(DJANGO_CLIENT_INTERNALS), {name: failed[name] for name in
                                                         set(failed) - set(DJANGO_CLIENT_INTERNALS)}
    assert report["run"] >= 60
    assert set(report["skipped"]) == {"test_cull", "test_cull_delete_when_store_empty", "test_zero_cull"}


def test_django_redis_own_suite_passes(sdists, private_redis):
    sdist = next(path for path in sdists.glob("django_redis-*") if path.is_dir())
    report = run("run_django_redis_tests.py", private_redis, str(sdist))
    assert report["failures"] == {} and report["errors"] == {}, report
    assert report["passed"] >= 190
