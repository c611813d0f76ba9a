"""
Time partitions of the log lines: one index per UTC day behind the read alias.

A partition is named `{INDEX_ALIAS}-v{version}-{YYYY.MM.DD}`: the version changes when
`rebuild_index` moves the lines to a new mapping, the day is the UTC day of the lines'
`@timestamp`. Every partition is made from the one index template (`dashboard.documents`).
Uploads write each line to the partition of its own day; a query with a time range names only
the partitions that range covers; retention drops whole partitions.

An index under the alias whose name carries no day (`logdash-logs-v1`, from before partitions)
is read for every range until `rebuild_index` splits it into days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dashboard.conf import dashboard_settings

DAY_FORMAT = "%Y.%m.%d"


@dataclass(frozen=True, order=True)
class Partition:
    """One index under the read alias: its version and the UTC day it holds (None: any day)."""

    version: int
    day: date | None
    name: str

    @property
    def start(self) -> datetime | None:
        """The first instant this partition may hold."""
        return datetime.combine(self.day, time.min, tzinfo=UTC) if self.day else None

    @property
    def end(self) -> datetime | None:
        """The instant after the last one this partition may hold (the last instant a date names, for 9999-12-31)."""
        if self.day is None:
            return None
        return self.start + timedelta(days=1) if self.day < date.max else datetime.max.replace(tzinfo=UTC)

    def overlaps(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether lines from `start` (inclusive) to `end` (exclusive) may live here; None is unbounded."""
        if self.day is None:
            return True
        return (end is None or self.start < end) and (start is None or self.end > start)


def _pattern() -> re.Pattern[str]:
    alias = re.escape(dashboard_settings.INDEX_ALIAS)
    return re.compile(rf"{alias}-v(?P<version>\d+)(?:-(?P<day>\d{{4}}\.\d{{2}}\.\d{{2}}))?")


def partition_name(day: date, *, version: int) -> str:
    """The name of the partition holding the lines of UTC `day`."""
    return f"{dashboard_settings.INDEX_ALIAS}-v{version}-{day.strftime(DAY_FORMAT)}"


def parse_partition(name: str) -> Partition | None:
    """The partition an index name stands for, or None for a name that is not one of ours."""
    match = _pattern().fullmatch(name)
    if match is None:
        return None
    day = datetime.strptime(match["day"], DAY_FORMAT).date() if match["day"] else None
    return Partition(int(match["version"]), day, name)


def utc_day(moment: datetime) -> date:
    """The UTC day, hence the partition, of an aware instant."""
    return moment.astimezone(UTC).date()


def covering(partitions: Iterable[Partition], start: datetime | None, end: datetime | None) -> list[str]:
    """The names of the partitions that may hold lines from `start` to `end` (exclusive), oldest first."""
    return [p.name for p in sorted(partitions, key=lambda p: (p.day or date.min, p.name)) if p.overlaps(start, end)]
