"""What a parser makes of one line, and the per-upload context parsers share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One log line, split into the fields the index stores; `parsed=False` keeps an unmatched line whole."""

    line_number: int
    timestamp: datetime | None
    level: str
    source: str
    host: str
    process: str
    message: str
    raw: str
    parsed: bool


# How far ahead of `now` a year-less timestamp may be before it is taken for last year's:
# clocks and time zones of the machines that wrote the log may be a little ahead of ours.
_FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(slots=True)
class ParseContext:
    """The clock and time zone an upload is parsed against, with the per-file year decisions cached."""

    now: datetime
    default_timezone: tzinfo
    _latest_date: date = field(init=False)
    _years: dict[tuple[int, int], int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=self.default_timezone)
        self._latest_date = (self.now.astimezone(self.default_timezone) + _FUTURE_TOLERANCE).date()

    def year_for(self, month: int, day: int) -> int:
        """
        Return the year of a timestamp that has only a month and a day (syslog, logcat).

        Logs are read after they are written, so take `now`'s year unless that date would be more
        than a day in the future, then the year before (a Dec 31 line read on Jan 2 is last
        year's). Feb 29 goes back to the latest leap year. Raise ValueError for an impossible date.
        """
        key = (month, day)
        year = self._years.get(key)
        if year is None:
            year = self._resolve_year(month, day)
            self._years[key] = year
        return year

    def _resolve_year(self, month: int, day: int) -> int:
        year = self._latest_date.year
        for _ in range(8):
            try:
                if date(year, month, day) <= self._latest_date:
                    return year
            except ValueError:
                if not (month == 2 and day == 29):
                    raise
            year -= 1
        raise ValueError(f"no year fits month {month} day {day}")
