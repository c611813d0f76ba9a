"""Run django-redis 7.0.0's own test suite against cacheops' backend; print a JSON report.

    python tests/peers/run_django_redis_tests.py REDIS_URL DJANGO_REDIS_SDIST_DIR

The suite's `tests` folder is copied; its conftest is replaced by
tests/peers/django_redis_conftest.py and its `settings/sqlite.py` names our backend
(`cacheops.backends.RedisCache`) at REDIS_URL, a private redis-server (the suite flushes it).
Nothing else of the suite is changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

redis_url, sdist = sys.argv[1], Path(sys.argv[2])
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
unreachable = redis_url.rsplit(":", 1)[0] + ":1/0"  # nothing listens on port 1
SETTINGS = f'''
SECRET_KEY = "django_tests_secret_key"
OPTIONS = {{"CLIENT_CLASS": "cacheops.backends.CacheopsClient"}}
CACHES = {{
    "default": {{"BACKEND": "cacheops.backends.RedisCache", "LOCATION": [{redis_url!r}, {redis_url!r}],
                "OPTIONS": OPTIONS}},
    "doesnotexist": {{"BACKEND": "cacheops.backends.RedisCache", "LOCATION": {unreachable!r}, "OPTIONS": OPTIONS}},
    "sample": {{"BACKEND": "cacheops.backends.RedisCache", "LOCATION": "{redis_url},{redis_url}", "OPTIONS": OPTIONS}},
    "with_prefix": {{"BACKEND": "cacheops.backends.RedisCache", "LOCATION": {redis_url!r}, "KEY_PREFIX": "test-prefix",
                    "OPTIONS": OPTIONS}},
}}
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"]
USE_TZ = False
'''

work = Path(tempfile.mkdtemp(prefix="django-redis-tests-"))
try:
    shutil.copytree(sdist / "tests", work / "tests")
    shutil.copy(HERE / "django_redis_conftest.py", work / "tests" / "conftest.py")
    (work / "tests" / "settings" / "sqlite.py").write_text(SETTINGS)
    (work / "pytest.ini").write_text("[pytest]\npythonpath = . tests\ntestpaths = tests\n")
    report = work / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:django", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-c", str(work / "pytest.ini"), "--rootdir", str(work), f"--junitxml={report}", "tests"],
        cwd=work, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=1200, check=False,
    )
    outcomes: dict[str, dict[str, str]] = {"passed": {}, "failures": {}, "errors": {}, "skipped": {}}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}.{case.get('name')}"
        for tag, bucket in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            found = case.find(tag)
            if found is not None:
                outcomes[bucket][name] = (found.get("message") or "").splitlines()[0][:300] if found.get(
                    "message") else ""
                break
        else:
            outcomes["passed"][name] = ""
    print(json.dumps({"run": sum(len(bucket) for bucket in outcomes.values()),
                      **{key: value for key, value in outcomes.items() if key != "passed"},
                      "passed": len(outcomes["passed"])}))
finally:
    shutil.rmtree(work, ignore_errors=True)
