"""Apache httpd error log, 2.2 (`[Sun Dec 04 04:47:44 2005] [error] ...`) and 2.4 (`[core:error] [pid N:tid M]`)."""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine
from dashboard.ingest.timestamps import MONTHS, microseconds


class ApacheErrorFormat(LogFormat):
    """
    The error log: the source is the 2.4 module (`core`, `ssl`), empty in 2.2; the process is
    `pid` or `pid-tid`. `[client ...]` stays in the message: it names the peer, not this host.
    """

    name = "apache_error"
    pattern = re.compile(
        r"\[[A-Z][a-z]{2} (?P<month>" + "|".join(MONTHS) + r") +(?P<day>\d{1,2}) "
        r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:\.(?P<frac>\d{1,6}))? (?P<year>\d{4})\] "
        r"\[(?:(?P<module>[\w-]+):)?(?P<level>[a-z]+\d?)\]"
        r"(?: \[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\])? ?"
        r"(?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        month, day, hour, minute, second, fraction, year, module, level, pid, tid, message = match.groups()
        timestamp = datetime(int(year), MONTHS[month], int(day), int(hour), int(minute), int(second),
                             microseconds(fraction), tzinfo=context.default_timezone)
        process = f"{pid}-{tid}" if tid else pid or ""
        return ParsedLine(line_number, timestamp, normalize_level(level), module or "", "", process, message, line,
                          True)
