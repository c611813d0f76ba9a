"""Reading uploads as text lines: gzip, encodings, line endings, and the limits, in bounded memory."""

from __future__ import annotations

import gzip
import io
import tracemalloc

import pytest

from dashboard.ingest import InvalidLogFile, open_log_text
from dashboard.ingest.reader import CHUNK_SIZE

MB = 1024 * 1024


def read_lines(data: bytes, *, max_decompressed_bytes: int = 100 * MB, max_line_bytes: int = MB) -> list[str]:
    return list(open_log_text(io.BytesIO(data), max_decompressed_bytes=max_decompressed_bytes,
                              max_line_bytes=max_line_bytes))


class GeneratedFile(io.RawIOBase):
    """A file-like object that makes its content as it is read, and counts what it served."""

    def __init__(self, prefix: bytes, filler: bytes, size: int) -> None:
        self.prefix, self.filler, self.remaining, self.served = prefix, filler, size, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            chunk, self.prefix = self.prefix, b""
        else:
            wanted = min(size, self.remaining)
            chunk = (self.filler * (wanted // len(self.filler) + 1))[:wanted]
            self.remaining -= len(chunk)
        self.served += len(chunk)
        return chunk


def test_plain_text_lines():
    assert read_lines(b"one\ntwo\n\nthree\n") == ["one", "two", "", "three"]


def test_crlf_endings_and_a_last_line_without_newline():
    assert read_lines(b"one\r\ntwo\r\n\r\nthree") == ["one", "two", "", "three"]


def test_a_carriage_return_inside_a_line_is_kept():
    assert read_lines(b"a\rb\n") == ["a\rb"]


def test_gzip_round_trip(loghub_dir):
    plain = (loghub_dir / "Hadoop_2k.log").read_bytes()
    assert read_lines(gzip.compress(plain)) == read_lines(plain)
    assert len(read_lines(plain)) == 2000


def test_gzip_larger_than_a_chunk_in_many_members():
    lines = [f"line {n} " + "x" * 50 for n in range(50_000)]
    text = ("\n".join(lines) + "\n").encode()
    half = len(text) // 2
    cut = text.index(b"\n", half) + 1
    data = gzip.compress(text[:cut]) + gzip.compress(text[cut:])  # as `cat a.gz b.gz` makes
    assert read_lines(data) == lines


def test_a_gzip_bomb_is_refused_before_it_is_inflated():
    bomb = gzip.compress(b"x" * 99 + b"\n") + gzip.compress(b"ab\n" * (20 * MB // 3), compresslevel=9)
    assert len(bomb) < 100 * 1024
    with pytest.raises(InvalidLogFile, match="decompresses to more than 1 MB"):
        read_lines(bomb, max_decompressed_bytes=MB)


def test_a_plain_file_over_the_limit_is_refused():
    with pytest.raises(InvalidLogFile, match="is more than 100 KB"):
        read_lines(b"line\n" * 30_000, max_decompressed_bytes=100 * 1024)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (gzip.compress(b"line one\nline two\n" * 1000)[:-50], "cut short"),
        (b"\x1f\x8b" + b"not really gzip" * 10, "not valid gzip"),
    ],
)
def test_broken_gzip_is_refused(data, message):
    with pytest.raises(InvalidLogFile, match=message):
        read_lines(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (gzip.compress(b""), "empty once decompressed"),
        (b"log line\n\x00\x01\x02binary", "binary \\(it contains NUL bytes\\)"),
        (bytes(range(1, 32)) * 100, "binary \\(\\d+ control characters"),
        ("héllo\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x00\x00", "zip archive"),
    ],
    ids=["empty", "empty-gzip", "nul", "controls", "utf-16", "zip"],
)
def test_what_is_not_a_text_log_is_refused(data, message):
    with pytest.raises(InvalidLogFile, match=message):
        read_lines(data)


def test_invalid_log_file_is_a_value_error():
    assert issubclass(InvalidLogFile, ValueError)


def test_tabs_escapes_and_form_feeds_are_text():
    data = b"\x1b[31mred\x1b[0m\tcolumn\x0c\n" * 200
    assert read_lines(data)[0] == "\x1b[31mred\x1b[0m\tcolumn\x0c"


def test_utf8_with_bom():
    assert read_lines(b"\xef\xbb\xbfcaf\xc3\xa9 ok\nna\xc3\xafve\n") == ["café ok", "naïve"]


def test_latin1_is_decoded():
    assert read_lines(b"caf\xe9 ok\nna\xefve\n") == ["café ok", "naïve"]


def test_a_character_split_across_chunks_is_whole():
    line = "é" * (CHUNK_SIZE // 2 + 1)  # two bytes each: straddles the head and the first chunk boundary
    assert read_lines((line + "\n" + line).encode()) == [line, line]


def test_a_latin1_line_later_in_a_utf8_file_is_read_as_latin1():
    data = "ascii café\n".encode() * (CHUNK_SIZE // 10) + b"caf\xe9 from an old program\n"
    lines = read_lines(data)
    assert lines[0] == "ascii café"
    assert lines[-1] == "café from an old program"


def test_a_line_over_the_limit_is_refused_with_its_number():
    data = b"short\n" + b"x" * 100 + b"\r\n" + b"y" * 101 + b"\n"
    with pytest.raises(InvalidLogFile, match="Line 3 is longer than 100 bytes"):
        read_lines(data, max_line_bytes=100)


def test_a_50_mb_line_is_refused_without_being_read():
    upload = GeneratedFile(b"2015-10-18 18:01:47,978 INFO [main] a.B: fine\n", b"a", 50 * MB)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidLogFile, match="Line 2 is longer than 1 MB"):
            list(open_log_text(upload, max_decompressed_bytes=100 * MB, max_line_bytes=MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert upload.served < MB + 2 * CHUNK_SIZE
    assert peak < 8 * MB


def test_lines_stream_as_the_file_is_read():
    upload = GeneratedFile(b"", b"log line\n", 50 * MB)
    lines = open_log_text(upload, max_decompressed_bytes=100 * MB, max_line_bytes=MB)
    assert next(lines) == "log line"
    assert upload.served <= 2 * CHUNK_SIZE
