"""
From the names an upload passes (`format=`, `timezone=`) to `ParseOptions`, with the declared formats.

A declared format that no longer compiles (edited in the database by hand) is left out of
detection with a warning rather than failing every upload.
"""

from __future__ import annotations

import logging

from dashboard.ingest.formats import FORMATS
from dashboard.ingest.formats.declared import FormatDeclarationError, parse_timezone
from dashboard.ingest.options import ParseOptions
from dashboard.models import LogFormat

logger = logging.getLogger(__name__)

NAMED = {log_format.name: log_format for log_format in FORMATS}


def parse_options(format_name: str = "", timezone_name: str = "") -> ParseOptions:
    """Return the options of an upload; raise FormatDeclarationError naming an unknown format or zone."""
    zone = parse_timezone(timezone_name) if timezone_name else None
    declared = []
    chosen = None
    for row in LogFormat.objects.all():
        try:
            compiled = row.compile(timezone_name or None)
        except FormatDeclarationError as exc:
            logger.warning("Declared log format %r is left out: %s", row.name, exc)
            continue
        declared.append(compiled)
        if row.name == format_name:
            chosen = compiled
    if format_name and chosen is None:
        chosen = NAMED.get(format_name)
        if chosen is None:
            known = ", ".join(sorted({*NAMED, *(fmt.name for fmt in declared)}))
            raise FormatDeclarationError(f"No log format named {format_name!r}; known formats: {known}. "
                                           "Declare it in the admin (Log formats) or leave `format` out to detect.",
                                         field="format")
    return ParseOptions(log_format=chosen, timezone=zone, declared=tuple(declared))
