"""
Prometheus metrics of the search engine and of ingestion (prometheus_client, multiprocess-safe).

- `logdash_search_query_seconds{outcome}` (ok|error): each query run by `dashboard.client.execute`,
  the one place searches run, including a retry after creating a missing index.
- `logdash_ingest_lines_total`: log lines indexed by completed uploads (a failed upload's lines
  are rolled back and not counted); `rate(logdash_ingest_lines_total[5m])` is lines per second.
- `logdash_ingest_lines_per_second`: the throughput of each completed upload, as a histogram.
- `logdash_uploads_total{status}` (complete|failed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter

from prometheus_client import Counter, Histogram

SEARCH_QUERY_SECONDS = Histogram(
    "logdash_search_query_seconds",
    "Seconds per search-engine query run by the dashboard (dashboard.client.execute), by outcome.",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
INGEST_LINES = Counter("logdash_ingest_lines", "Log lines indexed by completed uploads.")
INGEST_THROUGHPUT = Histogram(
    "logdash_ingest_lines_per_second",
    "Lines indexed per second by each completed upload (parsing and bulk indexing included).",
    buckets=(100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000),
)
UPLOADS = Counter("logdash_uploads", "Uploads processed, by final status.", ["status"])


@contextmanager
def timed_search_query() -> Iterator[None]:
    """Observe the duration of the query run inside the block (outcome `error` if it raises)."""
    started = perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        SEARCH_QUERY_SECONDS.labels(outcome).observe(perf_counter() - started)


def record_upload(*, lines_indexed: int, seconds: float) -> None:
    """Count a completed upload, its lines and its throughput."""
    UPLOADS.labels("complete").inc()
    INGEST_LINES.inc(lines_indexed)
    if lines_indexed and seconds > 0:
        INGEST_THROUGHPUT.observe(lines_indexed / seconds)


def record_failed_upload() -> None:
    UPLOADS.labels("failed").inc()
