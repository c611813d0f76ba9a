"""
The structure finder against ground truth: Loghub's hand-made parses and synthetic logs of 54 layouts.

Everything goes through `parse_lines(..., named=False)`, the generic path alone, with `now`
pinned so that year-less layouts do not depend on the day the tests run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dashboard.ingest import parse_lines
from dashboard.ingest.finder import find_structure
from dashboard.ingest.report import ParseReport
from tests.dashboard.loghub_truth import load_truth
from tests.dashboard.synthetic_logs import LAYOUTS, generate

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
LOGHUB_SAMPLES = ("Android", "Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "Spark", "Zookeeper")
REQUIRED_SHARE = 0.99


def _shares(parsed, truths, time_matches) -> tuple[float, float | None]:
    times = sum(1 for line, truth in zip(parsed, truths, strict=True) if line.parsed and time_matches(line, truth))
    with_level = [(line, truth) for line, truth in zip(parsed, truths, strict=True) if truth.level]
    levels = sum(1 for line, truth in with_level if line.level == truth.level)
    return times / len(truths), (levels / len(with_level) if with_level else None)


@pytest.mark.parametrize("name", LOGHUB_SAMPLES)
def test_generic_path_reads_loghub_samples_like_their_hand_made_parse(loghub_dir, name):
    path = loghub_dir / f"{name}_2k.log"
    lines = path.read_text(encoding="utf-8").splitlines()
    log_format, parsed = parse_lines(lines, now=NOW, named=False)
    assert log_format.name == "generic"
    time_share, level_share = _shares(list(parsed), load_truth(path),
                                      lambda line, truth: truth.time_matches(line.timestamp))
    assert time_share >= REQUIRED_SHARE, log_format.structure.describe()
    assert level_share is None or level_share >= REQUIRED_SHARE, log_format.structure.describe()


def test_the_synthetic_catalogue_covers_at_least_forty_layouts():
    assert len({layout.name for layout in LAYOUTS}) >= 40


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_generic_path_reads_synthetic_layouts(layout):
    lines = generate(layout, now=NOW)
    log_format, parsed = parse_lines([line.text for line in lines], now=NOW, named=False)
    assert log_format.name == "generic", lines[0].text
    time_share, level_share = _shares(list(parsed), lines, lambda line, truth: line.timestamp == truth.timestamp)
    assert time_share >= REQUIRED_SHARE, log_format.structure.describe()
    assert level_share is None or level_share >= REQUIRED_SHARE, log_format.structure.describe()


def test_a_timestamp_identical_on_every_line_is_not_the_lines_time():
    lines = [f"report-2020-01-01 00:00:00 item {n} counted" for n in range(50)]
    assert find_structure(lines, now=NOW) is None


def test_numbers_outside_1995_to_2100_are_not_epochs():
    lines = [f"{123456789 + n * 1000} bytes copied to disk {n}" for n in range(50)]  # 1973
    assert find_structure(lines, now=NOW) is None


def test_day_and_month_order_follow_the_dates_that_exist():
    lines = [f"{day:02d}/03/2026 10:00:{n:02d} INFO step {n}" for n, day in enumerate(range(1, 15))]
    structure = find_structure(lines, now=NOW)
    assert structure.layout.name == "day-month-year time"
    _, parsed = parse_lines(lines, now=NOW, named=False)
    assert next(parsed).timestamp == datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)


def test_year_less_lines_take_the_year_that_is_not_in_the_future():
    january = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
    lines = [f"Dec 31 23:59:{n:02d} host app: tick {n}" for n in range(20)]
    _, parsed = parse_lines(lines, now=january, named=False)
    assert next(parsed).timestamp == datetime(2026, 12, 31, 23, 59, 0, tzinfo=UTC)


def test_single_letters_are_a_level_only_as_a_consistent_column():
    # "I" and "A" are letters of the logcat vocabulary, but here only on 2 lines of 3 and 1 of 2.
    lines = [f"2026-03-01 10:00:{n:02d} worker {'I' if n % 3 else 'x'} said {'A' if n % 2 else 'yes'} ok"
             for n in range(40)]
    structure = find_structure(lines, now=NOW)
    assert structure.level_after is None and structure.level_before is None


def test_the_report_says_what_was_decided_and_how_much_was_read():
    lines = ["2026-03-01 10:00:00,123 node-1 ERROR disk full", "   at a stack frame",
             *(f"2026-03-01 10:00:{n:02d},500 node-1 INFO ok {n}" for n in range(1, 30))]
    report = ParseReport()
    _, parsed = parse_lines(lines, now=NOW, named=False, report=report)
    assert sum(1 for _ in parsed) == 31
    assert report.description.startswith("timestamp `%Y-%m-%d %H:%M:%S,%f` (year-month-day time) at token 1")
    assert "level at token 4" in report.description
    assert (report.with_timestamp, report.with_level, report.lines) == (30, 30, 31)
    assert report.unmatched == [{"line": 2, "text": "   at a stack frame"}]


def test_a_written_year_less_time_takes_its_year_from_the_epoch_on_its_line():
    # Supercomputer logs write an epoch (UTC) and the local time of the node (here UTC-8), year-less.
    pacific = ZoneInfo("America/Los_Angeles")
    epochs = [1104548400 + 7 * n for n in range(40)]  # 2005-01-01 03:00:00 UTC onwards: Dec 31 2004 locally
    lines = [f"- {epoch} 2004.12.31 dn228 {datetime.fromtimestamp(epoch, pacific):%b %d %H:%M:%S} dn228/dn228 "
             f"crond[{n}]: session opened" for n, epoch in enumerate(epochs)]
    log_format, parsed = parse_lines(lines, now=NOW, named=False, default_timezone=pacific)
    assert "year taken from the epoch at token 2" in log_format.structure.describe()
    assert [line.timestamp.timestamp() for line in parsed] == epochs


def test_a_date_deep_in_a_continuation_line_is_not_its_time():
    lines = [f"2026-03-01 10:00:{n:02d},000 ERROR [main] org.example.Job: failed {n}" for n in range(20)]
    lines.insert(5, "\tCaused by: java.io.IOException: lease expired for the writer opened 2026-02-27 08:00:00")
    _, parsed = parse_lines(lines, now=NOW, named=False)
    continuation = list(parsed)[5]
    assert not continuation.parsed
    assert continuation.timestamp == datetime(2026, 3, 1, 10, 0, 4, tzinfo=UTC)  # the entry it continues


def test_csv_like_fields_after_the_timestamp_are_split_on_their_delimiter():
    lines = [f"2026-03-01,10:00:{n:02d},{('INFO', 'ERROR')[n % 2]},job {n}, finished" for n in range(30)]
    log_format, parsed = parse_lines(lines, now=NOW, named=False)
    assert "level at field 1 after the timestamp" in log_format.structure.describe()
    assert [(line.level, line.message) for line in list(parsed)[:2]] == [("INFO", "job 0, finished"),
                                                                         ("ERROR", "job 1, finished")]
