"""
What happened to one cacheable request: the one vocabulary of stats, metrics, charts and headers.

Each outcome is spelled three ways, all derived here so they can never disagree:
- its value, the field suffix in the shared stats hash and the key of `get_cache_stats()`
  (`hits`, `misses`, `stale`, `errors`: stored in Redis, so never renamed);
- `label`, the Prometheus label value (singular by Prometheus convention: `hit`);
- `header`, what `X-Cache` says (`HIT`, `MISS`, `STALE`); ERROR has none: the client sees a
  MISS, since the view ran.
"""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    HIT = "hits"
    STALE = "stale"
    MISS = "misses"
    ERROR = "errors"

    @property
    def label(self) -> str:
        """The Prometheus label value: `hit`, `stale`, `miss`, `error`."""
        return _LABELS[self]

    @property
    def header(self) -> str:
        """The `X-Cache` value: an ERROR answers as MISS (the view ran, uncached)."""
        return "MISS" if self is Outcome.ERROR else self.name

    @property
    def from_cache(self) -> bool:
        """Answered from a stored entry without waiting on the view (counts towards the hit rate)."""
        return self in (Outcome.HIT, Outcome.STALE)


_LABELS = {Outcome.HIT: "hit", Outcome.STALE: "stale", Outcome.MISS: "miss", Outcome.ERROR: "error"}
# The outcomes a client can see in X-Cache, for the OpenAPI schema and the latency histogram.
SERVED = (Outcome.HIT, Outcome.MISS, Outcome.STALE)
