"""
Compressors for the cacheops backend: django-redis plug-ins that mark the format of each value.

They frame what Django's cache API stores (pickled by django-redis's serializer) with the
marker of `cacheops.codec`: a reader never guesses the format. A value without the marker was
written by something else (plain django-redis pickles start with `\\x80`) and is handed to the
serializer untouched; a marker with a body that does not decode raises CorruptValueError, which
the backend turns into a logged miss. Response entries do not pass through here: `cacheops.store`
frames them itself, with the compressor's settings (`compress_over`, `level`).
"""

from __future__ import annotations

from typing import Any

from django_redis.compressors.base import BaseCompressor

from cacheops.codec import RAW, ZLIB, CorruptValueError, decompress, frame
from cacheops.conf import cacheops_settings

__all__ = ["RAW", "ZLIB", "CorruptValueError", "IdentityCompressor", "MarkedCompressor", "ZlibCompressor"]


class MarkedCompressor(BaseCompressor):
    """Mark values; subclasses say above how many bytes they compress (`compress_over`, None: never)."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.min_bytes: int = options.get("COMPRESS_MIN_BYTES", cacheops_settings.COMPRESS_MIN_BYTES)
        self.level: int = options.get("COMPRESS_LEVEL", cacheops_settings.COMPRESS_LEVEL)

    @property
    def compress_over(self) -> int | None:
        return None

    def compress(self, value: bytes) -> bytes:
        return frame(value, compress_over=self.compress_over, level=self.level)

    def decompress(self, value: bytes) -> bytes:
        return decompress(value)


class IdentityCompressor(MarkedCompressor):
    """Mark values, never compress: reads every format the other compressors write."""


class ZlibCompressor(MarkedCompressor):
    """zlib at COMPRESS_LEVEL (6) for values longer than COMPRESS_MIN_BYTES (1024)."""

    @property
    def compress_over(self) -> int | None:
        return self.min_bytes
