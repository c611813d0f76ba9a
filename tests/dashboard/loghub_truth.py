"""
Loghub's hand-made parses (`*_structured.csv`) read as (timestamp, level) per line, for the ground-truth tests.

Each sample spells its time in its own columns; this module only joins them into the fields
they name. A year-less sample's truth has no year (`year=None`), so the comparison leaves the
year out; a sample without a level column (or whose `Level` column holds something else, as
Linux's holds the host) has no level truth.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dashboard.ingest.levels import UNKNOWN, normalize_level

MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


@dataclass(frozen=True)
class Truth:
    year: int | None
    month: int
    day: int
    hour: int
    minute: int
    second: int
    microsecond: int
    level: str | None  # canonical level, or None where the system writes none

    def time_matches(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        fields = (moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond)
        expected = (self.month, self.day, self.hour, self.minute, self.second, self.microsecond)
        return fields == expected and (self.year is None or moment.year == self.year)


def _clock(text: str) -> tuple[int, int, int, int]:
    """`18:01:47,978`, `16:13:38.811` or `203615` as (hour, minute, second, microsecond)."""
    if ":" not in text:
        return int(text[:2]), int(text[2:4]), int(text[4:6]), 0
    main, _, fraction = text.replace(",", ".").partition(".")
    hour, minute, second = (int(part) for part in main.split(":"))
    return hour, minute, second, int(fraction.ljust(6, "0")[:6]) if fraction else 0


def _level(value: str | None) -> str | None:
    level = normalize_level(value)
    return None if level == UNKNOWN else level


def _row_truth(name: str, row: dict[str, str]) -> Truth:
    if name == "Apache":
        moment = datetime.strptime(row["Time"], "%a %b %d %H:%M:%S %Y")
        return Truth(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, 0,
                     _level(row["Level"]))
    if name in ("Linux", "OpenSSH"):
        month, day = (row["Month"], row["Date"]) if name == "Linux" else (row["Date"], row["Day"])
        return Truth(None, MONTHS[month], int(day), *_clock(row["Time"]), None)
    date = row["Date"]
    if name == "Android":
        month, day = date.split("-")
        return Truth(None, int(month), int(day), *_clock(row["Time"]), _level(row["Level"]))
    if name == "HDFS":
        year, month, day = 2000 + int(date[:2]), int(date[2:4]), int(date[4:6])
    elif name == "Spark":
        year, month, day = (int(part) for part in date.split("/"))
        year += 2000
    else:
        year, month, day = (int(part) for part in date.split("-"))
    return Truth(year, month, day, *_clock(row["Time"]), _level(row.get("Level")))


def load_truth(log_path: Path) -> list[Truth]:
    """The truth of every line of a Loghub sample, in line order."""
    name = log_path.name.split("_")[0]
    with open(f"{log_path}_structured.csv", newline="", encoding="utf-8") as handle:
        return [_row_truth(name, row) for row in csv.DictReader(handle)]
