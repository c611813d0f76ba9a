"""Every parser against the real Loghub samples, then the variants the samples do not show."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dashboard.ingest import ParsedLine, open_log_text, parse_lines
from dashboard.ingest.formats import (
    AndroidFormat,
    ApacheErrorFormat,
    HdfsFormat,
    JsonLinesFormat,
    Log4jFormat,
    SparkFormat,
    SyslogFormat,
    ZookeeperFormat,
)
from dashboard.ingest.records import ParseContext

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CONTEXT = ParseContext(NOW, UTC)


def parse_sample(path: Path, now: datetime) -> tuple[str, list[ParsedLine]]:
    with path.open("rb") as fileobj:
        log_format, lines = parse_lines(
            open_log_text(fileobj, max_decompressed_bytes=10 * 1024 * 1024, max_line_bytes=1024 * 1024), now=now
        )
        return log_format.name, list(lines)


# file, format, `now` inside the year the sample was written (so year-less lines land in it),
# the earliest and latest timestamps in it (found with `sort`), a regex finding the level as written, and the canonical
# level of each spelling. Counting with that regex is independent of the parsers.
SAMPLES = [
    ("Android_2k.log", "android", datetime(2017, 12, 31, tzinfo=UTC),
     (datetime(2017, 3, 17, 16, 13, 38, 811000), datetime(2017, 3, 17, 16, 16, 9, 141000)),
     r"^\S+ \S+ +\d+ +\d+ ([VDIWEF]) ", {"V": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR"}),
    ("Apache_2k.log", "apache_error", NOW,
     (datetime(2005, 12, 4, 4, 47, 44), datetime(2005, 12, 5, 19, 15, 57)),
     r"^\[[^]]+\] \[(\w+)\]", {"notice": "INFO", "error": "ERROR"}),
    ("HDFS_2k.log", "hdfs", NOW,
     (datetime(2008, 11, 9, 20, 36, 15), datetime(2008, 11, 11, 10, 20, 17)),
     r"^\d{6} \d{6} \d+ (\w+) ", {"INFO": "INFO", "WARN": "WARNING"}),
    ("Hadoop_2k.log", "log4j", NOW,
     (datetime(2015, 10, 18, 18, 1, 47, 978000), datetime(2015, 10, 18, 18, 10, 55, 202000)),
     r"^\S+ \S+ (\w+) \[", {"INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR", "FATAL": "CRITICAL"}),
    ("Linux_2k.log", "syslog", datetime(2005, 12, 31, tzinfo=UTC),
     (datetime(2005, 6, 14, 15, 16, 1), datetime(2005, 7, 27, 14, 42, 0)),
     r"^\w{3} +\d+ \S+ \S+ +[^:]+: (?:(error|warning|fatal): )?", {None: "UNKNOWN", "warning": "WARNING"}),
    ("OpenSSH_2k.log", "syslog", datetime(2015, 12, 31, tzinfo=UTC),
     (datetime(2015, 12, 10, 6, 55, 46), datetime(2015, 12, 10, 11, 4, 45)),
     r"^\w{3} +\d+ \S+ \S+ +[^:]+: (?:(error|warning|fatal): )?",
     {None: "UNKNOWN", "error": "ERROR", "fatal": "CRITICAL"}),
    ("Spark_2k.log", "spark", NOW,
     (datetime(2017, 6, 9, 20, 10, 40), datetime(2017, 6, 9, 20, 11, 11)),
     r"^\S+ \S+ (\w+) ", {"INFO": "INFO"}),
    ("Zookeeper_2k.log", "zookeeper", NOW,
     (datetime(2015, 7, 29, 17, 41, 44, 747000), datetime(2015, 8, 25, 11, 26, 28, 145000)),
     r"^\S+ \S+ - (\w+) +\[", {"INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR"}),
]


@pytest.mark.parametrize(("filename", "format_name", "now", "time_range", "level_regex", "level_map"), SAMPLES,
                         ids=[sample[0] for sample in SAMPLES])
class TestLoghubSample:
    def test_every_line_is_parsed(self, loghub_dir, filename, format_name, now, time_range, level_regex, level_map):
        name, lines = parse_sample(loghub_dir / filename, now)
        assert name == format_name
        assert len(lines) == 2000
        # Not one sample line fails its pattern: the 2k samples hold no stack traces or wrapped lines.
        assert [line.raw for line in lines if not line.parsed] == []
        assert [line.line_number for line in lines] == list(range(1, 2001))

    def test_timestamps_are_in_the_files_real_range(self, loghub_dir, filename, format_name, now, time_range,
                                                    level_regex, level_map):
        _, lines = parse_sample(loghub_dir / filename, now)
        first, last = (moment.replace(tzinfo=UTC) for moment in time_range)
        timestamps = [line.timestamp for line in lines]
        assert all(moment.tzinfo is not None for moment in timestamps)
        assert (min(timestamps), max(timestamps)) == (first, last)

    def test_levels_match_an_independent_count(self, loghub_dir, filename, format_name, now, time_range,
                                               level_regex, level_map):
        _, lines = parse_sample(loghub_dir / filename, now)
        pattern = re.compile(level_regex)
        raw_lines = [line for line in (loghub_dir / filename).read_text().splitlines() if line.strip()]
        expected = Counter(level_map[pattern.match(line).group(1)] for line in raw_lines)
        assert Counter(line.level for line in lines) == expected


def test_first_lines_are_split_into_the_right_fields(loghub_dir):
    expected = {
        "Android_2k.log": ("WindowManager", "", "1702-2395", "DEBUG",
                           "printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 "),
        "Apache_2k.log": ("", "", "", "INFO", "workerEnv.init() ok /etc/httpd/conf/workers2.properties"),
        "HDFS_2k.log": ("dfs.DataNode$PacketResponder", "", "148", "INFO",
                        "PacketResponder 1 for block blk_38865049064139660 terminating"),
        "Hadoop_2k.log": ("org.apache.hadoop.mapreduce.v2.app.MRAppMaster", "", "main", "INFO",
                          "Created MRAppMaster for application appattempt_1445144423722_0020_000001"),
        "Linux_2k.log": ("sshd(pam_unix)", "combo", "19939", "UNKNOWN",
                         "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 "),
        "OpenSSH_2k.log": ("sshd", "LabSZ", "24200", "UNKNOWN",
                           "reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed"),
        "Spark_2k.log": ("executor.CoarseGrainedExecutorBackend", "", "", "INFO",
                         "Registered signal handlers for [TERM, HUP, INT]"),
        "Zookeeper_2k.log": ("FastLeaderElection", "", "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181", "INFO",
                             "Notification time out: 3200"),
    }
    for filename, (source, host, process, level, message_start) in expected.items():
        _, lines = parse_sample(loghub_dir / filename, NOW)
        first = lines[0]
        assert (first.source, first.host, first.process, first.level) == (source, host, process, level), filename
        assert first.message.startswith(message_start), filename
        assert first.raw == (loghub_dir / filename).read_text().splitlines()[0], filename


def test_odd_lines_of_the_samples(loghub_dir):
    _, linux = parse_sample(loghub_dir / "Linux_2k.log", NOW)
    by_number = {line.line_number: line for line in linux}
    assert (by_number[146].source, by_number[146].process, by_number[146].message) == ("syslogd 1.4.1", "", "restart.")
    assert (by_number[899].source, by_number[899].process) == ("-- root", "2421")
    _, zookeeper = parse_sample(loghub_dir / "Zookeeper_2k.log", NOW)
    thread_with_colons = next(line for line in zookeeper if "ProcessThread" in line.raw)
    assert thread_with_colons.process == "ProcessThread(sid:1 cport:-1):"
    assert thread_with_colons.source == "PrepRequestProcessor"
    _, hadoop = parse_sample(loghub_dir / "Hadoop_2k.log", NOW)
    assert {line.process for line in hadoop} >= {"RMCommunicator Allocator", "IPC Server handler 14 on 62270"}


class TestSyslog:
    def parse(self, line: str) -> ParsedLine | None:
        return SyslogFormat().parse(line, 1, CONTEXT)

    def test_a_line_without_pid(self):
        line = self.parse("Jun 19 04:09:11 combo kernel: Linux version 2.6.5-1.358")
        assert (line.source, line.process, line.host) == ("kernel", "", "combo")
        assert line.message == "Linux version 2.6.5-1.358"
        assert line.timestamp == datetime(2026, 6, 19, 4, 9, 11, tzinfo=UTC)

    def test_a_line_without_tag(self):
        line = self.parse("Jul  3 04:08:03 combo last message repeated 2 times")
        assert (line.source, line.message) == ("", "last message repeated 2 times")

    def test_the_pri_prefix_gives_the_level(self):
        assert self.parse("<11>Jun 19 04:09:11 web nginx[12]: upstream timed out").level == "ERROR"  # 8 + 3
        assert self.parse("<14>Jun 19 04:09:11 web nginx[12]: error: not really").level == "INFO"  # 8 + 6

    def test_rsyslog_iso_timestamps(self):
        line = self.parse("2024-03-01T10:00:00.123456+01:00 web cron[7]: job done")
        assert line.timestamp == datetime(2024, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
        assert (line.source, line.process, line.message) == ("cron", "7", "job done")

    def test_a_stated_severity_is_used_and_nothing_else(self):
        assert self.parse("Dec 10 07:51:15 LabSZ sshd[24324]: error: Received disconnect").level == "ERROR"
        assert self.parse("Dec 10 07:51:15 LabSZ sshd[24324]: authentication failure").level == "UNKNOWN"


def test_apache_24_error_log():
    line = ApacheErrorFormat().parse(
        "[Wed Oct 11 14:32:52.123456 2023] [core:error] [pid 1234:tid 5678] [client 10.0.0.1:5555] AH00037: "
        "Symbolic link not allowed", 1, CONTEXT)
    assert line.timestamp == datetime(2023, 10, 11, 14, 32, 52, 123456, tzinfo=UTC)
    assert (line.level, line.source, line.process) == ("ERROR", "core", "1234-5678")
    assert line.message == "[client 10.0.0.1:5555] AH00037: Symbolic link not allowed"
    assert ApacheErrorFormat().parse("[Wed Oct 11 14:32:52 2023] [ssl:trace3] x", 1, CONTEXT).level == "DEBUG"


def test_log4j_without_thread_and_with_iso_t():
    line = Log4jFormat().parse("2024-01-02T03:04:05.006 ERROR com.example.Job: boom", 1, CONTEXT)
    assert (line.level, line.source, line.process, line.message) == ("ERROR", "com.example.Job", "", "boom")
    assert line.timestamp == datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)


def test_zookeeper_is_not_mistaken_for_hadoop_log4j():
    line = "2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@688] - Send worker"
    assert not Log4jFormat().matches(line)
    parsed = ZookeeperFormat().parse(line, 1, CONTEXT)
    assert (parsed.process, parsed.source, parsed.message) == ("SendWorker:188978561024",
                                                              "QuorumCnxManager$SendWorker", "Send worker")


def test_two_digit_years_are_this_century():
    assert HdfsFormat().parse("991231 235959 1 INFO a.B: x", 1, CONTEXT).timestamp.year == 2099
    assert SparkFormat().parse("00/01/01 00:00:00 WARN a.B: x", 1, CONTEXT).timestamp.year == 2000


def test_android_variants():
    padded = AndroidFormat().parse("03-17 16:13:38.811  1702  2395 I chatty  : uid=1000 expire 3 lines", 1, CONTEXT)
    assert (padded.source, padded.message, padded.level) == ("chatty", "uid=1000 expire 3 lines", "INFO")
    with_year = AndroidFormat().parse("2019-03-17 16:13:38.811  1702  2395 F libc    : Fatal signal 11", 1, CONTEXT)
    assert (with_year.timestamp.year, with_year.level) == (2019, "CRITICAL")


def test_a_matching_shape_with_an_impossible_date_is_not_parsed():
    assert HdfsFormat().parse("081332 203615 148 INFO dfs.DataNode: x", 1, CONTEXT) is None
    assert Log4jFormat().parse("2015-02-30 18:01:47,978 INFO [main] a.B: x", 1, CONTEXT) is None


class TestJsonLines:
    def parse(self, line: str, context: ParseContext = CONTEXT) -> ParsedLine | None:
        return JsonLinesFormat().parse(line, 7, context)

    def test_common_keys(self):
        line = self.parse('{"@timestamp": "2024-05-01T10:00:00Z", "level": "warn", "message": "disk 91%", '
                          '"logger": "monitor", "host": "db1", "pid": 42}')
        assert line == ParsedLine(7, datetime(2024, 5, 1, 10, tzinfo=UTC), "WARNING", "monitor", "db1", "42",
                                  "disk 91%", line.raw, True)

    def test_python_json_logger_keys(self):
        line = self.parse('{"asctime": "2024-05-01 10:00:00,250", "levelname": "ERROR", "name": "app.views", '
                          '"msg": "boom", "hostname": "web2", "thread": "MainThread"}')
        assert (line.timestamp, line.level, line.source, line.host, line.process, line.message) == (
            datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC), "ERROR", "app.views", "web2", "MainThread", "boom")

    @pytest.mark.parametrize("value", ["1714557600", "1714557600000", 1714557600, 1714557600000, 1714557600.0,
                                       1714557600_000_000, "2024-05-01T10:00:00+00:00"])
    def test_epoch_and_iso_timestamps(self, value):
        line = self.parse(json.dumps({"ts": value, "msg": "x"}))
        assert line.timestamp == datetime(2024, 5, 1, 10, tzinfo=UTC)

    def test_a_naive_timestamp_is_in_the_default_time_zone(self):
        paris = timezone(timedelta(hours=2))
        line = self.parse('{"time": "2024-05-01T12:00:00", "msg": "x"}', ParseContext(NOW, paris))
        assert line.timestamp == datetime(2024, 5, 1, 10, tzinfo=UTC)

    def test_what_is_missing_or_unreadable_stays_empty(self):
        line = self.parse('{"time": "yesterday", "level": 30, "host": {"name": "db1"}}')
        assert (line.timestamp, line.level, line.message) == (None, "UNKNOWN", line.raw)
        assert line.host == '{"name":"db1"}'
        assert (line.source, line.process, line.parsed) == ("", "", True)

    def test_docker_json_file_and_ecs(self):
        docker = self.parse('{"log":"GET / 200\\n","stream":"stdout","time":"2024-05-01T10:00:00.5Z"}')
        assert (docker.message, docker.timestamp.microsecond) == ("GET / 200\n", 500000)
        assert self.parse('{"log.level": "critical", "message": "x"}').level == "CRITICAL"

    @pytest.mark.parametrize("line", ["[1, 2]", "{not json", '"text"', "plain text"])
    def test_anything_but_an_object_is_not_parsed(self, line):
        assert self.parse(line) is None
