"""
Cutting long messages for list answers (recent logs, search results, top errors).

One 900 KB line made `/api/dashboard` 9 MB: too big to cache, so recomputed on every request.
Lists show at most LIST_MESSAGE_CHARS characters of a message, ending in "…" when cut, and the
entry says `truncated: true`. A highlight is HTML (escaped text plus `<mark>` tags), so it is cut
between characters, never inside a tag or an entity, and an open `<mark>` is closed.
"""

from __future__ import annotations

import re

ELLIPSIS = "\u2026"
# One visible character of a highlight: a tag (zero width), an HTML entity, or one character.
_HIGHLIGHT_TOKEN = re.compile(r"</?mark>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|.", re.DOTALL)


def cut_text(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to `limit` characters plus "…", and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + ELLIPSIS, True


def join_marks(html: str) -> str:
    """One `<mark>` over adjacent marked words: `<mark>Value</mark><mark>Error</mark>` is `<mark>ValueError</mark>`."""
    return html.replace("</mark><mark>", "")


def cut_highlight(html: str, limit: int) -> tuple[str, bool]:
    """A highlight cut to `limit` visible characters plus "…", still well-formed HTML, and whether it was cut."""
    if len(html) <= limit:
        return html, False
    parts: list[str] = []
    visible, open_mark = 0, False
    for match in _HIGHLIGHT_TOKEN.finditer(html):
        token = match.group()
        if token in ("<mark>", "</mark>"):
            open_mark = token == "<mark>"
            parts.append(token)
            continue
        if visible == limit:
            if open_mark:
                parts.append("</mark>")
            return "".join(parts) + ELLIPSIS, True
        parts.append(token)
        visible += 1
    return "".join(parts), False
