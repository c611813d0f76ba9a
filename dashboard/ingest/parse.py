"""From a stream of text lines to a stream of `ParsedLine`: detect once, then parse lazily."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from itertools import chain

from dashboard.ingest.detect import detect_format
from dashboard.ingest.formats import LogFormat
from dashboard.ingest.levels import UNKNOWN
from dashboard.ingest.records import ParseContext, ParsedLine
from logdash.clock import clock


def parse_lines(
    lines: Iterable[str],
    *,
    now: datetime | None = None,
    default_timezone: tzinfo = UTC,
    sample_size: int = 50,
) -> tuple[LogFormat, Iterator[ParsedLine]]:
    """
    Detect the format from the first `sample_size` non-blank lines, then return it with a lazy
    iterator of every non-blank line parsed (the sampled ones included).

    Blank lines are skipped, not counted as unparsed, but line numbers stay those of the file.
    `now` anchors the years of year-less timestamps; `default_timezone` is the zone of
    timestamps that carry none.
    """
    iterator = iter(lines)
    buffered: list[str] = []
    sample: list[str] = []
    for line in iterator:
        buffered.append(line)
        if line and not line.isspace():
            sample.append(line)
            if len(sample) >= sample_size:
                break
    log_format = detect_format(sample)
    context = ParseContext(now or clock.now(), default_timezone)
    return log_format, _parse(log_format, chain(buffered, iterator), context)


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
