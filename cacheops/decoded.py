"""
Entries this process decoded lately, found again by the bytes they were read from.

Every hit of a popular entry reads the same bytes from Redis, and used to inflate them again: zlib
is most of the decoding, a few per cent of a hit on a 7 KB dashboard. A decoded `Entry` is a pure
function of its stored bytes and is frozen, so bytes equal to ones decoded before give that entry
back. No cache key is involved: two keys share a slot only when their stored bytes are identical,
which makes their entries identical too. Bounded by DECODED_ENTRIES_MAX_BYTES per process (0 turns
it off), least recently used first out; only compressed values are kept, as a raw one costs
nothing to decode.
"""

from __future__ import annotations

import threading

from cachetools import LRUCache

from cacheops.codec import ZLIB, load_entry
from cacheops.conf import cacheops_settings
from cacheops.entries import Entry

# What a kept entry costs beyond its stored and decoded bytes: the objects around them.
_OVERHEAD_BYTES = 256


class DecodedEntries:
    """A byte-bounded LRU table from stored bytes (and the body limit they were read with) to entries."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._table: LRUCache = LRUCache(maxsize=max(1, max_bytes), getsizeof=lambda item: item[1])
        self._lock = threading.Lock()  # gthread workers read from several threads

    def __len__(self) -> int:
        return len(self._table)

    def load(self, raw: bytes, max_body: int) -> Entry:
        """The entry stored as `raw`; raise CorruptValueError when it is not one (as `codec.load_entry`)."""
        if not self.max_bytes or raw[:2] != ZLIB:
            return load_entry(raw, max_body)
        key = (raw, max_body)
        with self._lock:
            kept = self._table.get(key)
        if kept is not None:
            return kept[0]
        entry = load_entry(raw, max_body)
        size = len(raw) + len(entry.body) + _OVERHEAD_BYTES
        if size <= self.max_bytes:
            with self._lock:
                self._table[key] = (entry, size)
        return entry


_decoded = DecodedEntries(0)


def load_decoded_entry(raw: bytes, max_body: int) -> Entry:
    """`codec.load_entry` through this process's table, sized by DECODED_ENTRIES_MAX_BYTES."""
    global _decoded
    table = _decoded
    if table.max_bytes != cacheops_settings.DECODED_ENTRIES_MAX_BYTES:
        table = _decoded = DecodedEntries(cacheops_settings.DECODED_ENTRIES_MAX_BYTES)
    return table.load(raw, max_body)
