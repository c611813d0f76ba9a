"""The strategy every format implements: recognise a line, and split it into a `ParsedLine`."""

from __future__ import annotations

import re
from typing import ClassVar

from dashboard.ingest.records import ParseContext, ParsedLine


class LogFormat:
    """
    A line-oriented log format described by one anchored regular expression.

    Subclasses set `name` and `pattern` and implement `build`, which turns a match into a
    `ParsedLine`. `parse` returns None for a line the format does not recognise (including
    one whose timestamp is not a real date), so the caller can keep it as an unparsed line.
    """

    name: ClassVar[str]
    pattern: ClassVar[re.Pattern[str]]

    def matches(self, line: str) -> bool:
        """Return whether `line` looks like this format (used to detect a file's format)."""
        return self.pattern.match(line) is not None

    def parse(self, line: str, line_number: int, context: ParseContext) -> ParsedLine | None:
        """Return the fields of `line`, or None when this format does not recognise it."""
        match = self.pattern.match(line)
        if match is None:
            return None
        try:
            return self.build(match, line, line_number, context)
        except ValueError:
            # A shape that matches but a date that does not exist (month 13, Feb 30).
            return None

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class UnknownFormat(LogFormat):
    """No known format: every line is kept whole, unparsed."""

    name = "unknown"

    def matches(self, line: str) -> bool:
        return False

    def parse(self, line: str, line_number: int, context: ParseContext) -> ParsedLine | None:
        return None
