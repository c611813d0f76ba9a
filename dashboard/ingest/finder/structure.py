"""
What the structure finder decided about a file, compiled into a fast per-line parser.

A `Structure` is plain data (the layout, where it sits, where the level and source are) plus
the words and pattern the upload report shows; `GenericFormat` is the `LogFormat` built from
it, which the ingestion pipeline uses like any named format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from dashboard.ingest.finder.fields import epoch_datetime, make_assembler
from dashboard.ingest.finder.layouts import EPOCH_LAYOUT, Layout
from dashboard.ingest.finder.vocabulary import letter_level, word_level
from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import SYSLOG_SEVERITIES, UNKNOWN
from dashboard.ingest.records import ParseContext, ParsedLine

# A timestamp is looked for this far into a line at most (LogScale looks at 128 characters).
MAX_OFFSET = 160
# A line that misses the decided place (a host name with a space, an extra prefix) may still
# carry its time near its start; further in, a date is part of the message (a stack trace's
# "Caused by ... at 2015-10-18 ..."), not the line's time.
FALLBACK_OFFSET = 48


@dataclass(frozen=True)
class Position:
    """Where a timestamp starts: after `tokens` whitespace-separated tokens and the literal `lead` (e.g. `[`)."""

    tokens: int
    lead: str
    anywhere: bool = False  # no consistent place: the first match in the first MAX_OFFSET characters

    def prefix_regex(self) -> str:
        if self.anywhere:
            return ""
        return r"(?P<pre>^\s*" + r"(?:\S+\s+)" * self.tokens + re.escape(self.lead) + ")"

    def describe(self) -> str:
        if self.anywhere:
            return f"anywhere in the first {MAX_OFFSET} characters"
        where = f"at token {self.tokens + 1}"
        return where + (f" after `{self.lead}`" if self.lead else "")


@dataclass(frozen=True)
class Structure:
    """The layout decided for a file from its sample, and how well it read that sample."""

    layout: Layout
    position: Position
    pattern_text: str  # the timestamp as strftime directives, e.g. `%Y-%m-%d %H:%M:%S,%f`
    first_tail_token: int  # the 1-based token number, in a sampled line, of the first token after the timestamp
    level_after: int | None = None  # level token index counted from the end of the timestamp
    level_before: int | None = None  # ... or counted from the line start, when it precedes the timestamp
    level_letters: bool = False  # single letters (glog, logcat) count as levels at this position
    source_after: int | None = None  # source token index from the end of the timestamp (`name:` or `name[pid]:`)
    host_after: int | None = None
    sample_lines: int = 0
    sample_timestamps: int = 0
    sample_levels: int = 0
    notes: tuple[str, ...] = field(default=())
    year_from: Position | None = None  # a year-less layout's year comes from the epoch at this position
    level_from_priority: bool = False  # lines open with a syslog `<PRI>`: the level is its severity
    delimiter: str | None = None  # the tail's fields are split by this (CSV-like) rather than by spaces

    def describe(self) -> str:
        """The decision in words, e.g. "timestamp `%Y-%m-%d %H:%M:%S` at token 1, level at token 3"."""
        parts = [f"timestamp `{self.pattern_text}` ({self.layout.name}) {self.position.describe()}"]
        base = self.first_tail_token
        if self.level_from_priority:
            parts.append("level from the syslog <PRI> severity")
        elif self.level_before is not None:
            parts.append(f"level at token {self.level_before + 1}")
        elif self.level_after is not None:
            where = (f"field {self.level_after + 1} after the timestamp" if self.delimiter
                     else f"token {base + self.level_after}")
            parts.append(f"level at {where}" + (" (single letters)" if self.level_letters else ""))
        else:
            parts.append("no level column")
        if self.host_after is not None:
            parts.append(f"host at token {base + self.host_after}")
        if self.source_after is not None:
            parts.append(f"source at token {base + self.source_after}")
        return ", ".join(parts + list(self.notes))

    def pattern(self) -> str:
        """A compact pattern of the whole line, e.g. `<timestamp:%Y-%m-%d %H:%M:%S> <level> <source>: <message>`."""
        pieces = ["<token>"] * self.position.tokens + [f"{self.position.lead}<timestamp:{self.pattern_text}>"]
        after = max(x for x in (self.level_after, self.source_after, self.host_after, -1) if x is not None) + 1
        slots = ["<token>"] * after
        if self.level_before is not None:
            pieces[self.level_before] = "<level>"
        if self.level_after is not None:
            slots[self.level_after] = "<level>"
        if self.host_after is not None:
            slots[self.host_after] = "<host>"
        if self.source_after is not None:
            slots[self.source_after] = "<source>:"
        separator = self.delimiter or " "
        return " ".join(pieces) + separator + separator.join([*slots, "<message>"])


def _source(token: str) -> tuple[str, str]:
    """`sshd[24200]:` as (`sshd`, `24200`), `dfs.DataNode:` as (`dfs.DataNode`, ``); anything else as empty."""
    if token[-1:] != ":":
        return "", ""
    name = token[:-1]
    if name[-1:] == "]" and "[" in name:
        name, _, pid = name[:-1].partition("[")
        return name, pid
    return name, ""


class GenericFormat(LogFormat):
    """The `LogFormat` a `Structure` compiles to: one anchored regex and index lookups per line."""

    name = "generic"

    def __init__(self, structure: Structure, timezone: tzinfo | None = None) -> None:
        self.structure = structure
        self.timezone = timezone
        layout_regex = structure.layout.regex
        self._anchored = re.compile(structure.position.prefix_regex() + layout_regex)
        self._anywhere = re.compile(layout_regex)
        self._fallback_end = MAX_OFFSET if structure.position.anywhere else FALLBACK_OFFSET
        self._assemble = make_assembler(self._anchored)
        self._assemble_anywhere = make_assembler(self._anywhere)
        self._glog_level = self._anchored.groupindex.get("L")
        self._lookup = _Memo(_letter_or_word if structure.level_letters else word_level)
        consumed = [x for x in (structure.level_after, structure.source_after, structure.host_after) if x is not None]
        self._consumed = max(consumed) + 1 if consumed else 0
        # The decision's fields as plain attributes: `parse` runs once per line.
        self._level_after, self._level_before = structure.level_after, structure.level_before
        self._source_after, self._host_after = structure.source_after, structure.host_after
        self._level_from_priority, self._delimiter = structure.level_from_priority, structure.delimiter
        self._levels = self._lookup  # the memo's dict: a hit costs one `get`
        self._epoch_year = None
        if structure.year_from is not None:
            self._epoch_year = re.compile(structure.year_from.prefix_regex() + EPOCH_LAYOUT.regex)

    def matches(self, line: str) -> bool:
        return self._anchored.match(line) is not None

    def parse(self, line: str, line_number: int, context: ParseContext) -> ParsedLine | None:
        default = self.timezone or context.default_timezone
        if self._epoch_year is not None:
            context = _EpochYear.of(self._epoch_year.match(line), context)
        match = self._anchored.match(line)
        try:
            if match is not None:
                timestamp = self._assemble(match, context, default)
            else:
                match = self._anywhere.search(line, 0, self._fallback_end)
                if match is None:
                    return None
                timestamp = self._assemble_anywhere(match, context, default)
        except ValueError:
            return None
        rest = line[match.end():]
        consumed = self._consumed
        if self._delimiter is not None:
            parts = split_fields(rest, self._delimiter, consumed)
        else:
            parts = rest.split(None, consumed) if consumed else [rest.strip()]
        level = UNKNOWN
        level_after = self._level_after
        if level_after is not None:
            if len(parts) > level_after:
                token = parts[level_after]
                level = self._levels.get(token) or self._lookup(token) or UNKNOWN
        elif self._glog_level is not None:
            level = self._lookup(match.group(self._glog_level)) or UNKNOWN
        elif self._level_from_priority:
            if line[:1] == "<" and (close := line.find(">", 1, 5)) > 1 and line[1:close].isdigit():
                level = SYSLOG_SEVERITIES[int(line[1:close]) % 8]
        elif self._level_before is not None:
            start = match.end("pre") if "pre" in match.re.groupindex else match.start()
            before = line[:start].split()
            if len(before) > self._level_before:
                level = self._lookup(before[self._level_before]) or UNKNOWN
        source = host = process = ""
        source_after = self._source_after
        if source_after is not None and len(parts) > source_after:
            source, process = _source(parts[source_after])
        if self._host_after is not None and len(parts) > self._host_after:
            host = parts[self._host_after]
        if not consumed:
            message = parts[0].lstrip(_CLOSING)  # the `]` or `|` that closed the timestamp
        else:
            message = parts[consumed] if len(parts) > consumed else " ".join(parts)
        return ParsedLine(line_number, timestamp, level, source, host, process, message, line, True)

    def __repr__(self) -> str:
        return f"<GenericFormat {self.structure.describe()!r}>"


_CLOSING = "])}>|,; \t"
DELIMITERS = ",|;"


def split_fields(text: str, delimiter: str, maxsplit: int) -> list[str]:
    """The fields of a CSV-like tail (after the delimiter that closes the timestamp), stripped."""
    text = text.lstrip()
    if text[:1] == delimiter:
        text = text[1:]
    return [field.strip() for field in text.split(delimiter, maxsplit)]


class _EpochYear:
    """Stands in for `ParseContext.year_for` on a line whose year comes from its own epoch."""

    __slots__ = ("moment",)

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    @classmethod
    def of(cls, match: re.Match[str] | None, context: ParseContext) -> ParseContext | _EpochYear:
        if match is None:
            return context
        try:
            return cls(epoch_datetime(int(match.group("E")), None))
        except ValueError:
            return context

    def year_for(self, month: int, day: int) -> int:
        """The year, among the epoch's and its neighbours, that puts month/day nearest the epoch's date."""
        year = self.moment.year
        candidates = []
        for option in (year - 1, year, year + 1):
            try:
                candidates.append((abs((date(option, month, day) - self.moment.date()).days), option))
            except ValueError:
                continue
        if not candidates:
            raise ValueError(f"no year near {year} has month {month} day {day}")
        return min(candidates)[1]


class _Memo(dict):
    """A level lookup remembered per token: a level column holds few distinct tokens, read on every line."""

    def __init__(self, lookup) -> None:
        super().__init__()
        self._lookup = lookup

    def __call__(self, token: str) -> str | None:
        level = self.get(token, False)
        if level is False:
            level = self._lookup(token)
            if len(self) < 10_000:
                self[token] = level
        return level


def _letter_or_word(token: str) -> str | None:
    return letter_level(token) or word_level(token)
