"""
From an uploaded file to indexed log lines: stream, parse, bulk-index, account.

An upload is all or nothing: if anything fails half-way (bad content found late, the
search engine gone), the lines already indexed for it are deleted and the upload is marked
failed, so a retry never double-counts. Document ids are `{upload_id}-{line_number}`, so a
batch sent twice overwrites rather than duplicates.

A bulk request the client gave up on (a paused engine, a timeout) may still land after the
first delete, so the cleanup refreshes and deletes again until a count finds nothing left
(`remove_upload_lines`); what still fails is retried by `recover_uploads` at the next start and
by the stale-upload sweep before each new upload.

Each line goes to the daily partition of its own timestamp (`client.PartitionRouter`); its
count goes to the upload's rollups (`dashboard.rollups`), saved in the same transaction that
marks the upload complete. A line already past the retention (`dashboard.retention`) is counted
in `lines_expired` and not sent. On the embedded engine an upload that would take it past
EMBEDDED_MAX_DOCS lines fails with `EngineFull` (507), rolled back like any other failure.

Data never sets a date range: a line dated more than MAX_FUTURE_SECONDS ahead of the ingestion
is indexed at the upload's time and counted in `lines_future`, and a message is cut to
MAX_MESSAGE_CHARS (`message_truncated` says so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import monotonic, perf_counter, sleep
from typing import BinaryIO

from django.db import transaction
from elasticsearch import NotFoundError
from rest_framework.exceptions import APIException

from dashboard import client, metrics
from dashboard.conf import dashboard_settings
from dashboard.ingest import InvalidLogFile, ParsedLine, open_log_text, parse_lines
from dashboard.ingest.options import ParseOptions
from dashboard.ingest.report import ParseReport
from dashboard.invalidation import invalidate_after_upload
from dashboard.models import Upload
from dashboard.patterns.store import PatternAssigner
from dashboard.queries import upload_lines_query
from dashboard.retention import retention_cutoff
from dashboard.rollups import RollupCounter
from dashboard.upload_summary import LineSummary
from logdash.clock import clock

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What became of an upload's lines."""

    upload_id: int
    detected_format: str
    lines_read: int
    lines_indexed: int
    lines_unparsed: int
    lines_future: int = 0
    lines_expired: int = 0


class EngineFull(APIException):
    """The embedded engine holds LOGDASH_EMBEDDED_MAX_DOCS lines: answered 507."""

    status_code = 507
    default_detail = "The embedded search engine is full."
    default_code = "engine_full"


@dataclass
class _Tally:
    read: int = 0
    unparsed: int = 0
    future: int = 0
    generalised_patterns: set[str] = field(default_factory=set)
    newest: datetime | None = None
    lines: LineSummary = field(default_factory=LineSummary)  # what the cached searches are tested against
    expired: int = 0
    sent: int = 0


@dataclass
class _Budget:
    """How many more lines the embedded engine may hold (None: no limit)."""

    room: int | None

    @classmethod
    def measure(cls) -> _Budget:
        limit = dashboard_settings.EMBEDDED_MAX_DOCS
        if dashboard_settings.ELASTICSEARCH_FLAVOR != "osmem" or not limit:
            return cls(None)
        held = client.document_count()
        budget = cls(limit - held)
        if budget.room <= 0:
            budget.refuse(held, limit)
        return budget

    def refuse(self, held: int, limit: int) -> None:
        raise EngineFull(
            f"The embedded search engine would hold more than LOGDASH_EMBEDDED_MAX_DOCS={limit} lines "
            f"(it holds {held}); the upload was refused and nothing of it kept. Drop old lines with "
            "LOGDASH_RETENTION_DAYS and `manage.py apply_retention`, raise the limit if this machine has the "
            "memory (about 12 KB a line), or point ELASTICSEARCH_URL at a real cluster.")

    def take(self, sent: int) -> None:
        if self.room is not None and sent > self.room:
            limit = dashboard_settings.EMBEDDED_MAX_DOCS
            self.refuse(limit - self.room, limit)


