"""
Token-type masking: the variable parts of a log message, recognised without any state.

Masks are written for kinds of value, not for any one system's logs: an address, a path, a
hex id, or any token with a digit in it is a variable. A digit inside a word (`blk_38`, `10ms`,
`job_1445_0020`) almost always marks a counter, a size or an id; a constant word with a digit
(`HTTP/1.1`, `x86`) is rare and merging on it costs little, while leaving a number unmasked
splits one event into thousands of patterns. Runs of variables collapse into one `<*>`, so a
list of three numbers and a list of four are the same event.
"""

from __future__ import annotations

import re

WILDCARD = "<*>"

# One alternation, tried in this order at each position: one pass over the message.
_VARIABLE = re.compile("|".join((
    r"(?<![\w+.\-])[A-Za-z][\w+.\-]*://\S+",                                # URLs
    r"\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b",                      # IPv6 and MAC addresses
    r"(?<![\w/.])(?:[A-Za-z]:)?(?:[/\\][\w.\-@~+$#%]+){2,}[/\\]?",         # paths of 2+ parts
    r"(?<![\w/.])[\w\-]+(?:\.[\w\-]+)+/[\w.\-/$]+",                         # a dotted name/path: com.app/com.app.Main
    r"(?<![\w.\-])[A-Za-z][\w\-]*(?:\.[\w\-]+)+:\d+\b",                        # host:port, www.example.com:443
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",  # UUIDs
    r"\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b",        # hex ids
    # Numbers, IPs, 0x hex, ids like blk_-42 or 10ms: any run of word characters holding a digit.
    r"(?<![\w.\-+@~$#%])[\w.\-+@~$#%]*\d[\w.\-+@~$#%]*",
)))
# The last mask alone: enough for a token with a digit but no slash or colon, where the others
# cannot match anything it would not (an IPv4, a UUID, a hex id are runs holding a digit).
_HOLDS_DIGIT = re.compile(r"(?<![\w.\-+@~$#%])[\w.\-+@~$#%]*\d[\w.\-+@~$#%]*")
_JOINED = re.compile(r"<\*>(?:[^\w\s<]{0,2}<\*>)+")
# Only a token holding one of these can match a mask (a path or URL slash, an address colon);
# tokens with neither these nor a digit, most words of most lines, skip the regular expressions.
_SPECIAL = re.compile(r"[/\\:]")
_DIGIT = re.compile(r"\d")
_MAX_PATTERN_LENGTH = 300


def mask_tokens(message: str) -> list[str]:
    """Split `message` on whitespace and mask the variable part of each token.

    Consecutive tokens that are nothing but variables become one `<*>`.
    """
    tokens: list[str] = []
    for token in message.split():
        if _SPECIAL.search(token):
            token = _VARIABLE.sub(WILDCARD, token)
        elif _DIGIT.search(token):
            token = _HOLDS_DIGIT.sub(WILDCARD, token)
        else:
            tokens.append(token)
            continue
        if token.count(WILDCARD) > 1:
            token = _JOINED.sub(WILDCARD, token)
        if token == WILDCARD and tokens and tokens[-1] == WILDCARD:
            continue
        tokens.append(token)
    return tokens


def mask_message(message: str) -> str:
    """The message with its variables masked, as one string (at most 300 characters)."""
    return " ".join(mask_tokens(message))[:_MAX_PATTERN_LENGTH]
