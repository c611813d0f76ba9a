"""
The dashboard app's settings, read from the `LOGDASH` dict over these defaults.

    LOGDASH = {"UPLOAD_MAX_BYTES": 50 * 1024 * 1024}
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    # Name of the alias every query reads and every upload writes; the concrete index behind it
    # is `{INDEX_ALIAS}-v{INDEX_VERSION}` so an index can be rebuilt and swapped without downtime.
    "INDEX_ALIAS": "logdash-logs",
    "INDEX_VERSION": 1,
    # Uploads larger than this are refused with 413 before they are parsed.
    "UPLOAD_MAX_BYTES": 100 * 1024 * 1024,
    # A gzip upload may not decompress to more than this (a gzip bomb is refused with 400); None means
    # UPLOAD_DECOMPRESSION_RATIO times UPLOAD_MAX_BYTES, so raising the upload limit raises both.
    "UPLOAD_MAX_DECOMPRESSED_BYTES": None,
    "UPLOAD_DECOMPRESSION_RATIO": 10,
    # Uploads one user may have in flight at once; one more is answered 429. An upload still
    # `processing` after UPLOAD_STALE_SECONDS is taken for dead (its worker was killed) and cleaned up.
    "UPLOAD_MAX_CONCURRENT_PER_USER": 2,
    "UPLOAD_STALE_SECONDS": 3600,
    # Ingestion jobs (dashboard/jobs.py, run by `celery -A logdash worker`). A job whose search engine does
    # not answer is tried JOB_SEARCH_RETRIES more times, waiting JOB_RETRY_BACKOFF_SECONDS, then twice that...,
    # then failed. Progress is written every JOB_PROGRESS_SECONDS; a second delivery of a job whose progress is
    # fresher than JOB_HEARTBEAT_STALE_SECONDS waits for the first instead of running beside it.
    "JOB_SEARCH_RETRIES": 3,
    "JOB_RETRY_BACKOFF_SECONDS": 5.0,
    "JOB_PROGRESS_SECONDS": 1.0,
    "JOB_HEARTBEAT_STALE_SECONDS": 30.0,
    # `POST /api/upload?wait=N` waits at most this long for the job's summary.
    "UPLOAD_MAX_WAIT_SECONDS": 300,
    # The no-JavaScript upload page waits this long for the job, then shows the job's own page (reloading).
    "UPLOAD_PAGE_WAIT_SECONDS": 10,
    # Seconds a job sleeps per 1000 lines: 0 except in tests that kill a worker mid-file.
    "JOB_DELAY_PER_1000_LINES": 0.0,
    # Lines dated later than this after ingestion are indexed at the upload's time (and counted): a line
    # from year 9999 would otherwise pin every "newest" list and stretch every date range.
    "MAX_FUTURE_SECONDS": 24 * 3600,
    # The message indexed for a line is cut to this many characters (one 900 KB line made every list
    # answer megabytes long); list answers (recent logs, search, top errors) cut it further to
    # LIST_MESSAGE_CHARS with a "…" and `truncated: true`.
    "MAX_MESSAGE_CHARS": 8192,
    "LIST_MESSAGE_CHARS": 2048,
    # How many times a failed upload's lines are deleted again (with a refresh between) until none is left.
    "CLEANUP_ATTEMPTS": 5,
    # One log line may not be longer than this.
    "MAX_LINE_BYTES": 1024 * 1024,
    # Documents sent per bulk request.
    "BULK_BATCH_SIZE": 2000,
    # Search: the largest page, and how deep page/size may go before a cursor is needed.
    "SEARCH_MAX_SIZE": 100,
    "SEARCH_MAX_WINDOW": 10_000,
    # Patterns list: how deep page/size may go (the most frequent patterns are cut from one aggregation).
    "PATTERNS_MAX_WINDOW": 1000,
    # Trends: the largest `days`.
    "TRENDS_MAX_DAYS": 90,
    # How many of the most frequent searches `warm_cache` fills.
    "WARM_POPULAR_SEARCHES": 10,
}


class DashboardSettings:
    """Attribute access to the dashboard settings: the project's `LOGDASH` dict over DEFAULTS."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid dashboard setting: {name!r}; known settings are {sorted(DEFAULTS)}.")
        user_settings = getattr(settings, "LOGDASH", {}) or {}
        # A few settings are also top-level Django settings (`LOGDASH_<NAME>`), each read from the environment.
        value = user_settings.get(name, getattr(settings, f"LOGDASH_{name}", DEFAULTS[name]))
        if name == "UPLOAD_MAX_DECOMPRESSED_BYTES" and value is None:
            return self.UPLOAD_DECOMPRESSION_RATIO * self.UPLOAD_MAX_BYTES
        return value

    @property
    def index_name(self) -> str:
        return f"{self.INDEX_ALIAS}-v{self.INDEX_VERSION}"


dashboard_settings = DashboardSettings()


@receiver(setting_changed)
def _ignore(**kwargs: Any) -> None:
    """Settings are read on every access, so `override_settings` needs nothing reloaded."""
