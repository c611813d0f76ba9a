"""
An upload's ingestion job: claim it, read its file with progress, and record how it ended.

`ingest_file` (dashboard/indexing.py) does the indexing; this module is what runs around it on a
Celery worker (dashboard/tasks.py) or in `manage.py ingest_logs`:

- claiming: a job is delivered again when its worker dies (acks_late). The delivery that finds the
  upload `processing` with fresh progress (another worker is on it) waits for it to end or go
  stale; otherwise it claims the upload and redoes it. Document ids are `{upload}-{line}`, so a
  redo overwrites what the dead worker sent: no line twice, none missing.
- progress: bytes and lines read, lines indexed, written to the Upload row every
  JOB_PROGRESS_SECONDS (checked every 1000 lines); it is also the worker's heartbeat.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import BinaryIO

from django.core.files.storage import default_storage

from dashboard.client import SearchRefused, SearchUnavailable
from dashboard.conf import dashboard_settings
from dashboard.indexing import EngineFull, IngestResult, ingest_file
from dashboard.ingest import InvalidLogFile
from dashboard.ingest.formats.declared import FormatDeclarationError
from dashboard.log_formats import parse_options
from dashboard.models import Upload
from dashboard.stored_files import delete_stored_file
from logdash.clock import clock

logger = logging.getLogger(__name__)

TERMINAL = (Upload.Status.COMPLETE, Upload.Status.FAILED)


class Outcome(enum.Enum):
    """How one delivery of a job ended, for the task to ack or retry."""

    DONE = "done"  # complete, failed for good, or already ended by another delivery
    RETRY = "retry"  # the search engine did not answer: try again later


class CountingReader:
    """A binary file that counts the bytes read from it (the job's `bytes_read`)."""

    def __init__(self, fileobj: BinaryIO):
        self._fileobj = fileobj
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fileobj.read(size)
        self.bytes_read += len(data)
        return data


class ProgressReporter:
    """`ingest_file`'s progress callback: write the job's counters to its Upload row every JOB_PROGRESS_SECONDS.

    Written from the job's own thread and connection (a second connection would wait on the first's
    transaction in SQLite). Only a `processing` row is written, so a late write never undoes the end.
    """

    def __init__(self, upload: Upload, reader: CountingReader):
        self.upload_id = upload.pk
        self.reader = reader
        self.lines_read = 0
        self._batch = dashboard_settings.BULK_BATCH_SIZE
        self._delay = float(dashboard_settings.JOB_DELAY_PER_1000_LINES)
        self._interval = float(dashboard_settings.JOB_PROGRESS_SECONDS)
        self._written_at = time.monotonic()

    def __call__(self, lines_read: int) -> None:
        """Called every 1000 lines read."""
        self.lines_read = lines_read
        if time.monotonic() - self._written_at >= self._interval:
            self.write()
        if self._delay:
            time.sleep(self._delay)

    def write(self) -> None:
        # Lines go to the engine a batch at a time: those of the batches already sent are indexed.
        indexed = self.lines_read - self.lines_read % self._batch
        Upload.objects.filter(pk=self.upload_id, status=Upload.Status.PROCESSING).update(
            bytes_read=self.reader.bytes_read, lines_read=self.lines_read, lines_indexed=indexed,
            progress_at=clock.now())
        self._written_at = time.monotonic()


def claim(upload_id: int) -> Upload | None:
    """Take the upload for this delivery; None if it has ended or another live worker has it.

    A compare-and-set on (status, progress_at), so of two deliveries racing for it only one wins.
    """
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status in TERMINAL:
        return None
    now = clock.now()
    stale_before = now - timedelta(seconds=float(dashboard_settings.JOB_HEARTBEAT_STALE_SECONDS))
    if upload.status == Upload.Status.PROCESSING and upload.progress_at and upload.progress_at > stale_before:
        return None
    won = Upload.objects.filter(pk=upload_id, status=upload.status, progress_at=upload.progress_at).update(
        status=Upload.Status.PROCESSING, attempts=upload.attempts + 1, started_at=upload.started_at or now,
        progress_at=now, bytes_read=0, lines_read=0, lines_indexed=0)
    if not won:
        return None
    upload.refresh_from_db()
    return upload


def wait_for_other_delivery(upload_id: int, *, poll: float = 1.0) -> Upload | None:
    """Wait while another worker's progress on the upload stays fresh; then claim it (None once it has ended)."""
    while True:
        upload = claim(upload_id)
        if upload is not None:
            return upload
        status = Upload.objects.filter(pk=upload_id).values_list("status", flat=True).first()
        if status is None or status in TERMINAL:
            return None
        time.sleep(poll)


def run(upload: Upload, fileobj: BinaryIO, *, progress: Callable[[int], None] | None = None,
        final_attempt: bool = True) -> IngestResult | None:
    """Ingest a claimed upload's file, writing progress; record the end. Return the result, None if it failed.

    A search engine that does not answer raises `SearchUnavailable` unless this is the `final_attempt`
    (the upload is then put back to `queued` for the retry); any other failure marks it failed for good.
    """
    try:
        options = parse_options(upload.requested_format, upload.timezone)
    except FormatDeclarationError as exc:
        _fail(upload, "invalid_file", f"{exc} Upload the file again with another `format`.")
        return None
    reader = CountingReader(fileobj)
    reporter = ProgressReporter(upload, reader)

    def on_progress(lines_read: int) -> None:
        reporter(lines_read)
        if progress:
            progress(lines_read)

    try:
        result = ingest_file(upload, reader, progress=on_progress, options=options,
                             before_complete=lambda done: _record_read(done, reader))
    except InvalidLogFile as exc:
        _fail(upload, "invalid_file", str(exc), bytes_read=reader.bytes_read)
        return None
    # The engine's own text goes to the log, never into `error`, which clients read (dashboard/exceptions.py).
    except SearchUnavailable as exc:
        logger.warning("Upload %s: the search engine did not answer: %s", upload.pk, exc)
        if not final_attempt:
            Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.QUEUED, bytes_read=0, progress_at=None,
                                                       error="Retrying: the search engine did not answer.")
            raise
        attempts = Upload.objects.filter(pk=upload.pk).values_list("attempts", flat=True).first()
        _fail(upload, "search_unavailable",
              f"The search engine did not answer after {attempts} attempts. Its partial lines were removed. "
              "Check that the search engine (ELASTICSEARCH_URL) is up, then upload the file again.",
              bytes_read=reader.bytes_read)
        return None
    except EngineFull as exc:  # the embedded engine's line budget ran out mid-file: retention or a cluster helps
        _fail(upload, "engine_full", str(exc.detail), bytes_read=reader.bytes_read)
        return None
    except SearchRefused:  # a document we built was refused: our bug, logged by the client with the engine's reason
        _fail(upload, "search_refused", "The search engine refused a line logdash built: this is a bug and it has "
                                        "been logged. Its partial lines were removed.", bytes_read=reader.bytes_read)
        return None
    except Exception as exc:
        logger.exception("Upload %s failed", upload.pk)
        _fail(upload, "internal", f"Ingestion failed on an unexpected error ({type(exc).__name__}); it has "
                                  "been logged. Upload the file again, or report it if it fails again.",
              bytes_read=reader.bytes_read)
        return None
    Upload.objects.filter(pk=upload.pk).update(bytes_read=reader.bytes_read, progress_at=clock.now(), error="")
    return result


