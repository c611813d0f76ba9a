"""
Run in a separate process by test_stats: count outcomes like a second gunicorn worker, then exit.

argv: the CACHES setting as JSON, then `type:outcome:count` triples. The counts reach Redis
through the exit-time flush, as they would when a worker stops.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")

import django

django.setup()

from django.test.utils import override_settings  # noqa: E402

from cacheops import stats  # noqa: E402

override_settings(CACHES=json.loads(sys.argv[1])).enable()
for triple in sys.argv[2:]:
    cache_type, outcome, count = triple.split(":")
    for _ in range(int(count)):
        stats.record_field(stats.make_field(cache_type, outcome))
