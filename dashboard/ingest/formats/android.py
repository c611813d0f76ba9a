"""Android logcat, `threadtime` layout: `03-17 16:13:38.811  1702  2395 D WindowManager: message`."""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine
from dashboard.ingest.timestamps import microseconds


class AndroidFormat(LogFormat):
    """
    The tag is the source (logcat pads it with spaces before the colon), the process is
    `pid-tid`, the one-letter priority (V D I W E F A) the level. The year is only present
    with `logcat -v year`; otherwise it comes from `ParseContext.year_for`.
    """

    name = "android"
    pattern = re.compile(
        r"(?:(?P<year>\d{4})-)?(?P<mo>\d\d)-(?P<d>\d\d) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)\.(?P<frac>\d{3,6}) +"
        r"(?P<pid>\d+) +(?P<tid>\d+) (?P<level>[VDIWEFAS]) (?P<source>.*?) *: ?(?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        year, month, day, hour, minute, second, fraction, pid, tid, level, source, message = match.groups()
        month_number, day_number = int(month), int(day)
        year_number = int(year) if year else context.year_for(month_number, day_number)
        timestamp = datetime(year_number, month_number, day_number, int(hour), int(minute), int(second),
                             microseconds(fraction), tzinfo=context.default_timezone)
        return ParsedLine(line_number, timestamp, normalize_level(level), source, "", f"{pid}-{tid}", message, line,
                          True)
