"""
Deciding a file's structure from a sample, by consistency across its lines.

Every catalogue layout is tried on every sampled line; a layout is a candidate when it reads a
valid time on enough lines, at one place on most of them, with values that vary and mostly do
not go backwards. Among candidates the one reading the most lines wins; ties go to a layout at
one place over one found anywhere, to layouts with a year, to calendar times over epoch
numbers, to times not in the future, to the most ordered reading, to the longest match, then to
the shortest span of time (the right day/month order makes a sample's days consecutive; the
wrong one spreads them over months or years), then to the conventional order (ISO
year-month-day first).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from dashboard.ingest.finder.fields import epoch_unit, make_assembler
from dashboard.ingest.finder.layouts import CATALOGUE, Layout
from dashboard.ingest.finder.structure import DELIMITERS, MAX_OFFSET, Position, Structure, split_fields
from dashboard.ingest.finder.vocabulary import letter_level, word_level
from dashboard.ingest.records import ParseContext

SAMPLE_SIZE = 1000
PREVIEW_SIZE = 100
# The least share of sampled lines a layout must read to be the file's timestamp: low because
# a Java log can open with a long stack trace, whose lines carry no time.
MIN_TIMESTAMP_SHARE = 0.2
# The share of reading lines that must agree on one place for it to be the place.
MIN_POSITION_SHARE = 0.8
# Consecutive times that must not go backwards: threads interleave and some collectors merge
# nodes' logs out of order, so not all of them; a column of random numbers sits near 0.5.
MIN_ORDERED_SHARE = 0.4
# A level column: whole words on this share of timestamped lines, or single letters on nearly all.
MIN_LEVEL_WORD_SHARE = 0.3
MIN_LEVEL_LETTER_SHARE = 0.9
MAX_LEVEL_TOKEN = 6
MIN_SOURCE_SHARE = 0.7
_FUTURE_TOLERANCE = timedelta(days=1)
_ATTEMPTS_PER_LINE = 3


@dataclass
class _Reading:
    """How one layout read the sample."""

    layout: Layout
    position: Position
    hits: list[tuple[int, int, int, datetime]]  # (line index, match start, match end, time)
    key: tuple
    sample_match: re.Match[str]


def find_structure(sample: list[str], *, now: datetime) -> Structure | None:
    """Return the structure of the non-blank `sample` lines, or None when no layout reads them consistently."""
    lines = [line for line in sample if line and not line.isspace()][:SAMPLE_SIZE]
    if not lines:
        return None
    context = ParseContext(now, UTC)
    best: _Reading | None = None
    readings: list[_Reading] = []
    # A layout that reads too little of the first lines cannot read enough of the sample (nor
    # can it, with a little margin, when the start is a stack trace): try the rest only on those.
    head = lines[:PREVIEW_SIZE]
    for layout in CATALOGUE:
        if len(lines) > len(head) and _read(layout, head, context, min_share=MIN_TIMESTAMP_SHARE / 2) is None:
            continue
        reading = _read(layout, lines, context)
        if reading is not None:
            readings.append(reading)
            if best is None or reading.key > best.key:
                best = reading
    if best is None:
        return None
    if best.layout.epoch:
        written = _written_beside_epoch(best, readings)
        if written is not None:
            return _describe(written, lines, year_from=best)
    return _describe(best, lines)


def _written_beside_epoch(epoch: _Reading, readings: list[_Reading]) -> _Reading | None:
    """
    A year-less written time on the same lines as an epoch (supercomputer logs: `1131566461 ...
    Nov 9 12:01:01`), which the epoch wins only for its year. The written time is what a
    reader sees and is in the writer's zone, which `timezone=` can name; the epoch is UTC.
    So the written time is kept, with its year taken from the epoch of the same line.
    """
    candidates = [reading for reading in readings if not reading.layout.epoch and not reading.layout.has_year
                  and not reading.position.anywhere and reading.key[0] == epoch.key[0]
                  and not epoch.position.anywhere]
    return max(candidates, key=lambda reading: reading.key, default=None)


def _read(layout: Layout, lines: list[str], context: ParseContext,
          min_share: float = MIN_TIMESTAMP_SHARE) -> _Reading | None:
    pattern = layout.compiled
    assemble = make_assembler(pattern)
    found: list[tuple[int, int, int, datetime, Position]] = []
    matches = {}
    for index, line in enumerate(lines):
        start = 0
        for _ in range(_ATTEMPTS_PER_LINE):
            match = pattern.search(line, start, MAX_OFFSET)
            if match is None:
                break
            try:
                moment = assemble(match, context, UTC)
            except ValueError:
                start = match.start() + 1
                continue
            found.append((index, match.start(), match.end(), moment, _position_of(line, match.start())))
            matches.setdefault(index, match)
            break
    needed = max(1, int(min_share * len(lines) + 0.999))
    if len(found) < needed:
        return None
    place, at_place = Counter(hit[4] for hit in found).most_common(1)[0]
    if at_place >= MIN_POSITION_SHARE * len(found):
        found = [hit for hit in found if hit[4] == place]
        position = place
    else:
        position = Position(0, "", anywhere=True)
    if len(found) < needed:
        return None
    times = [hit[3] for hit in found]
    texts = {lines[i][s:e] for i, s, e, _, _ in found}
    if len(found) >= 5 and len(texts) == 1:
        return None  # the same time on every line is some other date (a build, a file name)
    pairs = max(1, len(times) - 1)
    ordered = sum(1 for a, b in pairwise(times) if b >= a) / pairs
    if len(times) >= 3 and ordered < MIN_ORDERED_SHARE:
        return None
    limit = context.now + _FUTURE_TOLERANCE
    future = sum(1 for moment in times if moment > limit) / len(times)
    span = (max(times) - min(times)).total_seconds()
    length = sum(e - s for _, s, e, _, _ in found) / len(found)
    key = (round(50 * len(found) / len(lines)), not position.anywhere, layout.has_year, not layout.epoch,
           -round(10 * future),
           round(20 * ordered), round(length), -span, -layout.order, -position.tokens)
    hits = [(i, s, e, t) for i, s, e, t, _ in found]
    return _Reading(layout, position, hits, key, matches[hits[0][0]])


def _position_of(line: str, start: int) -> Position:
    before = line[:start]
    token_start = _token_start(before)
    return Position(len(before[:token_start].split()), before[token_start:])


def _token_start(before: str) -> int:
    """Index where the token holding the end of `before` starts."""
    index = len(before)
    while index > 0 and not before[index - 1].isspace():
        index -= 1
    return index


_PRI = re.compile(r"<(?:1[0-8]\d|19[01]|\d{1,2})>")
_DIRECTIVES = {"Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "H": "%H", "M": "%M", "S": "%S", "f": "%f", "p": "%p",
               "z": "%z", "a": "%a", "L": "<level>"}


def _pattern_text(match: re.Match[str]) -> str:
    """The matched timestamp with each field replaced by its strftime directive."""
    text = match.group(0)
    base = match.start()
    spans = []
    for name, group_index in match.re.groupindex.items():
        start, end = match.span(group_index)
        if start < 0 or name == "s":
            continue
        if name == "b":
            directive = "%b" if end - start == 3 else "%B"
        elif name == "E":
            directive = f"<epoch {epoch_unit(int(match.group('E')))}>"
        elif name == "a":
            directive = "%a" if end - start == 3 else "%A"
        else:
            directive = _DIRECTIVES.get(name, "")
        spans.append((start - base, end - base, directive))
    for start, end, directive in sorted(spans, reverse=True):
        text = text[:start] + directive + text[end:]
    return text


def _describe(reading: _Reading, lines: list[str], year_from: _Reading | None = None) -> Structure:
    """Find the level, source and host columns around the decided timestamp, and build the `Structure`."""
    hits = reading.hits
    tails = [lines[i][e:].split(None, MAX_LEVEL_TOKEN + 1)[:MAX_LEVEL_TOKEN + 1] for i, _, e, _ in hits]
    heads = [lines[i][:s].split() for i, s, _, _ in hits]
    first_line, first_end = lines[hits[0][0]], hits[0][2]
    glued = first_end < len(first_line) and not first_line[first_end].isspace()
    first_tail_token = len(first_line[:first_end].split()) + (0 if glued else 1)
    total = len(hits)
    notes: list[str] = []
    if year_from is not None:
        notes.append(f"year taken from the epoch {year_from.position.describe()}")
    elif not reading.layout.has_year:
        notes.append("year taken from the upload date")
    if reading.layout.epoch:
        notes.append("epoch times are UTC")

    level_count, level_after, level_before, letters = _level_column(reading, tails, heads)
    delimiter = _delimiter(hits, lines)
    if delimiter is not None:
        # CSV-like tails (`2024-06-14,15:16:01,WARNING,...`): fields split by the delimiter
        # instead of spaces, kept only if they give a better level column than spaces do.
        delimited = [split_fields(lines[i][e:], delimiter, MAX_LEVEL_TOKEN + 1)[:MAX_LEVEL_TOKEN + 1]
                     for i, _, e, _ in hits]
        found = _level_column(reading, delimited, heads)
        if found[0] > level_count:
            (level_count, level_after, level_before, letters), tails = found, delimited
            notes.append(f"fields after the timestamp separated by `{delimiter}`")
        else:
            delimiter = None
    priority = False
    if level_after is None and level_before is None and not letters:
        # RFC 5424/3164 with the `<PRI>` kept: the severity is PRI % 8, on every line.
        with_pri = sum(1 for line in lines if _PRI.match(line))
        priority = with_pri >= MIN_LEVEL_LETTER_SHARE * len(lines)
        level_count = with_pri if priority else level_count

    source_after = host_after = None
    first_free = level_after + 1 if level_after is not None else 0
    for token in range(first_free, first_free + 3):
        column = [tail[token] for tail in tails if len(tail) > token]
        labelled = sum(1 for value in column if len(value) > 1 and value.endswith(":") and value[-2] != ":")
        if labelled >= MIN_SOURCE_SHARE * total:
            source_after = token
            if level_after is None and token == first_free + 1:
                host_after = first_free
            break
    return Structure(
        layout=reading.layout,
        position=reading.position,
        pattern_text=_pattern_text(reading.sample_match),
        first_tail_token=first_tail_token,
        level_after=level_after,
        level_before=level_before,
        level_letters=letters,
        source_after=source_after,
        host_after=host_after,
        sample_lines=len(lines),
        sample_timestamps=total,
        sample_levels=level_count,
        notes=tuple(notes),
        year_from=year_from.position if year_from is not None else None,
        level_from_priority=priority,
        delimiter=delimiter,
    )


def _level_column(reading: _Reading, tails: list[list[str]], heads: list[list[str]]) -> tuple:
    """(lines with a level, token after the timestamp, token before it, single letters?) of the best level column."""
    total = len(tails)
    if "L" in reading.layout.compiled.groupindex:
        return total, None, None, True
    best = (0, None, None, False)
    for token in range(MAX_LEVEL_TOKEN + 1):
        words = sum(1 for tail in tails if len(tail) > token and word_level(tail[token]))
        if words >= MIN_LEVEL_WORD_SHARE * total and words > best[0]:
            best = (words, token, None, False)
    if not reading.position.anywhere:
        for token in range(min(reading.position.tokens, 4)):
            words = sum(1 for head in heads if len(head) > token and word_level(head[token]))
            if words >= MIN_LEVEL_WORD_SHARE * total and words > best[0]:
                best = (words, None, token, False)
    if best[0] == 0:
        for token in range(MAX_LEVEL_TOKEN + 1):
            column = [tail[token] for tail in tails if len(tail) > token]
            count = sum(1 for value in column if letter_level(value))
            distinct = len({value for value in column if letter_level(value)})
            if count >= MIN_LEVEL_LETTER_SHARE * total and (distinct > 1 or count >= 0.98 * total):
                return count, token, None, True
    return best


def _delimiter(hits: list[tuple[int, int, int, datetime]], lines: list[str]) -> str | None:
    """The punctuation that follows the timestamp on nearly every line, if any (`,`, `|`, `;`)."""
    following = Counter(lines[i][e:e + 1] for i, _, e, _ in hits)
    char, count = following.most_common(1)[0]
    return char if char in DELIMITERS and count >= MIN_LEVEL_LETTER_SHARE * len(hits) else None
