"""
The Celery task of an upload: `ingest_upload(upload_id)`, run by `celery -A logdash worker`.

acks_late with reject_on_worker_lost: the broker keeps the job until it ends, so a worker killed
mid-file leaves it to another (dashboard/jobs.py claims and redoes it). A search engine that does
not answer is retried with a doubling wait (JOB_SEARCH_RETRIES, JOB_RETRY_BACKOFF_SECONDS), then the
upload is failed and its partial lines removed.
"""

from __future__ import annotations

from celery import shared_task

from dashboard import jobs
from dashboard.conf import dashboard_settings


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
