"""
From an uploaded file to indexed log lines: stream, parse, bulk-index, account.

An upload is all or nothing: if anything fails half-way (bad content found late, the
search engine gone), the lines already indexed for it are deleted and the upload is marked
failed, so a retry never double-counts. Document ids are `{upload_id}-{line_number}`, so a
batch sent twice overwrites rather than duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from time import perf_counter
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from dashboard import client, metrics
from dashboard.conf import dashboard_settings
from dashboard.ingest import InvalidLogFile, ParsedLine, open_log_text, parse_lines
from dashboard.models import Upload
from dashboard.patterns.store import PatternAssigner
from dashboard.queries import upload_lines_query

logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What became of an upload's lines."""

    upload_id: int
    detected_format: str
    lines_read: int
    lines_indexed: int
    lines_unparsed: int


@dataclass
class _Tally:
    read: int = 0
    unparsed: int = 0


def _documents(lines: Iterable[ParsedLine], upload: Upload, tally: _Tally,
               progress: Callable[[int], None] | None) -> Iterator[dict]:
    """Turn parsed lines into bulk actions, counting as they stream past."""
    product = upload.product.slug if upload.product_id else ""
    fallback_time = (upload.created_at or timezone.now()).astimezone(UTC).isoformat()
    patterns = PatternAssigner(product)
    for line, pattern in patterns.assign(lines):
        tally.read += 1
        if not line.parsed:
            tally.unparsed += 1
        if progress and tally.read % 1000 == 0:
            progress(tally.read)
        yield {
            "_id": f"{upload.pk}-{line.line_number}",
            "_source": {
                "@timestamp": line.timestamp.isoformat() if line.timestamp else fallback_time,
                "level": line.level,
                "message": line.message,
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


def ingest_file(upload: Upload, fileobj: BinaryIO, *, progress: Callable[[int], None] | None = None) -> IngestResult:
    """Index every line of `fileobj` as part of `upload`; raise `InvalidLogFile` or `SearchUnavailable` on failure."""
    tally = _Tally()
    started = perf_counter()
    try:
        client.ensure_index()
        lines = open_log_text(
            fileobj,
            max_decompressed_bytes=dashboard_settings.UPLOAD_MAX_DECOMPRESSED_BYTES,
            max_line_bytes=dashboard_settings.MAX_LINE_BYTES,
        )
        log_format, parsed = parse_lines(lines, now=timezone.now(), default_timezone=UTC)
        upload.detected_format = log_format.name
        indexed = client.bulk_index(_documents(parsed, upload, tally, progress),
                                    chunk_size=dashboard_settings.BULK_BATCH_SIZE)
        if tally.read == 0:
            raise InvalidLogFile("The file has no log lines: every line is blank.")
        client.refresh()
    except Exception as exc:
        _roll_back(upload, tally, exc)
        metrics.record_failed_upload()
        raise
    upload.status = Upload.Status.COMPLETE
    upload.lines_read, upload.lines_indexed, upload.lines_unparsed = tally.read, indexed, tally.unparsed
    upload.completed_at = timezone.now()
    upload.save()
    transaction.on_commit(lambda: invalidate_after_upload(upload.owner_id))
    metrics.record_upload(lines_indexed=indexed, seconds=perf_counter() - started)
    return IngestResult(upload.pk, upload.detected_format, tally.read, indexed, tally.unparsed)


def _roll_back(upload: Upload, tally: _Tally, exc: Exception) -> None:
    """Delete what was indexed of a failed upload and record why it failed."""
    try:
        removed = client.delete_matching(upload_lines_query(upload.pk))
    except Exception:
        logger.exception("Upload %s failed and its lines could not be removed yet", upload.pk)
        removed = None
    logger.warning("Upload %s (%s) failed after %d lines: %s; %s lines removed",
                   upload.pk, upload.filename, tally.read, exc, removed)
    upload.status = Upload.Status.FAILED
    upload.lines_read, upload.lines_unparsed = tally.read, tally.unparsed
    upload.lines_indexed = 0
    upload.error = str(exc)[:2000]
    upload.completed_at = timezone.now()
    upload.save()


def invalidate_after_upload(owner_id: int | None) -> None:
    """New lines change the dashboard, the trends and the uploader's own entries."""
    from cacheops.conf import CacheType
    from cacheops.invalidation import invalidate_cache_type, invalidate_pattern

    invalidate_cache_type(CacheType.DASHBOARD)
    invalidate_cache_type(CacheType.ANALYTICS)
    invalidate_cache_type(CacheType.SEARCH)
    if owner_id is not None:
        invalidate_pattern(f"cache:user:profile:{owner_id}")
        invalidate_pattern(f"cache:user:profile:{owner_id}:*")
        invalidate_pattern(f"cache:user:{owner_id}:*")


def mark_interrupted_uploads() -> int:
    """Mark uploads left `processing` by a process that died as failed, removing their lines."""
    stale = list(Upload.objects.filter(status=Upload.Status.PROCESSING))
    for upload in stale:
        _roll_back(upload, _Tally(read=upload.lines_read), RuntimeError("interrupted: the server stopped mid-upload"))
    return len(stale)


def start_upload(*, filename: str, size_bytes: int, owner_id: int | None, product_id: int | None) -> Upload:
    """Record an upload as `processing` before its lines are read."""
    return Upload.objects.create(filename=filename[:255], size_bytes=size_bytes, owner_id=owner_id,
                                 product_id=product_id)
