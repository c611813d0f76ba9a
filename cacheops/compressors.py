"""
Compressors for the cacheops backend: the django-redis plug-ins for values stored through Django's cache API.

They write what stock django-redis with its ZlibCompressor writes (`cacheops.codec.pack_value`:
a pickle, zlib-compressed above COMPRESS_MIN_BYTES when that makes it smaller, no marker), so a
stock client reads our values, and they read stock values, zlib or not, and the marked values of
earlier cacheops versions (`unpack_value`). A zlib or marked value that does not decode, or that
inflates beyond MAX_ENTRY_BYTES, raises CorruptValueError, which the backend turns into a logged
miss. Response entries do not pass through here: `cacheops.store` frames them itself, with the
compressor's settings (`compress_over`, `level`).
"""

from __future__ import annotations

from typing import Any

from django_redis.compressors.base import BaseCompressor

from cacheops.codec import RAW, ZLIB, CorruptValueError, pack_value, unpack_value
from cacheops.conf import cacheops_settings

__all__ = ["RAW", "ZLIB", "CacheopsCompressor", "CorruptValueError", "IdentityCompressor", "ZlibCompressor"]

# Room for a value's own framing on top of MAX_ENTRY_BYTES when inflating it.
_VALUE_ALLOWANCE = 64 * 1024


class CacheopsCompressor(BaseCompressor):
    """Subclasses say above how many bytes they compress (`compress_over`, None: never)."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.min_bytes: int = options.get("COMPRESS_MIN_BYTES", cacheops_settings.COMPRESS_MIN_BYTES)
        self.level: int = options.get("COMPRESS_LEVEL", cacheops_settings.COMPRESS_LEVEL)

    @property
    def compress_over(self) -> int | None:
        return None

    def compress(self, value: bytes) -> bytes:
        return pack_value(value, compress_over=self.compress_over, level=self.level)

    def decompress(self, value: bytes) -> bytes:
        return unpack_value(value, cacheops_settings.MAX_ENTRY_BYTES + _VALUE_ALLOWANCE)


class IdentityCompressor(CacheopsCompressor):
    """Never compress (stock django-redis' IdentityCompressor format); reads every format the others write."""


class ZlibCompressor(CacheopsCompressor):
    """zlib at COMPRESS_LEVEL (6) for values longer than COMPRESS_MIN_BYTES (1024)."""

    @property
    def compress_over(self) -> int | None:
        return self.min_bytes
