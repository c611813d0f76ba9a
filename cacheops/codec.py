"""
The bytes cacheops keeps in Redis: the format marker, the compression, and the entry layout.

A response entry starts with a two-byte marker, MAGIC + a format byte, so a reader never
guesses: `\\xcc=` is stored as is, `\\xccz` is zlib, around the entry layout below, with no
serializer in between (`dump_entry` / `load_entry`; only `cacheops.store` calls them, the latter
through `cacheops.decoded`). Entries live under cacheops' own keys (`cache:{type}:...`), which
stock django-redis clients never read.

The values other code stores through Django's cache API (`cacheops.compressors`) are written
exactly as stock django-redis with its ZlibCompressor writes them (`pack_value`): a pickle,
zlib-compressed above a threshold, no marker. So a rollback to stock django-redis, or a stock
client on the same Redis, reads them; `unpack_value` reads those, stock django-redis' own
(zlib or not), and the marked values earlier cacheops versions wrote.

Entry layout (version 2), inside the framing:

    1 byte   format version (2)
    8 bytes  creation time, Unix seconds, big-endian double (Age, freshness)
    4 bytes  seconds the entry is fresh for (its TTL; stale after that)
    8 bytes  its generation: the sum of its type's and its scopes' counters (see `cacheops.store`)
    2 bytes  HTTP status
    4 bytes  length N of the header block
    N bytes  headers as JSON [[name, value], ...] (Content-Type first, ETag included)
    rest     the body

Whatever cannot be read, for any reason (no marker, a body that does not decompress, a zlib
bomb, another version, lengths that do not fit), raises CorruptValueError: the one
"unreadable" signal, which the readers turn into a logged miss.
"""

from __future__ import annotations

import functools
import json
import struct
import zlib

from cacheops.entries import Entry

MAGIC = b"\xcc"
RAW = MAGIC + b"="
ZLIB = MAGIC + b"z"

VERSION = 2
# The first byte of a zlib stream at the default window size (what django-redis' ZlibCompressor writes).
_ZLIB_STREAM = b"x"
# Room for the header block on top of MAX_ENTRY_BYTES of body when inflating a stored value.
_HEADER_ALLOWANCE = 64 * 1024
_HEAD = struct.Struct(">BdIqHI")


class CorruptValueError(Exception):
    """A value cacheops cannot read: not marked, not decodable, or not an entry of this version."""


class _NotZlibError(CorruptValueError):
    """The bytes are not a zlib stream at all (as opposed to one that inflates too far or is cut short)."""


def frame(value: bytes, *, compress_over: int | None, level: int = 6) -> bytes:
    """Return `value` marked, zlib-compressed when longer than `compress_over` bytes (None: never)
    and when that makes it smaller (already compressed or random data is kept as is)."""
    if compress_over is not None and len(value) > compress_over:
        packed = zlib.compress(value, level)
        if len(packed) < len(value):
            return ZLIB + packed
    return RAW + value


def decompress(value: bytes, max_size: int) -> bytes:
    """The payload of a marked value, or `value` untouched without a marker (another writer's pickle)."""
    if value[:1] != MAGIC:
        return value
    payload, offset = unframe(value, max_size)
    return bytes(payload[offset:]) if offset else payload


def pack_value(value: bytes, *, compress_over: int | None, level: int = 6) -> bytes:
    """Return a value other code stores through Django's cache API, as stock django-redis writes it.

    A zlib stream when longer than `compress_over` bytes and smaller for it, else the bytes as
    they are, with no marker: django-redis with its ZlibCompressor (or none, below the
    threshold) reads what we write, so a rollback to stock django-redis, or a stock client on
    the same Redis, reads these values instead of failing to unpickle them.
    """
    if compress_over is not None and len(value) > compress_over:
        packed = zlib.compress(value, level)
        if len(packed) < len(value):
            return packed
    return value


def unpack_value(value: bytes, max_size: int) -> bytes:
    """The payload of a value stored through Django's cache API: ours, stock django-redis' (zlib or not), or older.

    A marked value (written by an earlier cacheops) is unframed; a zlib stream (first byte
    0x78) is inflated to at most `max_size` bytes; anything else is returned as it is (a
    pickle starts with 0x80). Raise CorruptValueError for a marked or zlib value that does not decode.
    """
    if value[:1] == MAGIC:
        return decompress(value, max_size)
    if value[:1] == _ZLIB_STREAM:
        try:
            return _inflate(value, max_size)
        except _NotZlibError:
            return value  # not a zlib stream after all: the serializer decides
    return value


def _inflate(data: bytes | memoryview, max_size: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(data, max_size + 1)
    except zlib.error as exc:
        raise _NotZlibError(f"zlib body does not decompress: {exc}") from exc
    if len(payload) > max_size:
        raise CorruptValueError(f"zlib body inflates beyond {max_size} bytes")
    if not inflater.eof:
        raise CorruptValueError("zlib body is truncated")
    return payload


def unframe(value: bytes, max_size: int) -> tuple[bytes, int]:
    """Return the payload of a marked value as (buffer, offset where it starts).

    A raw payload is not copied (the caller reads `buffer[offset:]`): this runs on every cache
    hit. Raise CorruptValueError for a value without our header (another client's bytes, a
    pickle), whose body does not decode, or that inflates beyond `max_size` bytes (a zlib bomb
    planted in Redis costs a bounded amount of memory, not the worker).
    """
    header = value[:2]
    if header == RAW:
        return value, 2
    if header == ZLIB:
        return _inflate(memoryview(value)[2:], max_size), 0
    raise CorruptValueError(f"not a marked value (starts with {header!r})")


def encode_entry(entry: Entry) -> bytes:
    """Return the entry's layout (without the framing)."""
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


def dump_entry(entry: Entry, *, compress_over: int | None, level: int = 6) -> bytes:
    """Return the bytes stored in Redis for `entry`: the marker, then the (compressed) layout."""
    return frame(encode_entry(entry), compress_over=compress_over, level=level)


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
