"""Settings of the app processes the reliability tests start: the project's, with test-sized knobs.

Read by gunicorn and `manage.py` subprocesses through DJANGO_SETTINGS_MODULE. The breaker's
cooldown is short so a test sees the cache resume within seconds, and uploads are indexed in
small batches so one can be killed half-way through; a job of a killed worker is delivered again in seconds.
"""

from logdash.settings import *  # noqa: F403

CACHEOPS = {"BREAKER_COOLDOWN": 2.0}
LOGDASH = {"BULK_BATCH_SIZE": 50, "JOB_HEARTBEAT_STALE_SECONDS": 5.0}
# A job whose worker died is delivered again after 5 s (checked every second), not half an hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 5, "unacked_restore_interval": 1,
                                   "unacked_restore_throttle": 1, "max_retries": 1}
