"""
What a set of lines contains, kept small enough to tell which cached searches they may match.

An upload's job fills a `LineSummary` as it indexes, and at commit each search noted in the
entry lifetime is tested against it (`dashboard.invalidation`) without asking the search engine:
before this, one multi-search per upload asked the engine about every noted search, and those
checks cost the engine more CPU than the misses they saved.

The test may say yes when no line matches (the search is then recomputed for nothing) but never
no when one does. It holds because of how `message` is analysed (dashboard/documents.py): both
the standard tokenizer and the identifier-words tokenizer only split and lower-case, and neither
splits inside a run of ASCII letters and digits. So every identifier word of an ASCII search term
(`ValueError` -> value, error) lies inside one such run of any line the term matches. A term with
other characters is taken to match (the check cannot reason about every script's segmentation).
Each run remembers the levels of the lines it was seen in, so a search filtered by level is tested
against the words of those levels' lines only. The other filters (source, product, pattern, time
range) are checked on the sets and span of the lines, not line by line: again over-approximate,
never under.
"""

from __future__ import annotations

import re
from datetime import datetime

from dashboard.queries import SearchCriteria, search_terms

# A run of ASCII letters and digits: neither tokenizer of `message` splits inside one.
_ASCII_RUN = re.compile(r"[a-z0-9]+")
# The identifier words of an ASCII term, as the `identifier_words` analyzer cuts them.
_IDENTIFIER_WORD = re.compile(r"[A-Z]+[a-z]*|[a-z]+|[0-9]+")

# Past this many characters of distinct runs the summary stops and says it cannot tell (an upload
# that large is likely to touch most searches, and testing hundreds of searches against it would cost
# the worker more than the misses it saves).
MAX_SUMMARY_CHARS = 8_000_000


class LineSummary:
    """The distinct word runs (with their lines' levels), levels, sources, products, patterns and time span."""

    def __init__(self, *, max_chars: int = MAX_SUMMARY_CHARS) -> None:
        self.runs: dict[str, int] = {}  # run -> the bits of the levels of the lines it is in
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
        # The engine lower-cases `İ` to `i`; Python to `i` and a combining dot, which would split the run.
        lowered = message.lower() if message.isascii() else message.lower().replace("\u0307", "")
        for run in _ASCII_RUN.findall(lowered):
            seen = self.runs.get(run)
            if seen is None:
                self.runs[run] = bit
                self._chars += len(run) + 1
            elif not seen & bit:
                self.runs[run] = seen | bit
        self._texts.clear()
        if self._chars > self._max_chars:
            self.overflowed = True
            self.runs.clear()

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
        """Whether every identifier word of `term` is inside a run of a line of one of `levels`."""
        if not term.isascii():
            return True
        for word in _IDENTIFIER_WORD.findall(term):
            word = word.lower()
            if self.runs.get(word, 0) & levels:
                continue
            text = self._texts.get(levels)
            if text is None:
                text = self._texts[levels] = "\n".join(run for run, bits in self.runs.items() if bits & levels)
            if word not in text:
                return False
        return True
