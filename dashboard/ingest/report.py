"""What an upload's parse decided and how well it read the file: the honest report stored on the `Upload`."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.ingest.levels import UNKNOWN
from dashboard.ingest.records import ParsedLine

# How many of the lines that matched nothing the report keeps, and how much of each.
UNMATCHED_EXAMPLES = 5
UNMATCHED_CHARS = 300


@dataclass
class ParseReport:
    """
    Filled while the lines stream past (`record`), so it costs no second pass over the file.

    A line "has a timestamp" only when its own text gave one; an unparsed line that inherits the
    time of the entry above it does not count, so the share says how much of the file was read.
    """

    format_name: str = ""
    description: str = ""
    pattern: str = ""
    lines: int = 0
    with_timestamp: int = 0
    with_level: int = 0
    unmatched: list[dict] = field(default_factory=list)

    def record(self, line: ParsedLine) -> None:
        self.lines += 1
        if line.parsed:
            if line.timestamp is not None:
                self.with_timestamp += 1
        elif len(self.unmatched) < UNMATCHED_EXAMPLES:
            self.unmatched.append({"line": line.line_number, "text": line.raw[:UNMATCHED_CHARS]})
        if line.level != UNKNOWN:
            self.with_level += 1

    @property
    def timestamp_share(self) -> float | None:
        return self.with_timestamp / self.lines if self.lines else None

    @property
    def level_share(self) -> float | None:
        return self.with_level / self.lines if self.lines else None

    def store_on(self, upload) -> None:
        """Copy the report onto an `Upload` (not saved here: the caller saves it with the rest)."""
        upload.layout_description = self.description
        upload.layout_pattern = self.pattern
        upload.timestamp_share = self.timestamp_share
        upload.level_share = self.level_share
        upload.unmatched_lines = self.unmatched
