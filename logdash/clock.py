"""
The product's one wall clock: every "now" of logdash is read here.

Reports ("logs today", the 7-day histogram, trends), the demo loader, ingestion's year inference,
cache entry ages and TTLs, stats samples and upload times all ask `clock` rather than calling
`time.time()` or `datetime.now()` themselves, so there is one place to look at when a question
about time comes up, and one thing to move in tests. Tests pin it with time-machine (which moves
`time.time()` for every thread of the process, so `clock` follows), or pass `now` to the functions
that take one. Elapsed-time measurements (timeouts, latencies, the circuit breaker) use the
monotonic clock instead, which never jumps and is not this module's business.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time as Unix seconds (`time()`) and as an aware UTC datetime (`now()`)."""

    def time(self) -> float:
        """Seconds since the epoch, as a float: what cache entries and TTLs are measured in."""
        return time.time()

    def now(self) -> datetime:
        """The current instant as an aware datetime in UTC; convert with `.astimezone(zone)` for a local day."""
        return datetime.fromtimestamp(self.time(), UTC)


clock = Clock()
