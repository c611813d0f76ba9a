"""Run Django's `cache.tests.RedisCacheTests` against cacheops' backend; print a JSON report.

    python tests/peers/run_django_cache_tests.py REDIS_URL DJANGO_TESTS_DIR

DJANGO_TESTS_DIR is the `tests` folder of Django's sdist. Its `cache/tests.py` picks the
Redis configuration it tests by the BACKEND path of Django's own Redis cache; the one line that
does so is pointed at `cacheops.backends.RedisCache` in a copy, nothing else is changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

redis_url, django_tests = sys.argv[1], Path(sys.argv[2])
ROOT = Path(__file__).resolve().parents[2]
work = Path(tempfile.mkdtemp(prefix="django-cache-tests-"))
shutil.copytree(django_tests / "cache", work / "cache")
source = (work / "cache" / "tests.py").read_text()
ORIGINAL = 'RedisCache_params = configured_caches.get("django.core.cache.backends.redis.RedisCache")'
assert ORIGINAL in source, "Django's cache tests no longer pick the Redis backend by its path"
(work / "cache" / "tests.py").write_text(source.replace(
    ORIGINAL, 'RedisCache_params = configured_caches.get("cacheops.backends.RedisCache")'))
sys.path[:0] = [str(work), str(ROOT)]
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.peers.django_cache_settings"

import django  # noqa: E402
from django.test.utils import get_runner  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402

runner = get_runner(settings)(verbosity=0, interactive=False)
runner.setup_test_environment()
suite = unittest.defaultTestLoader.loadTestsFromName("cache.tests.RedisCacheTests")
old_config = runner.setup_databases()
try:
    result = unittest.TextTestRunner(verbosity=0, stream=open(os.devnull, "w")).run(suite)  # noqa: SIM115
finally:
    runner.teardown_databases(old_config)
    runner.teardown_test_environment()
    shutil.rmtree(work, ignore_errors=True)


def _name(test: unittest.TestCase) -> str:
    return test.id().rsplit(".", 1)[-1]


print(json.dumps({
    "run": result.testsRun,
    "failures": {_name(test): text.strip().splitlines()[-1] for test, text in result.failures},
    "errors": {_name(test): text.strip().splitlines()[-1] for test, text in result.errors},
    "skipped": {_name(test): reason for test, reason in result.skipped},
}))
