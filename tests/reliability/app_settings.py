"""Settings of the app processes the reliability tests start: the project's, with test-sized knobs.

Read by gunicorn and `manage.py` subprocesses through DJANGO_SETTINGS_MODULE. The breaker's
cooldown is short so a test sees the cache resume within seconds, and uploads are indexed in
small batches so one can be killed half-way through.
"""

from logdash.settings import *  # noqa: F403

CACHEOPS = {"BREAKER_COOLDOWN": 2.0}
LOGDASH = {"BULK_BATCH_SIZE": 50}
