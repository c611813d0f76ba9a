"""Mask the variable parts of a log message so that similar lines group together."""

from __future__ import annotations

import re

_MASKS = (
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b(?:blk|job|task|attempt|container|application|appattempt)_[-\w]+"), "<id>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b(?<=\w{8})"), "<hex>"),
    (re.compile(r"(?<![\w<])-?\d+(?:[.,:]\d+)*"), "<n>"),
)
_MAX_PATTERN_LENGTH = 300


def mask_message(message: str) -> str:
    """Replace UUIDs, IPs, job/block ids, hex ids and numbers with placeholders.

    `user 42 failed from 10.0.0.7` and `user 7 failed from 10.0.0.9` both become
    `user <n> failed from <ip>`.
    """
    for pattern, placeholder in _MASKS:
        message = pattern.sub(placeholder, message)
    return message[:_MAX_PATTERN_LENGTH]