def _timestamp(line: ParsedLine, *, latest: datetime, fallback: datetime, tally: _Tally) -> datetime:
    """The line's time, unless it has none or lies beyond `latest`: then the upload's time (counted)."""
    if line.timestamp is None:
        return fallback
    if line.timestamp > latest:
        tally.future += 1
        return fallback
    return line.timestamp


def check_engine_budget() -> None:
    """Refuse an upload (EngineFull, 507) while the embedded engine already holds its LOGDASH_EMBEDDED_MAX_DOCS.

    Checked before a job is queued; the job checks again line by line as it indexes. An engine that
    does not answer now is not a reason to refuse: the job waits for it with its retries.
    """
    try:
        _Budget.measure()
    except client.SearchUnavailable:
        logger.info("The embedded engine's line budget was not checked before queueing: the engine did not answer.")


def _documents(lines: Iterable[ParsedLine], upload: Upload, tally: _Tally,
               progress: Callable[[int], None] | None, *, now: datetime, router: client.PartitionRouter,
               rollup: RollupCounter, budget: _Budget) -> Iterator[dict]:
    """Turn parsed lines into bulk actions for their partitions, counting as they stream past.

    A line older than the retention is counted (`expired`) and not sent.
    """
    product = upload.product.slug if upload.product_id else ""
    fallback_time = (upload.created_at or now).astimezone(UTC)
    latest = now + timedelta(seconds=dashboard_settings.MAX_FUTURE_SECONDS)
    oldest = retention_cutoff(product, now=now)
    max_chars = dashboard_settings.MAX_MESSAGE_CHARS
    patterns = PatternAssigner(product)
    tally.generalised_patterns = patterns.generalised  # filled as the blocks are mined
    for line, pattern in patterns.assign(lines):
        tally.read += 1
        if not line.parsed:
            tally.unparsed += 1
        if progress and tally.read % 1000 == 0:
            progress(tally.read)
        moment = _timestamp(line, latest=latest, fallback=fallback_time, tally=tally)
        if oldest is not None and moment < oldest:
            tally.expired += 1
            continue
        tally.sent += 1
        budget.take(tally.sent)
        rollup.add(moment, line.level, line.source)
        message = line.message[:max_chars]
        if tally.newest is None or moment > tally.newest:
            tally.newest = moment
        partition = router.index_for(moment)
        tally.lines.add(message=message, level=line.level, source=line.source, product=product,
                        pattern_id=pattern.get("pattern_id", ""), moment=moment)
        yield {
            "_id": f"{upload.pk}-{line.line_number}",
            "_index": partition,
            "_source": {
                "@timestamp": moment.isoformat(),
                "level": line.level,
                "message": message,
                "message_truncated": len(line.message) > max_chars,
                **pattern,
                "source": line.source,
                "host": line.host,
                "process": line.process,
                "product": product,
                "upload_id": upload.pk,
                "owner_id": upload.owner_id,
                "line_number": line.line_number,
                "parsed": line.parsed,
            },
        }


def ingest_file(upload: Upload, fileobj: BinaryIO, *, progress: Callable[[int], None] | None = None,
                options: ParseOptions | None = None,
                before_complete: Callable[[Upload], None] | None = None) -> IngestResult:
    """Index every line of `fileobj` as part of `upload`; raise `InvalidLogFile` or `SearchUnavailable` on failure.

    `before_complete(upload)` may set more fields on the upload just before it is saved complete (a
    job's bytes read), so no reader ever sees it complete without them.
    """
    tally = _Tally()
    options = options or ParseOptions()
    report = ParseReport()
    started = perf_counter()
    rollup = RollupCounter()
    try:
        client.ensure_index()
        budget = _Budget.measure()
        router = client.PartitionRouter()
        lines = open_log_text(
            fileobj,
            max_decompressed_bytes=dashboard_settings.UPLOAD_MAX_DECOMPRESSED_BYTES,
            max_line_bytes=dashboard_settings.MAX_LINE_BYTES,
        )
        now = clock.now()
        log_format, parsed = parse_lines(lines, now=now, default_timezone=options.timezone or UTC,
                                         log_format=options.log_format, declared=options.declared, report=report)
        upload.detected_format = log_format.name
        documents = _documents(parsed, upload, tally, progress, now=now, router=router, rollup=rollup, budget=budget)
        indexed = client.bulk_index(documents, chunk_size=dashboard_settings.BULK_BATCH_SIZE)
        if tally.read == 0:
            raise InvalidLogFile("The file has no log lines: every line is blank.")
        client.refresh()
        upload.status = Upload.Status.COMPLETE
        upload.lines_read, upload.lines_indexed, upload.lines_unparsed = tally.read, indexed, tally.unparsed
        upload.lines_future, upload.lines_expired = tally.future, tally.expired
        upload.completed_at = clock.now()
        report.store_on(upload)
        if before_complete is not None:
            before_complete(upload)
        with transaction.atomic():  # the upload completes with its rollups, or not at all
            upload.save()
            rollup.save(upload, product=upload.product.slug if upload.product_id else "")
    except Exception as exc:
        _roll_back(upload, tally, exc)
        metrics.record_failed_upload()
        raise
    product = upload.product.slug if upload.product_id else ""
    transaction.on_commit(lambda: invalidate_after_upload(upload.owner_id, upload_id=upload.pk, product=product,
                                                          generalised_patterns=tally.generalised_patterns,
                                                          lines=tally.lines, newest_line=tally.newest))
    metrics.record_upload(lines_indexed=indexed, seconds=perf_counter() - started)
    return IngestResult(upload.pk, upload.detected_format, tally.read, indexed, tally.unparsed, tally.future,
                        tally.expired)


