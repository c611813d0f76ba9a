"""From a stream of text lines to a stream of `ParsedLine`: detect once, then parse lazily."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from itertools import chain

from dashboard.ingest.detect import NAMED_SAMPLE_SIZE, detect_format
from dashboard.ingest.finder import SAMPLE_SIZE, GenericFormat, find_structure
from dashboard.ingest.formats import FORMATS, UNKNOWN_FORMAT, LogFormat
from dashboard.ingest.levels import UNKNOWN
from dashboard.ingest.records import ParseContext, ParsedLine
from dashboard.ingest.report import ParseReport
from logdash.clock import clock

# The sample is also capped in characters, so a file of very long lines is not held in memory.
SAMPLE_MAX_CHARS = 4 * 1024 * 1024


def parse_lines(
    lines: Iterable[str],
    *,
    now: datetime | None = None,
    default_timezone: tzinfo = UTC,
    sample_size: int = SAMPLE_SIZE,
    log_format: LogFormat | None = None,
    declared: Sequence[LogFormat] = (),
    named: bool = True,
    report: ParseReport | None = None,
) -> tuple[LogFormat, Iterator[ParsedLine]]:
    """
    Decide the format from the first `sample_size` non-blank lines, then return it with a lazy
    iterator of every non-blank line parsed (the sampled ones included).

    The format is `log_format` when the caller names one; otherwise the `declared` formats and
    then the named ones (unless `named` is False) are tried on the first lines, and when none
    fits, the structure finder decides a layout from the whole sample. Blank lines are skipped,
    not counted as unparsed, but line numbers stay those of the file. `now` anchors the years
    of year-less timestamps; `default_timezone` is the zone of timestamps that carry none. A
    `report` is filled with the decision and, as the lines stream, how well they were read.
    """
    now = now or clock.now()
    iterator = iter(lines)
    buffered: list[str] = []
    sample: list[str] = []
    size = 0
    for line in iterator:
        buffered.append(line)
        if line and not line.isspace():
            sample.append(line)
            size += len(line)
            if len(sample) >= sample_size or size >= SAMPLE_MAX_CHARS:
                break
    if log_format is None:
        log_format = _decide(sample, now, declared, named)
    if report is not None:
        report.format_name = log_format.name
        report.description, report.pattern = _explain(log_format)
    context = ParseContext(now, default_timezone)
    parsed = _parse(log_format, chain(buffered, iterator), context)
    return log_format, (_reported(parsed, report) if report is not None else parsed)


def _decide(sample: list[str], now: datetime, declared: Sequence[LogFormat], named: bool) -> LogFormat:
    """Declared formats first (the operator knows best), then the named ones, then the structure finder."""
    log_format = UNKNOWN_FORMAT
    for formats in (tuple(declared), FORMATS if named else ()):
        if formats and log_format is UNKNOWN_FORMAT:
            log_format = detect_format(sample[:NAMED_SAMPLE_SIZE], formats=formats)
    if log_format is UNKNOWN_FORMAT:
        structure = find_structure(sample, now=now)
        if structure is not None:
            log_format = GenericFormat(structure)
    return log_format


def _explain(log_format: LogFormat) -> tuple[str, str]:
    """The decision in words and as a pattern, for the upload report."""
    if isinstance(log_format, GenericFormat):
        return log_format.structure.describe(), log_format.structure.pattern()
    if log_format is UNKNOWN_FORMAT:
        return "no timestamp layout read the sample consistently: lines are kept whole, at the upload time", ""
    describe = getattr(log_format, "describe", None)
    if describe is not None:
        return describe()
    pattern = getattr(log_format, "pattern", None)
    return f"the named format `{log_format.name}`", pattern.pattern if pattern is not None else ""


def _reported(lines: Iterator[ParsedLine], report: ParseReport) -> Iterator[ParsedLine]:
    record = report.record
    for line in lines:
        record(line)
        yield line


def _parse(log_format: LogFormat, lines: Iterable[str], context: ParseContext) -> Iterator[ParsedLine]:
    """
    Yield each non-blank line parsed; a line the format does not recognise is kept whole, with
    the time of the last line that had one, so it sorts beside the entry it continues.
    """
    parse = log_format.parse
    previous_time = None
    for line_number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        parsed = parse(line, line_number, context)
        if parsed is None:
            parsed = ParsedLine(line_number, previous_time, UNKNOWN, "", "", "", line, line, False)
        elif parsed.timestamp is not None:
            previous_time = parsed.timestamp
        yield parsed
