"""What an upload may say about its own format: a format to use, a time zone, the declared formats to try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from dashboard.ingest.formats import LogFormat


@dataclass(frozen=True)
class ParseOptions:
    """
    `log_format` skips detection; `timezone` is the zone of times written without one;
    `declared` are the operator's formats, tried before the named ones.
    """

    log_format: LogFormat | None = None
    timezone: tzinfo | None = None
    declared: tuple[LogFormat, ...] = ()
