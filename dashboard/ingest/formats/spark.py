"""Spark's default log4j layout: `17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: message`."""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine


class SparkFormat(LogFormat):
    """`yy/MM/dd HH:mm:ss`, level, and the logger (the source); yy is 20yy. No thread is printed."""

    name = "spark"
    pattern = re.compile(
        r"(?P<y>\d\d)/(?P<mo>\d\d)/(?P<d>\d\d) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d) "
        r"(?P<level>[A-Z]+) (?P<source>[^\s:]+): ?(?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        year, month, day, hour, minute, second, level, source, message = match.groups()
        timestamp = datetime(2000 + int(year), int(month), int(day), int(hour), int(minute), int(second),
                             tzinfo=context.default_timezone)
        return ParsedLine(line_number, timestamp, normalize_level(level), source, "", "", message, line, True)