def remove_upload_lines(upload_id: int, *, settle: float = 0.0, attempts: int | None = None,
                        pause: float = 0.2) -> bool:
    """Delete every line of an upload until a refreshed count finds none; return whether none is left.

    One delete-by-query is not enough: a bulk request the client gave up on (a paused engine, a
    timeout) can still be applied by the engine afterwards. So delete, refresh and count again while
    lines remain, and keep checking for `settle` seconds (the client's timeout, when the upload failed
    on the engine) before calling it clean. Engine errors are logged and retried `attempts` times with
    a growing pause, never raised: the caller records what is left (`cleanup_pending`).
    """
    attempts = attempts or dashboard_settings.CLEANUP_ATTEMPTS
    deadline = monotonic() + settle
    failures = 0
    while True:
        clean = _cleanup_pass(upload_id)
        remaining = deadline - monotonic()
        if clean and remaining <= 0:
            return True
        if clean:
            delay = min(1.0, remaining)
        else:
            failures += 1
            if failures >= attempts:
                return False
            delay = pause * 2 ** (failures - 1)
        sleep(delay)


def _cleanup_pass(upload_id: int) -> bool:
    """Delete the upload's lines, refresh, and tell whether a count then finds none."""
    try:
        client.delete_matching(upload_lines_query(upload_id))
        client.refresh()
        return client.count(upload_lines_query(upload_id)) == 0
    except NotFoundError:
        return True  # no index: no line of it can exist
    except Exception as exc:  # any failure means "not yet": retried, then reported
        logger.warning("Lines of upload %s not removed yet: %s", upload_id, exc)
        return False


def _roll_back(upload: Upload, tally: _Tally, exc: Exception, *, interrupted: bool = False) -> None:
    """Delete what was indexed of a failed upload and record why it failed.

    Nothing was sent if no line was read. After the engine failed to answer, a bulk request may still
    be on its way, so the cleanup keeps checking for the bulk timeout; a bad file or a refused
    document failed between answered requests.
    An `interrupted` upload (its process died) may have sent any number of lines, long ago.
    """
    if interrupted:
        removed = remove_upload_lines(upload.pk)
    else:
        unanswered = isinstance(exc, client.SearchUnavailable)  # a request may be applied after we gave up
        settle = client.bulk_timeout() if unanswered else 0.0
        removed = tally.read == 0 or remove_upload_lines(upload.pk, settle=settle)
    if not removed:
        logger.error("Upload %s failed and some of its lines are still indexed; `recover_uploads` retries", upload.pk)
    logger.warning("Upload %s (%s) failed after %d lines: %s; lines removed: %s",
                   upload.pk, upload.filename, tally.read, exc, removed)
    upload.status = Upload.Status.FAILED
    upload.lines_read, upload.lines_unparsed = tally.read, tally.unparsed
    upload.lines_indexed = 0
    upload.lines_future, upload.lines_expired = tally.future, tally.expired
    upload.cleanup_pending = not removed
    upload.error = str(exc)[:2000]
    upload.completed_at = clock.now()
    upload.save()


