"""HDFS (Hadoop 0.x DataNode/NameNode logs): `081109 203615 148 INFO dfs.DataNode$PacketResponder: message`."""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine


class HdfsFormat(LogFormat):
    """`yyMMdd HHmmss`, then the thread id (the process), level and component (the source); yy is 20yy."""

    name = "hdfs"
    pattern = re.compile(
        r"(?P<y>\d\d)(?P<mo>\d\d)(?P<d>\d\d) (?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d) (?P<pid>\d+) "
        r"(?P<level>[A-Z]+) (?P<source>[^\s:]+): ?(?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        year, month, day, hour, minute, second, pid, level, source, message = match.groups()
        timestamp = datetime(2000 + int(year), int(month), int(day), int(hour), int(minute), int(second),
                             tzinfo=context.default_timezone)
        return ParsedLine(line_number, timestamp, normalize_level(level), source, "", pid, message, line, True)