def _record_read(upload: Upload, reader: CountingReader) -> None:
    """The whole file's bytes, saved with the status `complete` (a poll never sees one without the other)."""
    upload.bytes_read, upload.progress_at, upload.error = reader.bytes_read, clock.now(), ""


def _fail(upload: Upload, code: str, reason: str, *, bytes_read: int | None = None) -> None:
    """Record a failure for good. `ingest_file` has already removed the partial lines when it raised."""
    changes = {"status": Upload.Status.FAILED, "error_code": code, "error": reason[:2000],
               "completed_at": clock.now(), "progress_at": clock.now()}
    if bytes_read is not None:
        changes["bytes_read"] = bytes_read
    Upload.objects.filter(pk=upload.pk).update(**changes)


def run_stored(upload_id: int, *, final_attempt: bool = True) -> Outcome:
    """One delivery of the job of a stored upload (the Celery task's body; Celery's Django fixup closes stale
    database connections around it)."""
    upload = wait_for_other_delivery(upload_id)
    if upload is None:
        return Outcome.DONE
    if not upload.stored_file:
        _fail(upload, "storage", "The uploaded file never reached storage (its web server stopped while storing it); "
                                 "upload it again.")
        return Outcome.DONE
    try:
        fileobj = default_storage.open(upload.stored_file, "rb")
    except (OSError, ValueError) as exc:
        _fail(upload, "storage", f"The uploaded file {upload.stored_file!r} could not be read from storage ({exc}); "
                                 "upload it again.")
        return Outcome.DONE
    try:
        with fileobj:
            run(upload, fileobj, final_attempt=final_attempt)
    except SearchUnavailable:
        return Outcome.RETRY
    discard_stored_file(upload)
    return Outcome.DONE


def discard_stored_file(upload: Upload) -> None:
    """Delete the upload's file from storage once its job has ended."""
    if not upload.stored_file:
        return
    try:
        delete_stored_file(upload.stored_file)
    except OSError as exc:
        logger.warning("Stored file %s of upload %s not deleted: %s", upload.stored_file, upload.pk, exc)
    Upload.objects.filter(pk=upload.pk).update(stored_file="")
