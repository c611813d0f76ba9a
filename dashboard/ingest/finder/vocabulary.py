"""
The level words the finder recognises in a token, and how a token is cleaned before lookup.

Whole words come from syslog, log4j/logback, Python logging, java.util.logging, Windows event
logs and Go/Rust loggers; single letters (glog, Android logcat) are kept apart because a
letter is a level only where a whole column of them says so (see `decide.py`).
"""

from __future__ import annotations

from dashboard.ingest.levels import normalize_level

WORDS: dict[str, str] = {
    word.lower(): normalize_level(word) for word in (
        "TRACE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3", "VERBOSE", "FINE", "FINER", "FINEST", "CONFIG",
        "INFO", "INFORMATION", "INFORMATIONAL", "NOTICE",
        "WARN", "WARNING",
        "ERR", "ERROR", "SEVERE",
        "CRIT", "CRITICAL", "ALERT", "EMERG", "EMERGENCY", "FATAL", "PANIC", "ASSERT",
    )
}
WORDS["config"] = "DEBUG"  # java.util.logging CONFIG sits between INFO and FINE
WORDS["failure"] = "ERROR"
WORDS["dbug"] = WORDS["dbg"] = WORDS["debu"] = "DEBUG"
WORDS["eror"] = WORDS["erro"] = "ERROR"
WORDS["warng"] = "WARNING"
WORDS["crt"] = "CRITICAL"
WORDS["inf"] = "INFO"
WORDS["wrn"] = "WARNING"
WORDS["fatl"] = WORDS["ftl"] = "CRITICAL"
WORDS["trce"] = WORDS["trc"] = "DEBUG"

LETTERS: dict[str, str] = {letter: normalize_level(letter) for letter in ("V", "D", "I", "W", "E", "F", "A")}
LETTERS.update({letter.lower(): level for letter, level in LETTERS.items()})

# Brackets, quotes and the punctuation that labels a level (`[INFO]`, `<warn>`, `ERROR:`,
# `level=info`, `|WARN|`) are stripped before the lookup.
_STRIP = "[](){}<>:;,|\"'*#="
_PREFIXES = ("level=", "lvl=", "severity=", "loglevel=")


def clean(token: str) -> str:
    """Return `token` without the punctuation and `level=` labels that surround a level word."""
    lowered = token.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            token = token[len(prefix):]
            break
    return token.strip(_STRIP)


def word_level(token: str) -> str | None:
    """Return the canonical level a whole-word token names, or None."""
    return WORDS.get(clean(token).lower())


def letter_level(token: str) -> str | None:
    """Return the canonical level a single-letter token names, or None."""
    cleaned = clean(token)
    return LETTERS.get(cleaned) if len(cleaned) == 1 else None
