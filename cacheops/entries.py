"""
The stored form of a cached response: rendered bytes, never a pickled Response object.

Layout (version 1), after the backend's own framing:

    1 byte   format version (1)
    8 bytes  creation time, Unix seconds, big-endian double (for Age / stale-while-revalidate later)
    2 bytes  HTTP status
    4 bytes  length N of the header block
    N bytes  headers as JSON [[name, value], ...] (Content-Type first)
    rest     the body

A value of another version, or one too short for its own lengths, is not an entry: a miss.
"""

from __future__ import annotations

import functools
import json
import struct
import time
from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseBase

VERSION = 1
_HEAD = struct.Struct(">BdHI")

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

    def to_response(self) -> HttpResponse:
        """Build the response a hit returns: the stored bytes and headers, no rendering."""
        response = HttpResponse(self.body, status=self.status)
        store = getattr(response.headers, "_store", None)
        if isinstance(self.headers, tuple) and isinstance(store, dict):
            # These headers passed Django's validation when the view set them; re-validating
            # them on every hit is a third of the hit's Python time.
            store.update(_header_store(self.headers))
        else:
            for name, value in self.headers:
                response[name] = value
        return response


def make_entry(response: HttpResponseBase, body: bytes) -> Entry:
    """Return the entry for a rendered response, keeping only the headers about its content."""
    headers = [(name, value) for name, value in response.items() if name.lower() not in _NOT_STORED]
    return Entry(response.status_code, headers, body, time.time())


def encode_entry(entry: Entry) -> bytes:
    headers = json.dumps(entry.headers, separators=(",", ":")).encode()
    return _HEAD.pack(VERSION, entry.created_at, entry.status, len(headers)) + headers + entry.body


def decode_entry(value: object) -> Entry | None:
    """Return the entry stored in `value`, or None when it is not an entry this version reads."""
    if not isinstance(value, bytes) or len(value) < _HEAD.size or value[0] != VERSION:
        return None
    _, created_at, status, header_length = _HEAD.unpack_from(value)
    start = _HEAD.size + header_length
    if len(value) < start:
        return None
    try:
        headers = _parse_headers(value[_HEAD.size:start])
    except (ValueError, TypeError):
        return None
    return Entry(status, headers, value[start:], created_at)


# Memoised: a view's responses carry the same few header blocks, parsed once per process.
@functools.lru_cache(maxsize=512)
def _parse_headers(block: bytes) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(value)) for name, value in json.loads(block))


@functools.lru_cache(maxsize=512)
def _header_store(headers: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    return {name.lower(): (name, value) for name, value in headers}
