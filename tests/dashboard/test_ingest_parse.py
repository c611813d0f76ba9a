"""parse_lines: detection on a sample, lazy parsing, line numbers, unparsed lines and year inference."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dashboard.ingest import ParsedLine, parse_lines
from dashboard.ingest.records import ParseContext

HADOOP_WITH_TRACE = [
    "2015-10-18 18:05:01,100 INFO [main] org.example.Job: starting",
    "",
    "2015-10-18 18:05:02,200 ERROR [main] org.example.Job: failed",
    "java.io.IOException: Connection reset",
    "\tat org.example.Job.run(Job.java:42)",
    "   ",
    "2015-10-18 18:05:03,300 WARN [main] org.example.Job: retrying",
]


def test_blank_lines_are_skipped_but_numbering_stays_true():
    log_format, lines = parse_lines(HADOOP_WITH_TRACE)
    lines = list(lines)
    assert log_format.name == "log4j"
    assert [line.line_number for line in lines] == [1, 3, 4, 5, 7]


def test_unparsed_lines_are_kept_whole_beside_the_previous_entry():
    _, lines = parse_lines(HADOOP_WITH_TRACE)
    trace = [line for line in lines if not line.parsed]
    assert trace == [
        ParsedLine(4, datetime(2015, 10, 18, 18, 5, 2, 200000, tzinfo=UTC), "UNKNOWN", "", "", "",
                   "java.io.IOException: Connection reset", "java.io.IOException: Connection reset", False),
        ParsedLine(5, datetime(2015, 10, 18, 18, 5, 2, 200000, tzinfo=UTC), "UNKNOWN", "", "", "",
                   "\tat org.example.Job.run(Job.java:42)", "\tat org.example.Job.run(Job.java:42)", False),
    ]


def test_an_unparsed_line_before_any_entry_has_no_time():
    _, lines = parse_lines(["Starting up...", *HADOOP_WITH_TRACE])
    assert next(lines).timestamp is None


def test_unknown_format_keeps_every_line():
    log_format, lines = parse_lines(["hello", "world"])
    assert log_format.name == "unknown"
    assert [(line.message, line.parsed, line.level) for line in lines] == [("hello", False, "UNKNOWN"),
                                                                           ("world", False, "UNKNOWN")]


def test_detection_reads_only_the_sample_and_parsing_is_lazy():
    consumed = []

    def source():
        for number in range(1000):
            consumed.append(number)
            yield f"17/06/09 20:10:40 INFO spark.Job: line {number}"

    log_format, lines = parse_lines(source(), sample_size=10)
    assert (log_format.name, len(consumed)) == ("spark", 10)
    assert [next(lines).message for _ in range(12)] == [f"line {n}" for n in range(12)]
    assert len(consumed) == 12
    assert sum(1 for _ in lines) == 988


def test_default_timezone_applies_to_timestamps_without_one():
    paris = ZoneInfo("Europe/Paris")
    _, lines = parse_lines(["081109 203615 148 INFO dfs.DataNode: x"], default_timezone=paris)
    assert next(lines).timestamp == datetime(2008, 11, 9, 19, 36, 15, tzinfo=UTC)


class TestYearInference:
    """A year-less line takes `now`'s year, unless that puts it over a day in the future."""

    def year(self, line: str, now: datetime) -> int:
        _, lines = parse_lines([line], now=now)
        return next(lines).timestamp.year

    def test_across_new_year(self):
        now = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
        assert self.year("Dec 31 23:59:59 host cron[1]: x", now) == 2025
        assert self.year("Jan  1 00:00:01 host cron[1]: x", now) == 2026
        assert self.year("12-31 23:59:59.000  1  2 I Tag: x", now) == 2025

    def test_a_day_ahead_is_tolerated_two_are_not(self):
        now = datetime(2026, 6, 14, 10, 0, tzinfo=UTC)
        assert self.year("Jun 15 23:00:00 host cron[1]: x", now) == 2026
        assert self.year("Jun 16 00:00:00 host cron[1]: x", now) == 2025

    def test_february_29_goes_back_to_a_leap_year(self):
        assert self.year("Feb 29 12:00:00 host cron[1]: x", datetime(2026, 3, 10, tzinfo=UTC)) == 2024
        assert self.year("Feb 29 12:00:00 host cron[1]: x", datetime(2028, 3, 10, tzinfo=UTC)) == 2028

    def test_a_naive_now_is_read_in_the_default_time_zone(self):
        context = ParseContext(datetime(2026, 1, 2), ZoneInfo("Pacific/Auckland"))
        assert context.now.tzinfo == ZoneInfo("Pacific/Auckland")
        assert context.year_for(12, 31) == 2025

    def test_an_impossible_date_is_not_a_year_question(self):
        with pytest.raises(ValueError, match="day is out of range"):
            ParseContext(datetime(2026, 1, 2, tzinfo=UTC), UTC).year_for(4, 31)

    def test_now_defaults_to_the_product_clock(self, clock):
        _, lines = parse_lines(["Jan  1 00:00:00 host cron[1]: x", "Dec 31 23:00:00 host cron[1]: x"])
        assert [line.timestamp.year for line in lines] == [2026, 2025]  # the clock says 2026-03-10
        clock.move_to(datetime(2027, 1, 1, 0, 5, tzinfo=UTC))
        _, lines = parse_lines(["Dec 31 23:00:00 host cron[1]: x"])
        assert next(lines).timestamp == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
