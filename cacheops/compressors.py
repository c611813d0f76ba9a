"""
Compressors for the cacheops backend: django-redis plug-ins that mark the format of each value.

Every value they write starts with a two-byte header, MAGIC + a format byte, so a reader never
guesses: `\\xcc=` is stored as is, `\\xccz` is zlib. A value without the header was written by
something else (plain django-redis pickles start with `\\x80`) and is handed to the serializer
untouched; a header with a body that does not decode raises CorruptValueError, which the backend
turns into a logged miss.

Response entries use the same framing around their own byte layout, with no serializer in
between (`cacheops.entries.dump_entry`); `unframe` reads that framing back and, unlike the
backend, refuses a value without the header.
"""

from __future__ import annotations

import zlib
from typing import Any

from django_redis.compressors.base import BaseCompressor

from cacheops.conf import cacheops_settings

MAGIC = b"\xcc"
RAW = MAGIC + b"="
ZLIB = MAGIC + b"z"


class CorruptValueError(Exception):
    """A marked value whose body cannot be decoded (truncated, or an unknown format)."""


def _decompress_zlib(body: bytes) -> bytes:
    try:
        return zlib.decompress(body)
    except zlib.error as exc:
        raise CorruptValueError(f"zlib body does not decompress: {exc}") from exc


_DECODERS = {RAW: bytes, ZLIB: _decompress_zlib}


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


class MarkedCompressor(BaseCompressor):
    """Base class: subclasses implement `_compress` and name their `header`."""

    header = RAW

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.min_bytes: int = options.get("COMPRESS_MIN_BYTES", cacheops_settings.COMPRESS_MIN_BYTES)
        self.level: int = options.get("COMPRESS_LEVEL", cacheops_settings.COMPRESS_LEVEL)

    def compress(self, value: bytes) -> bytes:
        if len(value) > self.min_bytes:
            packed = self._compress(value)
            # Incompressible data (already compressed, random) is kept as is: smaller and cheaper to read.
            if len(packed) < len(value):
                return self.header + packed
        return RAW + value

    def _compress(self, value: bytes) -> bytes:
        return value

    def decompress(self, value: bytes) -> bytes:
        if value[:1] != MAGIC:
            return value
        decoder = _DECODERS.get(value[:2])
        if decoder is None:
            raise CorruptValueError(f"unknown format header {value[:2]!r}")
        return decoder(value[2:])


class IdentityCompressor(MarkedCompressor):
    """Mark values, never compress: reads every format the other compressors write."""

    def compress(self, value: bytes) -> bytes:
        return RAW + value


class ZlibCompressor(MarkedCompressor):
    """zlib at COMPRESS_LEVEL (6) for values longer than COMPRESS_MIN_BYTES (1024)."""

    header = ZLIB

    def _compress(self, value: bytes) -> bytes:
        return zlib.compress(value, self.level)
