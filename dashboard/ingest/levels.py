"""Log levels: the canonical set, aliases from every supported format, and conservative inference."""

from __future__ import annotations

import re

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "UNKNOWN")
ERROR_LEVELS = ("ERROR", "CRITICAL")
UNKNOWN = "UNKNOWN"

# Keys are upper case; `normalize_level` tries the value as given first because formats
# that print upper-case levels (log4j, HDFS, Spark, logcat letters) then cost one lookup.
_ALIASES: dict[str, str] = {
    **dict.fromkeys(("V", "VERBOSE", "D", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3", "TRACE", "FINE", "FINER", "FINEST",
                     *(f"TRACE{n}" for n in range(1, 9))), "DEBUG"),
    **dict.fromkeys(("I", "INFO", "INFORMATION", "INFORMATIONAL", "NOTICE"), "INFO"),
    **dict.fromkeys(("W", "WARN", "WARNING"), "WARNING"),
    **dict.fromkeys(("E", "ERR", "ERROR", "SEVERE"), "ERROR"),
    **dict.fromkeys(("F", "A", "FATAL", "ASSERT", "CRIT", "CRITICAL", "ALERT", "EMERG", "EMERGENCY", "PANIC"),
                    "CRITICAL"),
}

# Syslog severities 0-7 (RFC 5424), as carried in a `<PRI>` prefix: PRI % 8.
SYSLOG_SEVERITIES = ("CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG")

# A severity word that opens the message and is marked as such: `error: ...` (OpenSSH's
# error(), Postfix's msg_warn), `ERROR: ...`, `[warn] ...`, `<crit> ...`. A severity word
# anywhere else in the text ("authentication failure", "0 errors") is content, not a level.
_SEVERITY_WORDS = r"(emerg|emergency|alert|crit|critical|err|error|warn|warning|notice|info|debug[1-3]?|fatal|panic)"
_MESSAGE_SEVERITY = re.compile(
    rf"(?:{_SEVERITY_WORDS}\s*:|\[{_SEVERITY_WORDS}\]|<{_SEVERITY_WORDS}>)", re.IGNORECASE
)


def normalize_level(value: str | None) -> str:
    """Return the canonical level for a level as some format spells it, `UNKNOWN` when unrecognised."""
    if not value:
        return UNKNOWN
    level = _ALIASES.get(value)
    if level is None:
        level = _ALIASES.get(value.strip().upper(), UNKNOWN)
    return level


def level_from_message(message: str) -> str:
    """
    Return the level a level-less line (syslog) states explicitly at the start of its message.

    Deliberately conservative: only a severity word that opens the message and is marked as a
    label (`error:`, `[warn]`, `<crit>`) counts, because that is the program stating its own
    severity. Anything else stays `UNKNOWN`: inferring ERROR from words like "failed" would
    inflate the error KPIs with guesses presented as facts.
    """
    match = _MESSAGE_SEVERITY.match(message)
    if match is None:
        return UNKNOWN
    return normalize_level(match.group(1) or match.group(2) or match.group(3))
