"""
What a set of lines contains, kept small enough to tell which cached searches they may match.

An upload's job fills a `LineSummary` as it indexes, and at commit each search noted in the
entry lifetime is tested against it (`dashboard.invalidation`) without asking the search engine:
before this, one multi-search per upload asked the engine about every noted search, and those
checks cost the engine more CPU than the misses they saved.

The test may say yes when no line matches (the search is then recomputed for nothing) but never
no when one does. It follows how a term is searched (`dashboard.queries._term_query`) and how
`message` is analysed (dashboard/documents.py); a term matches a line in one of two ways:
- its standard tokens are tokens of the line. The standard tokenizer never splits between two ASCII
  letters or digits (below its 255-character limit), so each run of ASCII letters and digits of the
  term is then a whole run of the line, lower-cased;
- its identifier words (`ValueError` -> value, error) are words the identifier-words tokenizer cut
  from the line. On an ASCII line those words are exactly what the same pattern cuts from it, case
  kept, and the summary keeps them.
A line with other characters (whose case and segmentation the engine may treat otherwise), or with
a token too long for the standard tokenizer, is kept loosely: a run or word of the term found
inside one of its runs counts.
A term with other characters is taken to match (the check cannot reason about every script).
Each run and word remembers the levels of the lines it was seen in, so a search filtered by level is
tested against the words of those levels' lines only. The other filters (source, product, pattern,
time range) are checked on the sets and span of the lines, not line by line: again over-approximate,
never under.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from dashboard.queries import SearchCriteria, search_terms

# A run of ASCII letters and digits: the standard tokenizer never splits inside one.
_ASCII_RUN = re.compile(r"[a-z0-9]+")
# The standard tokenizer cuts a longer token into pieces that need not start at a run: a line with
# such a token is kept loosely, as a line with other characters is.
_STANDARD_MAX_TOKEN_LENGTH = 255
# The identifier words of an ASCII term, as the `identifier_words` analyzer cuts them.
_IDENTIFIER_WORD = re.compile(r"[A-Z]+[a-z]*|[a-z]+|[0-9]+")

# Past this many characters of distinct runs the summary stops and says it cannot tell (an upload
# that large is likely to touch most searches, and testing hundreds of searches against it would cost
# the worker more than the misses it saves).
MAX_SUMMARY_CHARS = 8_000_000


class LineSummary:
    """The distinct word runs and identifier words (with their lines' levels), levels, sources, products,
    patterns and time span."""

    def __init__(self, *, max_chars: int = MAX_SUMMARY_CHARS) -> None:
        self.runs: dict[str, int] = {}  # run -> the bits of the levels of the lines it is in
        self.words: dict[str, int] = {}  # identifier word of an ASCII line that is not a whole run of it -> bits
        self.loose_runs: dict[str, int] = {}  # run of a line kept loosely -> the same bits
        self._level_bits: dict[str, int] = {}
        self.levels: set[str] = set()
        self.sources: set[str] = set()
        self.products: set[str] = set()
        self.pattern_ids: set[str] = set()
        self.oldest: datetime | None = None
        self.newest: datetime | None = None
        self.overflowed = False
        self._chars = 0
        self._max_chars = max_chars
        self._texts: dict[int, str] = {}  # the runs of some levels' lines, joined: what a word is found inside

    def add(self, *, message: str, level: str, source: str, product: str, pattern_id: str,
            moment: datetime) -> None:
        """Count one line as indexed (its message as stored, truncation included)."""
        if self.overflowed:
            return
        bit = self._level_bits.setdefault(level, 1 << len(self._level_bits))
        self.levels.add(level)
        self.sources.add(source)
        self.products.add(product)
        self.pattern_ids.add(pattern_id)
        if self.oldest is None or moment < self.oldest:
            self.oldest = moment
        if self.newest is None or moment > self.newest:
            self.newest = moment
        if message.isascii():
            runs = _ASCII_RUN.findall(message.lower())
        else:
            # The engine lower-cases `İ` to `i`; Python to `i` and a combining dot, which would split the run.
            runs = _ASCII_RUN.findall(message.lower().replace("\u0307", ""))
        self._note(self.runs, runs, bit)
        if message.isascii() and not _has_long_token(message):
            # Most identifier words are whole runs (`information`, `42`), which the check reads as well.
            words = set(" ".join(_IDENTIFIER_WORD.findall(message)).lower().split())
            words.difference_update(runs)
            if words:
                self._note(self.words, words, bit)
        else:
            self._note(self.loose_runs, runs, bit)
            self._texts.clear()
        if self._chars > self._max_chars:
            self.overflowed = True
            self.runs.clear()
            self.words.clear()
            self.loose_runs.clear()
            self._texts.clear()

    def _note(self, seen_in: dict[str, int], items: Iterable[str], bit: int) -> None:
        for item in items:
            seen = seen_in.get(item)
            if seen is None:
                seen_in[item] = bit
                self._chars += len(item) + 1
            elif not seen & bit:
                seen_in[item] = seen | bit

    def may_match(self, criteria: SearchCriteria) -> bool:
        """False only when no line summarised here can match `criteria`'s filters."""
        if self.overflowed:
            return True
        if self.newest is None:
            return False
        if criteria.level and not self.levels.intersection(criteria.level):
            return False
        levels = -1  # every bit: no level filter
        if criteria.level:
            levels = 0
            for level in criteria.level:
                levels |= self._level_bits.get(level, 0)
        if criteria.source and criteria.source not in self.sources:
            return False
        if criteria.product and criteria.product not in self.products:
            return False
        if criteria.pattern_id and criteria.pattern_id not in self.pattern_ids:
            return False
        if criteria.date_from and self.newest < criteria.date_from:
            return False
        if criteria.date_to and self.oldest > criteria.date_to:
            return False
        return all(self._may_contain(term, levels) for term in search_terms(criteria.q))

    def _may_contain(self, term: str, levels: int) -> bool:
        """Whether a line of one of `levels` may have `term`: its runs as whole runs, or its identifier words."""
        if not term.isascii():
            return True
        return (all(self._may_have(run, levels) for run in _ASCII_RUN.findall(term.lower()))
                or all(self._may_have(word.lower(), levels) for word in _IDENTIFIER_WORD.findall(term)))

    def _may_have(self, item: str, levels: int) -> bool:
        """`item` is a whole run or an identifier word for one of `levels`, or inside a run of a line kept loosely."""
        if (self.runs.get(item, 0) | self.words.get(item, 0)) & levels:
            return True
        if not self.loose_runs:
            return False
        text = self._texts.get(levels)
        if text is None:
            text = self._texts[levels] = "\n".join(run for run, bits in self.loose_runs.items() if bits & levels)
        return item in text

def _has_long_token(message: str) -> bool:
    """Whether `message` has a run of non-blanks longer than the standard tokenizer's longest token."""
    return (len(message) > _STANDARD_MAX_TOKEN_LENGTH
            and max(map(len, message.split()), default=0) > _STANDARD_MAX_TOKEN_LENGTH)
