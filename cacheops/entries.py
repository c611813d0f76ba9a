"""
The stored form of a cached response: rendered bytes, never a pickled Response object.

An `Entry` is the status, the headers about the content, the body, and when and under which
generation it was computed. Its bytes in Redis (marker, compression, layout) are
`cacheops.codec`'s; only `cacheops.store` reads and writes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseBase

from logdash.clock import clock

# Headers that describe this transfer or this client rather than the content.
_NOT_STORED = frozenset({
    "age", "connection", "content-length", "date", "keep-alive", "set-cookie", "transfer-encoding",
    "x-cache", "x-cache-key",
})


@dataclass(frozen=True, slots=True)
class Entry:
    status: int
    headers: list[tuple[str, str]] | tuple[tuple[str, str], ...]
    body: bytes
    created_at: float
    fresh_for: int = 0
    generation: int = 0

    @property
    def expires_at(self) -> float:
        """When the entry stops being fresh (Unix seconds)."""
        return self.created_at + self.fresh_for

    @property
    def etag(self) -> str | None:
        for name, value in self.headers:
            if name.lower() == "etag":
                return value
        return None

    def to_response(self) -> HttpResponse:
        """Build the response a hit returns: the stored bytes and headers, no rendering.

        Through Django's public header API: skipping its per-header validation by writing
        `HttpHeaders._store` saves under 1 % of a hit (`python -m bench.private_api`), not worth
        a private API.
        """
        return HttpResponse(self.body, status=self.status, headers=self.headers)


def make_etag(body: bytes) -> str:
    """A strong validator of the body: equal bodies, equal tags."""
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


def make_entry(response: HttpResponseBase, body: bytes, *, fresh_for: int, generation: int,
               etag: bool = True) -> Entry:
    """Return the entry for a rendered response, keeping only the headers about its content."""
    headers = [(name, value) for name, value in response.items() if name.lower() not in _NOT_STORED]
    if etag and not response.has_header("ETag"):
        headers.append(("ETag", make_etag(body)))
    return Entry(response.status_code, headers, body, clock.time(), fresh_for, generation)
