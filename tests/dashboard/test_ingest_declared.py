"""Declared formats without the database: the layout translation, epochs, zones, and the reasons for refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dashboard.ingest import parse_lines
from dashboard.ingest.formats.declared import DeclaredFormat, FormatDeclarationError
from dashboard.ingest.records import ParseContext

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
CONTEXT = ParseContext(NOW, UTC)


def test_a_strftime_layout_reads_its_fields_in_the_declared_zone():
    declared = DeclaredFormat("eu", r"(?P<timestamp>.{23}) (?P<level>\w+) (?P<source>\w+): (?P<message>.*)",
                              "%d.%m.%Y %H:%M:%S,%f", "Europe/Paris")
    line = declared.check("03.04.2026 10:11:12,345 warn billing: card declined", CONTEXT)
    assert line.timestamp == datetime(2026, 4, 3, 10, 11, 12, 345000, tzinfo=ZoneInfo("Europe/Paris"))
    assert (line.level, line.source, line.message) == ("WARNING", "billing", "card declined")


@pytest.mark.parametrize(("layout", "value", "expected"), [
    ("epoch", "1717171717.25", datetime(2024, 5, 31, 16, 8, 37, 250000, tzinfo=UTC)),
    ("epoch_ms", "1717171717123", datetime(2024, 5, 31, 16, 8, 37, 123000, tzinfo=UTC)),
    ("epoch_ns", "1717171717123456789", datetime(2024, 5, 31, 16, 8, 37, 123456, tzinfo=UTC)),
])
def test_epoch_layouts_keep_their_precision(layout, value, expected):
    declared = DeclaredFormat("e", r"(?P<timestamp>[\d.]+) (?P<message>.*)", layout)
    assert declared.check(f"{value} started", CONTEXT).timestamp == expected


def test_a_year_less_layout_takes_the_year_of_now():
    declared = DeclaredFormat("y", r"\[(?P<timestamp>[^\]]+)\] (?P<message>.*)", "%b %d %I:%M:%S %p")
    assert declared.check("[Mar 02 01:05:00 PM] up", CONTEXT).timestamp == datetime(2026, 3, 2, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(("pattern", "layout", "zone", "field", "words"), [
    (r"(?P<timestamp>\S+", "%Y", "UTC", "pattern", "does not compile"),
    (r"(?P<time>\S+)", "%Y-%m-%d %H:%M:%S", "UTC", "pattern", "no (?P<timestamp>"),
    (r"(?P<timestamp>\S+) (?P<thread>\S+)", "%Y-%m-%d %H:%M:%S", "UTC", "pattern", "thread"),
    (r"(?P<timestamp>\S+)", "%Y-%m-%d %H:%M:%S %Q", "UTC", "timestamp_layout", "%Q"),
    (r"(?P<timestamp>\S+)", "%Y-%m-%d", "UTC", "timestamp_layout", "needs a day"),
    (r"(?P<timestamp>\S+)", "%Y-%m-%dT%H:%M:%S", "Mars/Olympus", "timezone", "'Mars/Olympus'"),
])
def test_a_declaration_that_cannot_work_is_refused_with_the_reason(pattern, layout, zone, field, words):
    with pytest.raises(FormatDeclarationError) as refused:
        DeclaredFormat("bad", pattern, layout, zone)
    assert refused.value.field == field and words in str(refused.value)


def test_an_example_that_does_not_read_is_refused():
    declared = DeclaredFormat("us", r"(?P<timestamp>\S+ \S+) (?P<message>.*)", "%m/%d/%Y %H:%M:%S")
    with pytest.raises(FormatDeclarationError, match=r"month must be in 1\.\.12"):
        declared.check("31/01/2026 10:00:00 hello", CONTEXT)
    with pytest.raises(FormatDeclarationError, match="does not match the example"):
        declared.check("hello", CONTEXT)


def test_declared_formats_are_detected_before_named_ones():
    lines = [f"Jun 14 15:16:0{n} combo sshd[1]: hello" for n in range(5)]
    mine = DeclaredFormat("mine", r"(?P<timestamp>\w{3} \d\d [\d:]{8}) (?P<host>\S+) (?P<message>.*)",
                          "%b %d %H:%M:%S")
    assert parse_lines(lines, now=NOW)[0].name == "syslog"
    assert parse_lines(lines, now=NOW, declared=[mine])[0].name == "mine"
