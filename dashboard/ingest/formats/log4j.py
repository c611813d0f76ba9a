"""Java log4j layouts: Hadoop's `%d %p [%t] %c: %m` and ZooKeeper's `%d - %-5p [%t:%C{1}@%L] - %m`."""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine
from dashboard.ingest.timestamps import microseconds

_ISO_DATE_TIME = (r"(?P<Y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)[ T](?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)"
                  r"(?:[,.](?P<frac>\d{1,9}))?")


class Log4jFormat(LogFormat):
    """
    `2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop...MRAppMaster: message`: the source is
    the logger, the process the thread (which may hold spaces: `IPC Server handler 9 on 62270`;
    it may also be absent). Stack-trace lines that follow an entry match nothing and are kept
    as unparsed lines next to it.
    """

    name = "log4j"
    pattern = re.compile(
        _ISO_DATE_TIME + r" +(?P<level>[A-Z]+) +(?:\[(?P<thread>.*?)\] +)?(?P<source>[^\s:\[]+): ?(?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        year, month, day, hour, minute, second, fraction, level, thread, source, message = match.groups()
        timestamp = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                             microseconds(fraction), tzinfo=context.default_timezone)
        return ParsedLine(line_number, timestamp, normalize_level(level), source, "", thread or "", message, line,
                          True)


class ZookeeperFormat(LogFormat):
    """
    `2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - msg`:
    the source is the class (without the `@line`), the process the thread, which may hold
    brackets, colons and spaces (`ProcessThread(sid:1 cport:-1):`), so the class is found as
    the first `:Class@line] - ` rather than by splitting on a colon.
    """

    name = "zookeeper"
    pattern = re.compile(
        _ISO_DATE_TIME + r" - (?P<level>[A-Z]+) +\[(?P<thread>.*?):(?P<source>[\w$.]+)@\d+\] - (?P<message>.*)"
    )

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        year, month, day, hour, minute, second, fraction, level, thread, source, message = match.groups()
        timestamp = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                             microseconds(fraction), tzinfo=context.default_timezone)
        return ParsedLine(line_number, timestamp, normalize_level(level), source, "", thread, message, line, True)