def mark_interrupted_uploads(*, older_than: timedelta | None = None, attempts: int | None = None) -> int:
    """Mark uploads left `processing` by a process that died as failed, removing their lines.

    At start-up (`recover_uploads`) every `processing` upload is dead; while serving, only those
    older than `older_than` are (a worker killed by a timeout never marks its own). Failed uploads
    whose cleanup did not hold are cleaned again. Return how many uploads were marked failed.
    """
    # A job's upload waits in storage and is redone by the next worker the broker hands it to (dashboard/jobs.py);
    # one still `queued` without a stored file lost its web worker while the file was being stored.
    in_flight = [Upload.Status.QUEUED, Upload.Status.PROCESSING]
    stale = Upload.objects.filter(status__in=in_flight, stored_file="")
    if older_than is not None:
        cut = clock.now() - older_than
        silent = Upload.objects.filter(status=Upload.Status.PROCESSING, created_at__lt=cut).exclude(
            progress_at__gte=cut)
        stale = silent | Upload.objects.filter(status=Upload.Status.QUEUED, stored_file="", created_at__lt=cut)
    stale = list(stale)
    for upload in stale:
        _roll_back(upload, _Tally(read=upload.lines_read), RuntimeError("interrupted: the server stopped mid-upload"),
                   interrupted=True)
        transaction.on_commit(lambda owner_id=upload.owner_id: invalidate_after_upload(owner_id))
    for upload in Upload.objects.filter(status=Upload.Status.FAILED, cleanup_pending=True):
        if remove_upload_lines(upload.pk, attempts=attempts):
            Upload.objects.filter(pk=upload.pk).update(cleanup_pending=False)
            transaction.on_commit(lambda owner_id=upload.owner_id: invalidate_after_upload(owner_id))
    return len(stale)


def sweep_stale_uploads() -> int:
    """Clean up uploads whose worker died mid-upload, without waiting for a restart (before each upload).

    One attempt per pending cleanup: an engine that is down must not make every upload wait.
    """
    return mark_interrupted_uploads(older_than=timedelta(seconds=dashboard_settings.UPLOAD_STALE_SECONDS),
                                    attempts=1)


class TooManyUploads(Exception):  # noqa: N818 (answered 429 by the view)
    """The user already has as many uploads in flight as UPLOAD_MAX_CONCURRENT_PER_USER allows."""


def start_upload(*, filename: str, size_bytes: int, owner_id: int | None, product_id: int | None,
                 limit_concurrency: bool = False, status: str = Upload.Status.PROCESSING, **fields) -> Upload:
    """Record an upload (`processing`, or `queued` for a job) before its lines are read.

    With `limit_concurrency`, raise `TooManyUploads` when the owner already has
    UPLOAD_MAX_CONCURRENT_PER_USER uploads queued or processing: two gzip bombs in parallel took the health
    check to 8 s. The owner's row is locked while counting, so parallel requests cannot all pass.
    """
    fields.update(filename=filename[:255], size_bytes=size_bytes, owner_id=owner_id, product_id=product_id,
                  status=status)
    if not (limit_concurrency and owner_id is not None):
        return Upload.objects.create(**fields)
    from django.contrib.auth import get_user_model

    limit = dashboard_settings.UPLOAD_MAX_CONCURRENT_PER_USER
    fresh_since = clock.now() - timedelta(seconds=dashboard_settings.UPLOAD_STALE_SECONDS)
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=owner_id).first()
        running = Upload.objects.filter(owner_id=owner_id, created_at__gte=fresh_since,
                                        status__in=[Upload.Status.QUEUED, Upload.Status.PROCESSING]).count()
        if running >= limit:
            raise TooManyUploads(f"You already have {running} uploads queued or in progress; the limit is {limit} "
                                 "at a time (LOGDASH_UPLOAD_MAX_CONCURRENT_PER_USER). Wait for one to finish "
                                 "(GET /api/uploads), then retry.")
        return Upload.objects.create(**fields)
