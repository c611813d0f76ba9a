"""
The catalogue of timestamp layouts the structure finder tries, as regular expressions.

Every layout is one regex whose named groups are the fields of a time (`Y` four-digit year,
`y` two-digit year, `m` month number, `b` month name, `a` weekday, `d`, `H`, `M`, `S`, `f`
fraction, `p` AM/PM, `z` zone, `E` epoch). The layouts are deliberately loose about padding
and separators (one regex covers `-`, `/` and `.` dates, `T`, space, `-` or `_` between date
and time); what a file really uses is decided by `decide.py` from a sample, by which layout
parses most lines validly at one place and in time order, not by the regex alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH_NAMES = (r"(?P<b>(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
               r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))")
WEEKDAY = r"(?:(?P<a>(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}),?\s+)?"

_Y = r"(?P<Y>(?:19|20)\d\d)"
_YY = r"(?P<y>\d\d)"
_M = r"(?P<m>1[0-2]|0?[1-9])"
_D = r"(?P<d>3[01]|[12]\d|0?[1-9])"
_M2 = r"(?P<m>1[0-2]|0[1-9])"
_D2 = r"(?P<d>3[01]|[12]\d|0[1-9])"
_SEP = r"(?P<s>[-/.])"
_SEP_AGAIN = r"(?P=s)"

# Hours may be unpadded; minutes and seconds never are. The fraction takes 1-9 digits after
# `.`, `,` or `:`; a 12-hour clock carries AM/PM.
_FRACTION = r"(?:[.,:](?P<f>\d{1,9}))?"
_AMPM = r"(?:\s?(?P<p>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
TIME = r"(?P<H>2[0-3]|[01]?\d):(?P<M>[0-5]\d):(?P<S>[0-5]\d|60)" + _FRACTION + _AMPM
# DB2/BlueGene style: dots between the fields, used only glued to a date (`2005-06-03-15.42.50`).
_DOTTED_TIME = r"(?P<H>2[0-3]|[01]\d)\.(?P<M>[0-5]\d)\.(?P<S>[0-5]\d|60)" + _FRACTION
_COMPACT_TIME = r"(?P<H>2[0-3]|[01]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d|60)" + _FRACTION
ZONE = (r"(?:\s?(?P<z>Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d|[+-](?:[01]\d|2[0-3])(?![\d:])"
        r"|(?:UTC|GMT)(?:[+-](?:[01]?\d|2[0-3])(?::?[0-5]\d)?)?)(?![A-Za-z]))?")

# A timestamp starts a token or follows opening punctuation, and is not followed by a digit:
# this keeps `24-03-17` from being read inside `2024-03-17` or a long number.
_START = r"(?<![\w.:/+-])"
_END = r"(?![\d])"


@dataclass(frozen=True)
class Layout:
    """One catalogue entry: a name for the report, and the regex (without position) of its timestamp."""

    name: str
    regex: str
    has_year: bool = True
    epoch: bool = False
    order: int = 0  # preference among layouts that read a sample equally well (lower first)

    @property
    def compiled(self) -> re.Pattern[str]:
        return _compile(self.regex)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compile(regex: str) -> re.Pattern[str]:
    pattern = _CACHE.get(regex)
    if pattern is None:
        pattern = _CACHE[regex] = re.compile(regex)
    return pattern


def _numeric_dates() -> list[tuple[str, str, bool, int]]:
    """(name, regex, has_year, order) of the numeric dates: YMD first, the ISO order, then MDY and DMY."""
    return [
        ("year-month-day", f"{_Y}{_SEP}{_M}{_SEP_AGAIN}{_D}", True, 0),
        ("month-day-year", f"{_M}{_SEP}{_D}{_SEP_AGAIN}{_Y}", True, 1),
        ("day-month-year", f"{_D}{_SEP}{_M}{_SEP_AGAIN}{_Y}", True, 2),
        ("yy-month-day", f"{_YY}{_SEP}{_M}{_SEP_AGAIN}{_D}", True, 3),
        ("month-day-yy", f"{_M}{_SEP}{_D}{_SEP_AGAIN}{_YY}", True, 4),
        ("day-month-yy", f"{_D}{_SEP}{_M}{_SEP_AGAIN}{_YY}", True, 5),
        ("compact year-month-day", f"{_Y}{_M2}{_D2}", True, 6),
        ("compact yy-month-day", f"{_YY}{_M2}{_D2}", True, 7),
        ("month-day", f"{_M}{_SEP}{_D}", False, 8),
        ("day-month", f"{_D}{_SEP}{_M}", False, 9),
    ]


def _named_dates() -> list[tuple[str, str, bool, int]]:
    """Dates with an English month name; a weekday may lead."""
    return [
        ("month-name day year", WEEKDAY + MONTH_NAMES + r"\s+" + _D + r",?\s+" + _Y, True, 0),
        ("day month-name year", WEEKDAY + _D + r"[\s/-]" + MONTH_NAMES + r"[\s/-]" + _Y, True, 1),
        ("year month-name day", _Y + r"[\s/-]" + MONTH_NAMES + r"[\s/-]" + _D, True, 2),
        ("month-name day", WEEKDAY + MONTH_NAMES + r"\s+" + _D, False, 3),
        ("day month-name", WEEKDAY + _D + r"[\s-]" + MONTH_NAMES, False, 4),
    ]


EPOCH_LAYOUT = Layout("epoch", _START + r"(?P<E>\d{9,19})(?:\.(?P<f>\d{1,9}))?" + r"(?![\d.:]\d)", True, epoch=True)


def build_catalogue() -> tuple[Layout, ...]:
    """Every layout, with date-time, time-date and the special shapes (ctime, Apache, epoch, glog)."""
    layouts: list[Layout] = []
    for name, date, has_year, order in _numeric_dates() + _named_dates():
        compact = name.startswith("compact")
        joiner = r"(?:[T _-]|\s+|:|,\s?|\s?\|\s?)" if not compact else r"(?:[T _-]?)"
        time = _COMPACT_TIME if compact else TIME
        layouts.append(Layout(f"{name} time", _START + date + joiner + time + ZONE + _END, has_year, order=order))
        if compact:  # HealthApp: `20171223-22:15:29:606`
            layouts.append(Layout(f"{name} colon time", _START + date + r"(?:[T _-])" + TIME + ZONE + _END,
                                  has_year, order=60 + order))
        else:
            layouts.append(Layout(f"time {name}", _START + TIME + ZONE + r"\s+" + date + _END, has_year,
                                  order=20 + order))
            layouts.append(Layout(f"{name} dotted time", _START + date + r"[-_T ]" + _DOTTED_TIME + ZONE + _END,
                                  has_year, order=40 + order))
    # ctime and Apache error logs: `Sun Dec 04 04:47:44 2005`, the year after the time.
    # `date(1)` writes a zone abbreviation before the year (`PDT`, `CEST`): abbreviations are
    # ambiguous (IST, CST), so one is read over, and the time taken in the upload's zone.
    layouts.append(Layout("ctime", _START + WEEKDAY + MONTH_NAMES + r"\s+" + _D + r"\s+" + TIME + ZONE
                          + r"(?:\s+[A-Z]{3,5})?" + r"\s+" + _Y + _END, True, order=0))
    # glog: the level letter glued to a year-less month-day, `I0117 13:45:12.345678`.
    layouts.append(Layout("glog", r"^(?P<L>[IWEF])" + _M2 + _D2 + r"\s+" + TIME + _END, False, order=0))
    layouts.append(EPOCH_LAYOUT)
    return tuple(layouts)


CATALOGUE = build_catalogue()
