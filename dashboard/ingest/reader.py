"""
Streaming an uploaded file as text lines: gzip, encoding and sanity checks, in bounded memory.

The file is read in 64 KB chunks and never held whole: gzip is inflated incrementally with
each call's output capped, the decompressed size is counted against a limit (a 1 KB gzip
bomb can inflate to gigabytes), and a line is refused as soon as it outgrows its limit,
before the rest of it is read.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import BinaryIO

from dashboard.ingest.exceptions import InvalidLogFile

CHUNK_SIZE = 64 * 1024
# How much decompressed text the binary and encoding checks look at.
HEAD_SIZE = 8 * 1024
# A text log has few control characters besides tab, line breaks, form feed and ESC (colours).
MAX_CONTROL_SHARE = 0.1

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib with a gzip header and trailer
_UTF8_BOM = codecs.BOM_UTF8
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # the UTF-32 BOMs start with these too
_ZIP_MAGIC = b"PK\x03\x04"
_CONTROL_BYTES = bytes(set(range(32)) - set(b"\t\n\r\x0b\x0c\x1b")) + b"\x7f"


def open_log_text(fileobj: BinaryIO, *, max_decompressed_bytes: int, max_line_bytes: int) -> Iterator[str]:
    """
    Return the lines of a plain or gzip-compressed log file, without their line endings.

    The start of the file is checked at once (so an empty, binary or UTF-16 file is refused
    here); the rest is checked as it streams. Text is UTF-8 (a BOM is dropped) unless the
    first chunk (at least 8 KB, usually 64 KB) is not valid UTF-8, in which case the whole
    file is read as Latin-1. In a UTF-8 file, a single line that is not valid UTF-8 is read as
    Latin-1 rather than refused, because logs appended to by several programs do mix
    encodings. Raise `InvalidLogFile` saying what is wrong.
    """
    raw_chunks = _read_chunks(fileobj)
    first = next(raw_chunks, b"")
    if not first:
        raise InvalidLogFile("The file is empty.")
    compressed = first.startswith(_GZIP_MAGIC)
    chunks: Iterator[bytes] = chain([first], raw_chunks)
    if compressed:
        chunks = _gunzip(chunks)
    chunks = _limit_size(chunks, max_decompressed_bytes, compressed=compressed)
    head = _take_head(chunks)
    if not head:
        raise InvalidLogFile("The file is empty once decompressed.")
    _check_is_text(head)
    if head.startswith(_UTF8_BOM):
        head, encoding = head[len(_UTF8_BOM):], "utf-8"
    else:
        encoding = _guess_encoding(head)
    return _split_lines(chain([head], chunks), encoding, max_line_bytes)


def _read_chunks(fileobj: BinaryIO) -> Iterator[bytes]:
    while chunk := fileobj.read(CHUNK_SIZE):
        yield chunk


def _gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate gzip data; the members of a concatenated file (`cat a.gz b.gz`) follow one another."""
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    fed = False
    try:
        for data in chunks:
            while data:
                fed = True
                yield from _inflate(decompressor, data)
                if not decompressor.eof:
                    break
                data, fed = decompressor.unused_data, False
                decompressor = zlib.decompressobj(_GZIP_WBITS)
    except zlib.error as exc:
        raise InvalidLogFile(f"The file starts like gzip but is not valid gzip data ({exc}); "
                             "compress it again, or upload it uncompressed.") from exc
    if fed and not decompressor.eof:
        raise InvalidLogFile("The gzip data ends early: the file was cut short. Upload the complete file.")


def _inflate(decompressor: zlib._Decompress, data: bytes) -> Iterator[bytes]:
    """
    Yield what `data` inflates to, at most CHUNK_SIZE bytes at a time.

    With the output capped, input not yet inflated waits in `unconsumed_tail`; a full output
    may also leave inflated bytes pending, which one more call drains.
    """
    while True:
        output = decompressor.decompress(data, CHUNK_SIZE)
        if output:
            yield output
        data = decompressor.unconsumed_tail
        if decompressor.eof or (not data and len(output) < CHUNK_SIZE):
            return


def _limit_size(chunks: Iterable[bytes], max_bytes: int, *, compressed: bool) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            what = "decompresses to" if compressed else "is"
            raise InvalidLogFile(f"The file {what} more than {_describe_size(max_bytes)}, the most logdash "
                                 "accepts in one upload; split it into smaller files.")
        yield chunk


def _take_head(chunks: Iterator[bytes]) -> bytes:
    """Return at least HEAD_SIZE bytes from the start of `chunks` (fewer only at its end)."""
    parts, size = [], 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= HEAD_SIZE:
            break
    return b"".join(parts)


def _check_is_text(head: bytes) -> None:
    if head.startswith(_WIDE_BOMS):
        raise InvalidLogFile("The file is UTF-16 or UTF-32 text; save it as UTF-8 and upload it again.")
    if head.startswith(_ZIP_MAGIC):
        raise InvalidLogFile("The file is a zip archive; upload the log itself, plain or gzip-compressed.")
    sample = head[:HEAD_SIZE]
    if b"\x00" in sample:
        raise InvalidLogFile("The file is binary (it contains NUL bytes), not a text log; upload the log as "
                             "plain text or gzip.")
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > MAX_CONTROL_SHARE * len(sample):
        raise InvalidLogFile(f"The file is binary ({controls} control characters in its first {len(sample)} bytes), "
                             "not a text log; upload the log as plain text or gzip.")


def _guess_encoding(head: bytes) -> str:
    """Return utf-8 if `head` is valid UTF-8 (a character cut at the end is fine), else latin-1."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _split_lines(chunks: Iterable[bytes], encoding: str, max_line_bytes: int) -> Iterator[str]:
    """Yield decoded lines (LF or CRLF endings removed), refusing one longer than `max_line_bytes`."""
    pending = b""
    line_number = 0
    for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for raw in lines:
            line_number += 1
            if len(raw) > max_line_bytes and len(raw) - raw.endswith(b"\r") > max_line_bytes:
                _refuse_long_line(line_number, max_line_bytes)
            yield _decode(raw, encoding)
        if len(pending) > max_line_bytes + 1:  # + 1: the CR of a CRLF ending may be all that is read
            _refuse_long_line(line_number + 1, max_line_bytes)
    if pending:
        yield _decode(pending, encoding)


def _decode(raw: bytes, encoding: str) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text[:-1] if text[-1:] == "\r" else text


def _refuse_long_line(line_number: int, max_line_bytes: int) -> None:
    raise InvalidLogFile(f"Line {line_number} is longer than {_describe_size(max_line_bytes)}, the longest line "
                         "logdash accepts; a line that long usually means the file is not a line-oriented log.")


def _describe_size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
