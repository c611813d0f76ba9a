"""Level normalisation and the (deliberately narrow) inference for lines that carry no level."""

from __future__ import annotations

import pytest

from dashboard.ingest import ERROR_LEVELS, LEVELS, normalize_level
from dashboard.ingest.levels import level_from_message


@pytest.mark.parametrize(
    ("spelling", "level"),
    [
        *[(value, "DEBUG") for value in ("V", "VERBOSE", "D", "debug", "TRACE", "trace3", "FINE", "FINEST", "debug1")],
        *[(value, "INFO") for value in ("I", "INFO", "info", "NOTICE", "notice", "Informational")],
        *[(value, "WARNING") for value in ("W", "WARN", "warn", "warning", "Warning")],
        *[(value, "ERROR") for value in ("E", "ERROR", "error", "err", "ERR", "SEVERE")],
        *[(value, "CRITICAL") for value in ("F", "A", "FATAL", "fatal", "CRIT", "crit", "critical", "emerg",
                                            "alert", "PANIC")],
        *[(value, "UNKNOWN") for value in ("", None, "S", "X", "30", "loud", "   ")],
    ],
)
def test_normalize_level(spelling, level):
    assert normalize_level(spelling) == level


def test_the_level_sets():
    assert LEVELS == ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "UNKNOWN")
    assert ERROR_LEVELS == ("ERROR", "CRITICAL")
    assert set(ERROR_LEVELS) <= set(LEVELS)


def test_padding_is_ignored():
    assert normalize_level(" INFO  ") == "INFO"


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("error: Received disconnect from 195.154.37.122", "ERROR"),
        ("ERROR: relation does not exist", "ERROR"),
        ("fatal: Read from socket failed", "CRITICAL"),
        ("warning: can't get client address", "WARNING"),
        ("[warn] low disk", "WARNING"),
        ("<crit> temperature above threshold", "CRITICAL"),
        ("debug1: channel 0: free", "DEBUG"),
        # Severity words as content are not a severity: these stay UNKNOWN.
        ("authentication failure; logname= uid=0", "UNKNOWN"),
        ("Failed password for root from 1.2.3.4", "UNKNOWN"),
        ("0 errors, 2 warnings", "UNKNOWN"),
        ("Error reading configuration", "UNKNOWN"),
        ("kernel panic - not syncing", "UNKNOWN"),
        ("the error: was here", "UNKNOWN"),
        ("[client 1.2.3.4] File does not exist", "UNKNOWN"),
        ("[preauth] closed", "UNKNOWN"),
        ("<a> link", "UNKNOWN"),
        ("[E] not a level word", "UNKNOWN"),
        ("", "UNKNOWN"),
    ],
)
def test_level_from_message_only_trusts_a_stated_severity(message, level):
    assert level_from_message(message) == level
