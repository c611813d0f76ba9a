"""
Turning the groups of a catalogue match into an aware datetime, without strptime.

`make_assembler` looks at which groups a layout has once, and returns a small function that
reads them by index for each line: this is the per-line cost of the generic path, so it does
no dictionary building and no format parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dashboard.ingest.records import ParseContext

MONTH_NUMBERS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_FRACTION_SCALE = (0, 100_000, 10_000, 1_000, 100, 10, 1)

# Epochs are accepted only between 1995-01-01 and 2100-01-01, in the unit their magnitude
# gives: the four ranges do not overlap, so a number is read in at most one unit.
EPOCH_FIRST, EPOCH_LAST = 788_918_400, 4_102_444_800
EPOCH_UNITS = ((1, "seconds"), (1_000, "milliseconds"), (1_000_000, "microseconds"), (1_000_000_000, "nanoseconds"))

Assembler = Callable[[re.Match[str], ParseContext, tzinfo], datetime]

_ZONES: dict[str, tzinfo] = {"Z": UTC, "UTC": UTC, "GMT": UTC}


def zone(text: str) -> tzinfo:
    """Return the tzinfo of a written zone (`Z`, `+0200`, `-05:00`, `+01`, `UTC`, `GMT+2`), cached."""
    found = _ZONES.get(text)
    if found is None:
        offset = text[3:] if text[:3] in ("UTC", "GMT") else text
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours = int(digits[:-2] if len(digits) > 2 else digits)
        minutes = int(digits[-2:]) if len(digits) > 2 else 0
        found = _ZONES[text] = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return found


def epoch_datetime(value: int, fraction: str | None) -> datetime:
    """Return an epoch number in whichever unit puts it in 1995-2100; raise ValueError otherwise."""
    for scale, _unit in EPOCH_UNITS:
        seconds, rest = divmod(value, scale)
        if EPOCH_FIRST <= seconds < EPOCH_LAST:
            micros = rest * 1_000_000 // scale
            if fraction and scale == 1:
                micros = int(fraction[:6].ljust(6, "0"))
            return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micros)
    raise ValueError(f"{value} is not an epoch time between 1995 and 2100")


def epoch_unit(value: int) -> str:
    """Name the unit `epoch_datetime` reads `value` in (for the report)."""
    for scale, unit in EPOCH_UNITS:
        if EPOCH_FIRST <= value // scale < EPOCH_LAST:
            return unit
    return "seconds"


def make_assembler(pattern: re.Pattern[str]) -> Assembler:
    """Return a function building the datetime of a match of `pattern` (a catalogue layout with its prefix)."""
    index = pattern.groupindex
    if "E" in index:
        e, f = index["E"], index.get("f")

        def from_epoch(match: re.Match[str], context: ParseContext, default: tzinfo) -> datetime:
            return epoch_datetime(int(match.group(e)), match.group(f) if f else None)

        return from_epoch

    # Group numbers, 0 where the layout lacks the group: `groups()` is read once per line and
    # indexed (position n - 1), which is cheaper than one `group()` call per field.
    year4, year2, month, month_name = (index.get(name, 0) - 1 for name in ("Y", "y", "m", "b"))
    day, hour, minute, second = (index[name] - 1 for name in ("d", "H", "M", "S"))
    fraction, ampm, zone_group = (index.get(name, 0) - 1 for name in ("f", "p", "z"))

    def assemble(match: re.Match[str], context: ParseContext, default: tzinfo) -> datetime:
        groups = match.groups()
        month_number = int(groups[month]) if month >= 0 else MONTH_NUMBERS[groups[month_name][:3].lower()]
        day_number = int(groups[day])
        if year4 >= 0:
            year = int(groups[year4])
        elif year2 >= 0:
            short = int(groups[year2])
            year = 2000 + short if short < 69 else 1900 + short  # POSIX %y
        else:
            year = context.year_for(month_number, day_number)
        hours = int(groups[hour])
        if ampm >= 0 and (half := groups[ampm]):
            if hours > 12 or hours == 0:
                raise ValueError(f"hour {hours} with {half}")
            hours = hours % 12 + (12 if half[0] in "pP" else 0)
        micros = 0
        if fraction >= 0 and (digits := groups[fraction]):
            digits = digits[:6]
            micros = int(digits) * _FRACTION_SCALE[len(digits)]
        written_zone = groups[zone_group] if zone_group >= 0 else None
        seconds = int(groups[second])
        return datetime(year, month_number, day_number, hours, int(groups[minute]), 59 if seconds > 59 else seconds,
                        micros, tzinfo=zone(written_zone) if written_zone else default)

    return assemble
