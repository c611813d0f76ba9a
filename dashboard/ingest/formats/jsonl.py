"""JSON lines: one object per line, as written by structured loggers (python-json-logger, ECS, Docker, bunyan)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import UNKNOWN, normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine
from dashboard.ingest.timestamps import from_epoch, from_iso

# The first key present wins; the order puts the most specific spelling first.
TIMESTAMP_KEYS = ("@timestamp", "timestamp", "time", "ts", "datetime", "asctime")
LEVEL_KEYS = ("level", "severity", "levelname", "log.level", "loglevel")
MESSAGE_KEYS = ("message", "msg", "@message", "log")
SOURCE_KEYS = ("logger", "logger_name", "source", "name", "component")
HOST_KEYS = ("host", "hostname")
PROCESS_KEYS = ("pid", "process", "thread", "thread_name")


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any) -> str:
    """Return a field as text; nested objects (an ECS `host: {...}`) are kept as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


class JsonLinesFormat(LogFormat):
    """
    Each line a JSON object; fields are taken from the usual key spellings above.

    Timestamps may be ISO-8601 (naive ones are in the default time zone) or epoch numbers in
    seconds, milliseconds, microseconds or nanoseconds. A numeric level is left UNKNOWN on
    purpose: the scales disagree (pino's 30 is info, Python's 30 is warning). A record without
    a message key keeps the whole line as its message.
    """

    name = "jsonl"

    def matches(self, line: str) -> bool:
        return self._load(line) is not None

    def parse(self, line: str, line_number: int, context: ParseContext) -> ParsedLine | None:
        record = self._load(line)
        if record is None:
            return None
        level = _first(record, LEVEL_KEYS)
        message = _first(record, MESSAGE_KEYS)
        return ParsedLine(
            line_number,
            self._timestamp(_first(record, TIMESTAMP_KEYS), context),
            normalize_level(level) if isinstance(level, str) else UNKNOWN,
            _text(_first(record, SOURCE_KEYS)),
            _text(_first(record, HOST_KEYS)),
            _text(_first(record, PROCESS_KEYS)),
            line if message is None else _text(message),
            line,
            True,
        )

    @staticmethod
    def _load(line: str) -> dict[str, Any] | None:
        stripped = line.strip()
        if not stripped.startswith("{"):
            return None
        try:
            record = json.loads(stripped)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    @staticmethod
    def _timestamp(value: Any, context: ParseContext) -> datetime | None:
        """Return the record's time, or None when it has none that can be read (the line is still parsed)."""
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return from_epoch(value)
            if isinstance(value, str):
                if value.replace(".", "", 1).isdigit():
                    return from_epoch(float(value))
                return from_iso(value, context.default_timezone)
        except ValueError:
            pass
        return None
