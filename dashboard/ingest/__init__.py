"""
The ingestion layer: from an uploaded file to parsed log lines, in pure Python.

    open_log_text(fileobj, ...)  ->  lines of text     (reader: gzip, encoding, limits)
    parse_lines(lines, ...)      ->  (format, lines)   (detect the format, then parse lazily)

Nothing here talks to the search engine or the database; `dashboard.indexing` does.
`InvalidLogFile` (a ValueError) is the only error raised for a bad file.
"""

from __future__ import annotations

from dashboard.ingest.detect import detect_format
from dashboard.ingest.exceptions import InvalidLogFile
from dashboard.ingest.formats import LogFormat
from dashboard.ingest.levels import ERROR_LEVELS, LEVELS, normalize_level
from dashboard.ingest.parse import parse_lines
from dashboard.ingest.reader import open_log_text
from dashboard.ingest.records import ParsedLine

__all__ = [
    "ERROR_LEVELS",
    "LEVELS",
    "InvalidLogFile",
    "LogFormat",
    "ParsedLine",
    "detect_format",
    "normalize_level",
    "open_log_text",
    "parse_lines",
]
