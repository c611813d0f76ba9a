"""BSD syslog (RFC 3164) as written by syslogd/rsyslog: `Jun 14 15:16:01 host program[pid]: message`."""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import SYSLOG_SEVERITIES, level_from_message
from dashboard.ingest.records import ParseContext, ParsedLine
from dashboard.ingest.timestamps import MONTHS, from_iso


class SyslogFormat(LogFormat):
    """
    Syslog lines, year-less (`Jun 14 15:16:01`) or with rsyslog's ISO timestamp.

    The year of a year-less line comes from `ParseContext.year_for`. The level is exact when the
    line keeps its `<PRI>` prefix; otherwise it is only what the message itself states up front
    (see `level_from_message`), else UNKNOWN. The tag may be missing (`last message repeated`),
    may lack a pid (`kernel:`) and, in real files, may hold spaces (`syslogd 1.4.1:`).
    """

    name = "syslog"
    pattern = re.compile(
        r"(?:<(?P<pri>1[0-8]\d|19[01]|\d{1,2})>)?"  # PRI: 0-191
        r"(?:(?P<month>" + "|".join(MONTHS) + r") +(?P<day>\d{1,2}) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)"
        r"|(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?))"
        r" +(?P<host>\S+) +"
        r"(?:(?P<tag>[^:\[\]\s][^:\[\]]{0,47}?)(?:\[(?P<pid>\d+)\])?: ?)?"
        r"(?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        pri, month, day, hour, minute, second, iso, host, tag, pid, message = match.groups()
        if iso is None:
            month_number, day_number = MONTHS[month], int(day)
            timestamp = datetime(context.year_for(month_number, day_number), month_number, day_number,
                                 int(hour), int(minute), int(second), tzinfo=context.default_timezone)
        else:
            timestamp = from_iso(iso, context.default_timezone)
        level = SYSLOG_SEVERITIES[int(pri) % 8] if pri is not None else level_from_message(message)
        return ParsedLine(line_number, timestamp, level, tag or "", host, pid or "", message, line, True)
