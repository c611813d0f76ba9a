"""
Run by test_metrics in a separate process, like a second gunicorn worker with the same
PROMETHEUS_MULTIPROC_DIR: serve one miss and one hit of a cached view, optionally open the
circuit breaker, print the pid, exit (the exit flushes stats and latencies).

argv: the CACHES setting as JSON, a query string unique to this process, "open" or "closed".
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")

import django

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from cacheops.resilience import breaker  # noqa: E402

override_settings(CACHES=json.loads(sys.argv[1]), ROOT_URLCONF="tests.cacheops.urls").enable()
client = Client()
states = [client.get(f"/echo?{sys.argv[2]}")["X-Cache"] for _ in range(2)]
assert states == ["MISS", "HIT"], states
if sys.argv[3] == "open":
    for _ in range(5):
        breaker.record_failure()
print(os.getpid())
