"""
Formats an operator declares (the `LogFormat` model): a regex with named groups and a timestamp layout.

The layout is a strftime string or `epoch`/`epoch_ms`/`epoch_us`/`epoch_ns`. A strftime layout is
translated once into a regex with the structure finder's field groups, so each line's time is
assembled by index like the generic path's, with no strptime per line. Everything wrong with a
declaration raises `FormatDeclarationError` naming the value and what to change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.ingest.finder.fields import make_assembler
from dashboard.ingest.finder.layouts import MONTH_NAMES, ZONE
from dashboard.ingest.formats.base import LogFormat
from dashboard.ingest.levels import UNKNOWN, normalize_level
from dashboard.ingest.records import ParseContext, ParsedLine
from logdash.clock import clock

GROUPS = ("timestamp", "level", "source", "host", "process", "message")
EPOCH_LAYOUTS = {"epoch": 1, "epoch_ms": 1_000, "epoch_us": 1_000_000, "epoch_ns": 1_000_000_000}

_DIRECTIVES = {
    "%Y": r"(?P<Y>\d{4})", "%y": r"(?P<y>\d\d)", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})",
    "%e": r"\s?(?P<d>\d{1,2})", "%H": r"(?P<H>\d{1,2})", "%I": r"(?P<H>\d{1,2})", "%M": r"(?P<M>\d\d)",
    "%S": r"(?P<S>\d\d)", "%f": r"(?P<f>\d{1,9})", "%p": r"(?P<p>[AaPp][Mm])", "%b": MONTH_NAMES,
    "%B": MONTH_NAMES, "%h": MONTH_NAMES, "%a": r"[A-Za-z]{3,9}", "%A": r"[A-Za-z]{3,9}",
    "%z": ZONE.removeprefix(r"(?:\s?").removesuffix(")?"), "%Z": r"(?P<z>UTC|GMT|Z)", "%%": "%",
    "%T": r"(?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)",
}
_DIRECTIVE = re.compile(r"%.")


class FormatDeclarationError(ValueError):
    """A declared format (or an upload's `format`/`timezone`) that cannot work; `field` names the culprit."""

    def __init__(self, message: str, field: str = "pattern") -> None:
        super().__init__(message)
        self.field = field


def parse_timezone(name: str) -> tzinfo:
    """Return the IANA zone `name` (e.g. `Europe/Paris`); raise FormatDeclarationError if there is none."""
    if name in ("", "UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FormatDeclarationError(f"{name!r} is not an IANA time zone; use a name such as `UTC`, "
                                       "`Europe/Paris` or `America/New_York`.", field="timezone") from exc


def layout_regex(layout: str) -> re.Pattern[str]:
    """Translate a strftime `layout` into an anchored regex of field groups; raise for what it cannot read."""
    pieces, end, seen = [], 0, set()
    for match in _DIRECTIVE.finditer(layout):
        directive = match.group(0)
        regex = _DIRECTIVES.get(directive)
        if regex is None:
            known = " ".join(sorted(_DIRECTIVES))
            raise FormatDeclarationError(f"The timestamp layout {layout!r} uses {directive}, which logdash "
                                           f"cannot read; use {known}, or `epoch`/`epoch_ms`.",
                                         field="timestamp_layout")
        group = regex[4] if regex.startswith("(?P<") else (regex[6] if regex.startswith(r"\s?(?P<") else "")
        if group and group in seen:
            raise FormatDeclarationError(f"The timestamp layout {layout!r} has {directive} twice.",
                                         field="timestamp_layout")
        seen.add(group)
        pieces.append(re.escape(layout[end:match.start()]) + regex)
        end = match.end()
    pieces.append(re.escape(layout[end:]))
    if not {"H", "M", "S"} <= seen or "d" not in seen or not seen & {"m", "b"}:
        raise FormatDeclarationError(f"The timestamp layout {layout!r} needs a day (%d), a month (%m or %b) "
                                       "and a time (%H:%M:%S); for epoch numbers use `epoch` or `epoch_ms`.",
                                     field="timestamp_layout")
    return re.compile("".join(pieces) + r"\Z")


class DeclaredFormat(LogFormat):
    """A `LogFormat` from a declaration; `check(example)` proves it reads its own example line."""

    def __init__(self, name: str, pattern: str, timestamp_layout: str, zone_name: str = "UTC") -> None:
        self.name = name
        self.timestamp_layout = timestamp_layout
        try:
            self.pattern = re.compile(pattern)
        except re.error as exc:
            raise FormatDeclarationError(f"The regular expression does not compile: {exc}.") from exc
        groups = set(self.pattern.groupindex)
        if "timestamp" not in groups:
            raise FormatDeclarationError("The regular expression has no (?P<timestamp>...) group; name the part "
                                           "holding the time `timestamp`.")
        unknown = groups - set(GROUPS)
        if unknown:
            raise FormatDeclarationError(f"The regular expression has groups {', '.join(sorted(unknown))} that "
                                           f"logdash does not store; name groups among {', '.join(GROUPS)}.")
        self.zone = parse_timezone(zone_name)
        self._epoch_scale = EPOCH_LAYOUTS.get(timestamp_layout)
        if self._epoch_scale is None:
            self._layout = layout_regex(timestamp_layout)
            self._assemble = make_assembler(self._layout)
        self._group = self.pattern.groupindex

    def describe(self) -> tuple[str, str]:
        return (f"declared format `{self.name}`: timestamp `{self.timestamp_layout}` in the `timestamp` group, "
                f"zone {self.zone}", self.pattern.pattern)

    def check(self, example: str, context: ParseContext | None = None) -> ParsedLine:
        """Return the example parsed; raise FormatDeclarationError saying why it does not parse."""
        context = context or ParseContext(clock.now(), UTC)
        match = self.pattern.match(example)
        if match is None:
            raise FormatDeclarationError("The regular expression does not match the example line from its start; "
                                           "fix the expression or paste a line of the log as the example.",
                                         field="example")
        try:
            return self.build(match, example, 1, context)
        except ValueError as exc:
            raise FormatDeclarationError(f"The example's timestamp {match.group('timestamp')!r} does not read as "
                                           f"{self.timestamp_layout!r}: {exc}.", field="example") from exc

    def timestamp(self, text: str, context: ParseContext) -> datetime:
        if self._epoch_scale is not None:
            # Integer arithmetic: a float of nanoseconds since 1970 has no microseconds left to give.
            whole, _, fraction = text.strip().partition(".")
            seconds, rest = divmod(int(whole), self._epoch_scale)
            micros = rest * 1_000_000 // self._epoch_scale
            if fraction and self._epoch_scale == 1:
                micros = int(fraction[:6].ljust(6, "0"))
            try:
                return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micros)
            except (OverflowError, OSError) as exc:
                raise ValueError(f"{text!r} is out of range for {self.timestamp_layout}") from exc
        match = self._layout.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not in the layout {self.timestamp_layout!r}")
        return self._assemble(match, context, self.zone)

    def build(self, match: re.Match[str], line: str, line_number: int, context: ParseContext) -> ParsedLine:
        group = self._group
        timestamp = self.timestamp(match.group("timestamp"), context)
        level = normalize_level(match.group("level")) if "level" in group else UNKNOWN
        fields = {name: (match.group(name) or "") if name in group else "" for name in ("source", "host", "process")}
        message = match.group("message") if "message" in group else line[match.end():].strip() or line
        return ParsedLine(line_number, timestamp, level, fields["source"], fields["host"], fields["process"],
                          message or "", line, True)
