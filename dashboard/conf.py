"""
The dashboard app's settings, read from the `LOGDASH` dict over these defaults.

    LOGDASH = {"UPLOAD_MAX_BYTES": 50 * 1024 * 1024}

The search engine's connection is top-level Django settings, `ELASTICSEARCH_URL`,
`ELASTICSEARCH_FLAVOR`, `ELASTICSEARCH_TIMEOUT` and the other `ELASTICSEARCH_*` (logdash/settings.py
reads them from the environment), read here like the others: `dashboard_settings.ELASTICSEARCH_URL`. Every value is
read on each access, never frozen at import, so `override_settings` needs nothing reloaded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The search engine: its URL ("" means none is configured: every search answers 503), whether it
    # is Elasticsearch or the OpenSearch-compatible osmem ("elasticsearch" | "osmem"), the seconds one
    # request may take, and the seconds one bulk request of an upload may take (the engine merges what
    # it indexed now and then, and a bulk request that waits on a merge is slow, not lost).
    "ELASTICSEARCH_URL": "",
    "ELASTICSEARCH_FLAVOR": "elasticsearch",
    "ELASTICSEARCH_TIMEOUT": 10.0,
    "ELASTICSEARCH_BULK_TIMEOUT": 60.0,
    # Several nodes (a comma-separated ELASTICSEARCH_URL): retries on another node, on a timeout too,
    # and how long a dead node rests; API key, TLS and sniffing for production (docs/scaling.md).
    "ELASTICSEARCH_MAX_RETRIES": 1,
    "ELASTICSEARCH_RETRY_ON_TIMEOUT": False,
    "ELASTICSEARCH_DEAD_NODE_BACKOFF": 1.0,
    "ELASTICSEARCH_API_KEY": "",
    "ELASTICSEARCH_CA_CERTS": "",
    "ELASTICSEARCH_VERIFY_CERTS": True,
    "ELASTICSEARCH_SNIFF_ON_START": False,
    "ELASTICSEARCH_SNIFF_ON_NODE_FAILURE": False,
    # Name of the alias every query reads and every upload writes; the concrete index behind it
    # is `{INDEX_ALIAS}-v{INDEX_VERSION}` so an index can be rebuilt and swapped without downtime.
    "INDEX_ALIAS": "logdash-logs",
    # 2: `message.words`, the words inside identifiers (`manage.py rebuild_index` copies a v1 index).
    "INDEX_VERSION": 2,
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
    # Search: the largest page (deeper pages follow `next_cursor`, the engine's search_after: no depth limit).
    "SEARCH_MAX_SIZE": 100,
    # Search: pages read ahead. A search that reaches the engine asks it for this many more pages in the
    # same query, and the cache stores each under the key of the request for it (the client's `next_cursor`),
    # so paging on is a hit. 0 turns it off.
    "SEARCH_READ_AHEAD_PAGES": 1,
    # Patterns list: how deep the cursor may go (the most frequent patterns are cut from one aggregation).
    "PATTERNS_MAX_WINDOW": 1000,
    # Trends: the largest `days`.
    "TRENDS_MAX_DAYS": 90,
    # Retention: days of lines kept, today included (None: forever); see dashboard/retention.py.
    "RETENTION_DAYS": None,
    # The embedded engine (osmem) refuses an upload with 507 past this many lines in memory (None: no limit).
    "EMBEDDED_MAX_DOCS": 300_000,
    # How many of the most frequent searches `warm_cache` fills.
    "WARM_POPULAR_SEARCHES": 10,
}


# Settings that are top-level Django settings of their own (they configure a service, not the app).
_TOP_LEVEL = frozenset(name for name in DEFAULTS if name.startswith("ELASTICSEARCH_"))


class DashboardSettings:
    """Attribute access to the dashboard settings: the project's `LOGDASH` dict over DEFAULTS."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid dashboard setting: {name!r}; known settings are {sorted(DEFAULTS)}.")
        if name in _TOP_LEVEL:
            return getattr(settings, name, DEFAULTS[name])
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

