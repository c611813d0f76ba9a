"""
Submitting an upload as a job: store the file, record the Upload `queued`, send the job to the broker.

Nothing is parsed here: a web worker only copies the file (in chunks) to the default storage. If the
broker does not take the job, the stored file and the Upload row are removed again and
`BrokerUnavailable` is raised (answered 503), so nothing half-made stays behind.
"""

from __future__ import annotations

import time
from typing import BinaryIO

from django.core.files.base import File
from django.core.files.storage import default_storage
from kombu.exceptions import OperationalError

from dashboard.indexing import start_upload
from dashboard.jobs import TERMINAL
from dashboard.models import Upload
from dashboard.stored_files import delete_stored_file, storage_name


class BrokerUnavailable(Exception):  # noqa: N818 (answered 503 by the view)
    """The job could not be sent to the broker (CELERY_BROKER_URL)."""


def send_job(upload: Upload) -> None:
    """Send the upload's job; raise BrokerUnavailable when the broker does not take it."""
    from dashboard.tasks import ingest_upload

    try:
        ingest_upload.apply_async((upload.pk,), retry=True)
    except (OperationalError, OSError) as exc:
        raise BrokerUnavailable(
            f"The job queue (CELERY_BROKER_URL) did not answer: {exc}. Nothing was kept; upload the file again "
            "in a moment.") from exc


def submit_upload(fileobj: BinaryIO, *, filename: str, size_bytes: int, owner_id: int | None,
                  product_id: int | None, requested_format: str = "", timezone: str = "",
                  limit_concurrency: bool = True) -> Upload:
    """Store `fileobj`, record its Upload `queued` and send its job; return the Upload.

    Raise `TooManyUploads` (the owner's limit) or `BrokerUnavailable`, leaving nothing behind.
    """
    # The file is in storage before its row exists, so a worker never finds a `queued` upload without its file.
    stored = default_storage.save(storage_name(filename), File(fileobj, name=filename))
    upload = None
    try:
        upload = start_upload(filename=filename, size_bytes=size_bytes, owner_id=owner_id, product_id=product_id,
                              limit_concurrency=limit_concurrency, status=Upload.Status.QUEUED, stored_file=stored,
                              requested_format=requested_format, timezone=timezone)
        send_job(upload)
    except BaseException:
        delete_stored_file(stored)
        if upload is not None:
            upload.delete()
        raise
    return upload


def wait_for_job(upload: Upload, seconds: float, *, poll: float = 0.1) -> Upload:
    """Wait up to `seconds` for the upload's job to end; return the upload as it then is."""
    deadline = time.monotonic() + seconds
    while True:
        upload.refresh_from_db()
        if upload.status in TERMINAL or time.monotonic() >= deadline:
            return upload
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        poll = min(poll * 1.5, 1.0)


def requeue_waiting_jobs() -> int:
    """Send again the job of every upload whose file still waits in storage; return how many."""
    waiting = Upload.objects.filter(status__in=[Upload.Status.QUEUED, Upload.Status.PROCESSING]).exclude(
        stored_file="")
    count = 0
    for upload in waiting:
        send_job(upload)
        count += 1
    return count
