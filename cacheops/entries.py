"""
The stored form of a cached response: rendered bytes, never a pickled Response object.

What Redis holds under an entry key is our own bytes from end to end, written and read
without any serializer (`dump_entry` / `load_entry`): a value anyone else wrote there (a
pickle from a neighbour app or an intruder) is a logged miss and never runs code. It is the
compressor's two-byte marker (`cacheops.compressors`: raw or zlib), then the layout:

Layout (version 2), inside that framing:

    1 byte   format version (2)
    8 bytes  creation time, Unix seconds, big-endian double (Age, freshness)
    4 bytes  seconds the entry is fresh for (its TTL; stale after that)
    8 bytes  generation of its cache type when it was computed (see `cacheops.store`)
    2 bytes  HTTP status
    4 bytes  length N of the header block
    N bytes  headers as JSON [[name, value], ...] (Content-Type first, ETag included)
    rest     the body

A value of another version, or one too short for its own lengths, is not an entry: a miss.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseBase

from cacheops.compressors import CorruptValueError, MarkedCompressor, unframe
from logdash.clock import clock

VERSION = 2
# Room for the header block on top of MAX_ENTRY_BYTES of body when inflating a stored value.
_HEADER_ALLOWANCE = 64 * 1024
_HEAD = struct.Struct(">BdIqHI")

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


def encode_entry(entry: Entry) -> bytes:
    """Return the entry's layout (without the compressor's framing)."""
    headers = json.dumps(entry.headers, separators=(",", ":")).encode()
    head = _HEAD.pack(VERSION, entry.created_at, entry.fresh_for, entry.generation, entry.status, len(headers))
    return head + headers + entry.body


def decode_entry(value: object, offset: int = 0) -> Entry | None:
    """Return the entry laid out in `value` from `offset`, or None when it is not an entry this version reads."""
    if not isinstance(value, bytes) or len(value) < offset + _HEAD.size or value[offset] != VERSION:
        return None
    _, created_at, fresh_for, generation, status, header_length = _HEAD.unpack_from(value, offset)
    start = offset + _HEAD.size + header_length
    if len(value) < start:
        return None
    try:
        headers = _parse_headers(value[offset + _HEAD.size:start])
    except (ValueError, TypeError):
        return None
    return Entry(status, headers, value[start:], created_at, fresh_for, generation)


def dump_entry(entry: Entry, compressor: MarkedCompressor) -> bytes:
    """Return the bytes stored in Redis for `entry`: the compressor's marker, then the (compressed) layout."""
    return compressor.compress(encode_entry(entry))


def load_entry(value: bytes, max_body: int) -> Entry:
    """Return the entry in a value read from Redis; raise CorruptValueError saying why it is not one.

    Never unpickles: the value is unframed (raw or zlib, at most `max_body` plus the header
    block once inflated) and read as our layout, so foreign bytes can only be refused.
    """
    payload, offset = unframe(value, max_body + _HEADER_ALLOWANCE)
    entry = decode_entry(payload, offset)
    if entry is None:
        raise CorruptValueError(f"not a version {VERSION} entry (starts with {bytes(payload[offset:offset + 2])!r})")
    return entry


# Memoised: an entry hit again and again carries the same header block, parsed once per process.
@functools.lru_cache(maxsize=512)
def _parse_headers(block: bytes) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(value)) for name, value in json.loads(block))


@functools.lru_cache(maxsize=512)
def _header_store(headers: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    return {name.lower(): (name, value) for name, value in headers}
