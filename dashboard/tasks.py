"""
The Celery tasks: an upload's `ingest_upload(upload_id)`, run by `celery -A logdash worker`, and the
periodic `apply_retention`, sent by `celery -A logdash beat` (CELERY_BEAT_SCHEDULE).

acks_late with reject_on_worker_lost: the broker keeps the job until it ends, so a worker killed
mid-file leaves it to another (dashboard/jobs.py claims and redoes it). A search engine that does
not answer is retried with a doubling wait (JOB_SEARCH_RETRIES, JOB_RETRY_BACKOFF_SECONDS), then the
upload is failed and its partial lines removed.
"""

from __future__ import annotations

import logging

from celery import shared_task

from dashboard import jobs, retention
from dashboard.conf import dashboard_settings

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="dashboard.ingest_upload", acks_late=True, reject_on_worker_lost=True,
             max_retries=None, ignore_result=True)
def ingest_upload(self, upload_id: int) -> str:
    """Index the stored file of upload `upload_id`; return how this delivery ended."""
    retries = int(dashboard_settings.JOB_SEARCH_RETRIES)
    outcome = jobs.run_stored(upload_id, final_attempt=self.request.retries >= retries)
    if outcome is jobs.Outcome.RETRY:
        countdown = float(dashboard_settings.JOB_RETRY_BACKOFF_SECONDS) * 2 ** self.request.retries
        raise self.retry(countdown=countdown, max_retries=retries)
    return outcome.value


@shared_task(name="dashboard.apply_retention", ignore_result=True)
def apply_retention() -> str:
    """Drop the lines past retention (LOGDASH_RETENTION_DAYS, products' own) and invalidate what changed."""
    report = retention.apply_retention()
    for line in report.lines():
        logger.info("Retention: %s", line)
    return f"{report.lines_removed} lines removed"
