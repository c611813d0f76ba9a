"""
Templates for log lines: Drain's clustering over token-type masked messages.

Drain (He et al., ICWS 2017) groups lines of the same length whose tokens mostly agree and
turns the positions where they disagree into `<*>`. What this miner does differently, each for
a failure of Drain seen in the Loghub benchmark rather than for any one system:

- masking first (`masking.mask_tokens`): any token holding a digit is a variable, and runs of
  variables collapse, so a list of three numbers and one of four are the same event;
- no prefix tree: candidates are the clusters of the same length, compared in full, so a
  variable first word (a user, a host) does not split an event;
- similarity over the template's constant tokens only, with a higher bar than Drain's since
  the values are masked already: `Connection opened` and `Connection closed` share half their
  words and are two events; a long message that differs in one word is one event with a variable;
- as in Drain's prefix tree, lines whose first words are different words are different events
  (`Failed password ...` and `Accepted password ...`), but only for plain words: a first token
  like `chrome.exe` or `kernel[0]:` is a name and may vary within an event;
- every distinct masked line is looked up once: a repeat costs one dict access.

A cluster's id is a short hash of its first template, so it never changes when the template
generalises; `store` makes workers that meet one event at the same time agree on one id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboard.patterns.masking import WILDCARD, mask_tokens

# Share of a template's constant tokens a line must repeat to join it. Masking has already taken
# out the values, so what is left should mostly agree: at 0.7 one word in four may differ
# (a user, a state), and a template of three or fewer constants must match exactly, so
# `Connection opened` and `Connection closed` stay apart. Drain's 0.4 was set for unmasked text.
SIMILARITY = 0.7
_MAX_CACHE = 10_000  # distinct masked lines remembered: a few MB


def pattern_id_for(template: str) -> str:
    """A short, stable id derived from a template's text (12 hex digits)."""
    return hashlib.blake2b(template.encode(), digest_size=6).hexdigest()


@dataclass
class Cluster:
    """One event: its id and its template's tokens."""

    pattern_id: str
    tokens: list[str]
    changed: bool = False

    @property
    def template(self) -> str:
        return " ".join(self.tokens)


@dataclass
class TemplateMiner:
    """Assign each message a cluster, learning templates as it goes."""

    similarity: float = SIMILARITY
    by_length: dict[int, list[Cluster]] = field(default_factory=dict)
    by_id: dict[str, Cluster] = field(default_factory=dict)
    _seen: dict[tuple[str, ...], Cluster] = field(default_factory=dict)

    def load(self, templates: Iterable[tuple[str, str]]) -> None:
        """Add known (pattern_id, template) pairs, e.g. those learned from earlier uploads."""
        for pattern_id, template in templates:
            existing = self.by_id.get(pattern_id)
            tokens = template.split(" ") if template else []
            if existing is not None:
                if len(existing.tokens) == len(tokens):
                    merged = generalise(existing.tokens, tokens)
                    existing.tokens = merged
                continue
            cluster = Cluster(pattern_id, tokens)
            self.by_id[pattern_id] = cluster
            self.by_length.setdefault(len(tokens), []).append(cluster)

    def forget(self, cluster: Cluster, replacement: Cluster) -> None:
        """Drop `cluster`; lines that went to it go to `replacement` from now on."""
        self.by_id.pop(cluster.pattern_id, None)
        same_length = self.by_length.get(len(cluster.tokens), [])
        if cluster in same_length:
            same_length.remove(cluster)
        for tokens, seen in self._seen.items():
            if seen is cluster:
                self._seen[tokens] = replacement

    def add(self, message: str) -> Cluster:
        """The cluster of `message`, created or generalised if need be."""
        tokens = tuple(mask_tokens(message))
        cluster = self._seen.get(tokens)
        if cluster is None:
            cluster = self._place(list(tokens))
            if len(self._seen) >= _MAX_CACHE:
                self._seen.clear()
            self._seen[tokens] = cluster
        return cluster

    def _place(self, tokens: list[str]) -> Cluster:
        return self.join(tokens) or self._create(tokens)

    def join(self, tokens: list[str]) -> Cluster | None:
        """The most similar cluster of the same length, generalised to cover `tokens`; None if none is close."""
        best, best_score = None, (-1.0, 0)
        for cluster in self.by_length.get(len(tokens), ()):
            first, theirs = cluster.tokens[0] if tokens else "", tokens[0] if tokens else ""
            if first != theirs and _is_word(first) and _is_word(theirs):
                continue  # the first word (a verb, a keyword) names the event; a name like chrome.exe may vary
            # On equal similarity the more specific template wins, whatever order they were loaded in.
            score = _similarity(cluster.tokens, tokens)
            if score > best_score:
                best, best_score = cluster, score
        if best is None or best_score[0] < self.similarity:
            return None
        merged = generalise(best.tokens, tokens)
        if merged != best.tokens:
            best.tokens, best.changed = merged, True
        return best

    def _create(self, tokens: list[str]) -> Cluster:
        """A new cluster whose id derives from its first template."""
        pattern_id = pattern_id_for(" ".join(tokens))
        cluster = self.by_id.get(pattern_id)
        if cluster is None:  # else: the line is exactly where a known cluster started
            cluster = Cluster(pattern_id, tokens, changed=True)
            self.by_id[pattern_id] = cluster
            self.by_length.setdefault(len(tokens), []).append(cluster)
        return cluster


def _is_word(token: str) -> bool:
    """Letters only, perhaps ending in `:` or `,` (`Failed`, `getTasks:`), unlike names such as `chrome.exe`."""
    return token.rstrip(":,;").isalpha()


def _similarity(template: list[str], tokens: list[str]) -> tuple[float, int]:
    """Share of the template's constant tokens that `tokens` repeats at the same place, and their number."""
    constants = same = 0
    for mine, theirs in zip(template, tokens, strict=True):
        if mine == WILDCARD:
            continue
        constants += 1
        if mine == theirs:
            same += 1
    if constants == 0:
        return (1.0 if all(token == WILDCARD for token in tokens) else 0.0), 0
    return same / constants, constants


def generalise(template: list[str], tokens: list[str]) -> list[str]:
    """The template that covers both: positions that differ become `<*>`."""
    return [mine if mine == theirs else WILDCARD for mine, theirs in zip(template, tokens, strict=True)]
