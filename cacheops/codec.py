"""
The bytes cacheops keeps in Redis: the format marker, the compression, and the entry layout.

Every value starts with a two-byte marker, MAGIC + a format byte, so a reader never guesses:
`\\xcc=` is stored as is, `\\xccz` is zlib. The django-redis compressors
(`cacheops.compressors`) frame the values other code stores through Django's cache API; a
response entry is framed the same way around its own layout, with no serializer in between
(`dump_entry` / `load_entry`), and only `cacheops.store` calls those two.

Entry layout (version 2), inside the framing:

    1 byte   format version (2)
    8 bytes  creation time, Unix seconds, big-endian double (Age, freshness)
    4 bytes  seconds the entry is fresh for (its TTL; stale after that)
    8 bytes  generation of its cache type when it was computed (see `cacheops.store`)
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
# Room for the header block on top of MAX_ENTRY_BYTES of body when inflating a stored value.
_HEADER_ALLOWANCE = 64 * 1024
_HEAD = struct.Struct(">BdIqHI")


class CorruptValueError(Exception):
    """A value cacheops cannot read: not marked, not decodable, or not an entry of this version."""


def frame(value: bytes, *, compress_over: int | None, level: int = 6) -> bytes:
    """Return `value` marked, zlib-compressed when longer than `compress_over` bytes (None: never)
    and when that makes it smaller (already compressed or random data is kept as is)."""
    if compress_over is not None and len(value) > compress_over:
        packed = zlib.compress(value, level)
        if len(packed) < len(value):
            return ZLIB + packed
    return RAW + value


def decompress(value: bytes) -> bytes:
    """The payload of a marked value, or `value` untouched without a marker (another writer's pickle)."""
    if value[:1] != MAGIC:
        return value
    header = value[:2]
    if header == RAW:
        return value[2:]
    if header == ZLIB:
        try:
            return zlib.decompress(value[2:])
        except zlib.error as exc:
            raise CorruptValueError(f"zlib body does not decompress: {exc}") from exc
    raise CorruptValueError(f"unknown format header {header!r}")


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
        inflater = zlib.decompressobj()
        try:
            payload = inflater.decompress(memoryview(value)[2:], max_size + 1)
        except zlib.error as exc:
            raise CorruptValueError(f"zlib body does not decompress: {exc}") from exc
        if len(payload) > max_size:
            raise CorruptValueError(f"zlib body inflates beyond {max_size} bytes")
        if not inflater.eof:
            raise CorruptValueError("zlib body is truncated")
        return payload, 0
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
