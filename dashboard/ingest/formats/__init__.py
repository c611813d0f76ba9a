"""
The log formats logdash recognises, one strategy class per module.

`FORMATS` is the order detection tries them in; on a tie the earlier wins, so the more
specific layouts come first.
"""

from __future__ import annotations

from dashboard.ingest.formats.android import AndroidFormat
from dashboard.ingest.formats.apache import ApacheErrorFormat
from dashboard.ingest.formats.base import LogFormat, UnknownFormat
from dashboard.ingest.formats.hdfs import HdfsFormat
from dashboard.ingest.formats.jsonl import JsonLinesFormat
from dashboard.ingest.formats.log4j import Log4jFormat, ZookeeperFormat
from dashboard.ingest.formats.spark import SparkFormat
from dashboard.ingest.formats.syslog import SyslogFormat

FORMATS: tuple[LogFormat, ...] = (
    JsonLinesFormat(),
    ZookeeperFormat(),
    Log4jFormat(),
    HdfsFormat(),
    SparkFormat(),
    AndroidFormat(),
    ApacheErrorFormat(),
    SyslogFormat(),
)
UNKNOWN_FORMAT = UnknownFormat()

__all__ = [
    "FORMATS",
    "UNKNOWN_FORMAT",
    "AndroidFormat",
    "ApacheErrorFormat",
    "HdfsFormat",
    "JsonLinesFormat",
    "Log4jFormat",
    "LogFormat",
    "SparkFormat",
    "SyslogFormat",
    "UnknownFormat",
    "ZookeeperFormat",
]
