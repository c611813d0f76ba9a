"""Choosing a file's named (or declared) format from its first lines."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.ingest.formats import FORMATS, UNKNOWN_FORMAT, LogFormat

# The share of sampled lines the winning format must match. Low on purpose: every pattern is
# anchored and strict (a timestamp in an exact shape), so a false match is unlikely, while a
# Java log can open with a long stack trace whose lines match nothing.
MIN_SHARE = 0.2
# Named formats are exact patterns: the first lines are enough to recognise one.
NAMED_SAMPLE_SIZE = 50


def detect_format(sample_lines: list[str], formats: Sequence[LogFormat] = FORMATS) -> LogFormat:
    """
    Return the format of `formats` matching most of the non-empty `sample_lines`, or the
    unknown format if none fits. On a tie the earlier format wins, so declared formats, put
    first, win over the named ones.
    """
    lines = [line for line in sample_lines if line and not line.isspace()]
    if not lines:
        return UNKNOWN_FORMAT
    best, best_count = UNKNOWN_FORMAT, 0
    for log_format in formats:
        count = sum(1 for line in lines if log_format.matches(line))
        if count > best_count:
            best, best_count = log_format, count
    return best if best_count >= MIN_SHARE * len(lines) else UNKNOWN_FORMAT
