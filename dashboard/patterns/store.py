"""
A product's learned templates in the database, shared by every ingestion worker.

Each upload starts from the templates its product's earlier uploads left, so the same event
keeps the same `pattern_id` across files. Lines are mined in blocks of `BLOCK_LINES` in memory;
before a block's lines are handed on, the block's new and generalised templates are reconciled
with the database in one short transaction under the product's `PatternSet` row lock:

- a template this worker created that joins one another worker stored meanwhile is folded into
  it, and the block's lines take the other worker's id: one event, one id, whichever worker met
  it first;
- the others are inserted, and generalised ones (a constant becoming `<*>`) are merged position
  by position with the stored row. Merging only ever widens a template, so the order in which
  workers write does not change the result.

One transaction per block, not per new template: a commit costs milliseconds, and a new system's
first thousand lines create hundreds of templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import islice
from typing import Protocol, TypeVar

from django.db import transaction

from dashboard.conf import dashboard_settings
from dashboard.models import LogPattern, PatternSet
from dashboard.patterns.miner import Cluster, TemplateMiner, generalise
from logdash.clock import clock

BLOCK_LINES = 1000
MAX_STORED_PATTERN = 1024
# Rows written this long before an upload started are re-read at each block: room for clock
# differences between the machines of the workers.
CLOCK_SLACK = timedelta(minutes=5)


class HasMessage(Protocol):
    message: str


Line = TypeVar("Line", bound=HasMessage)


class PatternAssigner:
    """Give each line of one upload its pattern, learning into the product's stored templates."""

    def __init__(self, product: str) -> None:
        self.product = product
        self.miner = TemplateMiner()
        self._since = clock.now() - CLOCK_SLACK
        PatternSet.objects.get_or_create(product=product)
        self.miner.load(LogPattern.objects.filter(product=product).values_list("pattern_id", "template"))
        self._stored = set(self.miner.by_id)
        # Templates stored before this upload that it generalised: lines indexed earlier show them too.
        self.generalised: set[str] = set()

    def assign(self, lines: Iterable[Line]) -> Iterator[tuple[Line, dict[str, str]]]:
        """Each line with the `pattern` and `pattern_id` fields of its document."""
        iterator = iter(lines)
        while block := list(islice(iterator, BLOCK_LINES)):
            # Mined as indexed: a giant line's template is cut where its message is (MAX_MESSAGE_CHARS).
            clusters = [self.miner.add(line.message[:dashboard_settings.MAX_MESSAGE_CHARS]) for line in block]
            aliases = self._sync()
            for line, cluster in zip(block, clusters, strict=True):
                cluster = aliases.get(cluster.pattern_id, cluster)
                yield line, {"pattern": cluster.template[:MAX_STORED_PATTERN], "pattern_id": cluster.pattern_id}

    def _sync(self) -> dict[str, Cluster]:
        """Reconcile this block's templates with the database; return {local id: the cluster that replaced it}."""
        new = [cluster for pid, cluster in self.miner.by_id.items() if pid not in self._stored]
        if not new and not any(cluster.changed for cluster in self.miner.by_id.values()):
            return {}
        aliases: dict[str, Cluster] = {}
        with transaction.atomic():
            PatternSet.objects.select_for_update().get(product=self.product)
            theirs = list(LogPattern.objects.filter(product=self.product, updated_at__gte=self._since)
                          .exclude(pattern_id__in=[cluster.pattern_id for cluster in new])
                          .values_list("pattern_id", "template"))
            foreign = TemplateMiner()
            foreign.load((pid, template) for pid, template in theirs if pid not in self.miner.by_id)
            self.miner.load(theirs)
            for cluster in new:
                match = foreign.join(list(cluster.tokens))
                if match is not None:
                    aliases[cluster.pattern_id] = self._fold(cluster, self.miner.by_id[match.pattern_id])
            changed = [cluster for cluster in self.miner.by_id.values() if cluster.changed or
                       cluster.pattern_id not in self._stored]
            their_ids = {pattern_id for pattern_id, _ in theirs}
            self.generalised.update(cluster.pattern_id for cluster in changed
                                    if cluster.changed and (cluster.pattern_id in self._stored
                                                            or cluster.pattern_id in their_ids))
            stored = save_templates(self.product, changed)
        self.miner.load(stored)
        for cluster in changed:
            cluster.changed = False
            self._stored.add(cluster.pattern_id)
        return aliases

    def _fold(self, cluster: Cluster, into: Cluster) -> Cluster:
        """Replace a template of ours by another worker's that covers it."""
        self.miner.forget(cluster, into)
        merged = generalise(into.tokens, cluster.tokens)
        if merged != into.tokens:
            into.tokens, into.changed = merged, True
        return into


def save_templates(product: str, clusters: Iterable[Cluster]) -> list[tuple[str, str]]:
    """Insert or generalise the rows of `clusters`; return the stored (pattern_id, template) pairs."""
    clusters = {cluster.pattern_id: cluster for cluster in clusters}
    if not clusters:
        return []
    with transaction.atomic():
        LogPattern.objects.bulk_create(
            [LogPattern(product=product, pattern_id=pid, template=cluster.template, token_count=len(cluster.tokens))
             for pid, cluster in clusters.items()],
            ignore_conflicts=True,
        )
        rows = LogPattern.objects.select_for_update().filter(product=product, pattern_id__in=list(clusters))
        stored = []
        for row in rows:
            tokens = clusters[row.pattern_id].tokens
            stored_tokens = row.template.split(" ") if row.template else []
            if len(stored_tokens) == len(tokens):
                template = " ".join(generalise(stored_tokens, tokens))
                if template != row.template:
                    row.template = template
                    row.save(update_fields=["template", "updated_at"])
            stored.append((row.pattern_id, row.template))
    return stored


def current_templates(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The stored template of each (product, pattern_id): a line indexed early may carry an older, narrower one."""
    keys = set(keys)
    if not keys:
        return {}
    rows = LogPattern.objects.filter(pattern_id__in={pid for _, pid in keys}).values_list(
        "product", "pattern_id", "template")
    return {(product, pid): template for product, pid, template in rows if (product, pid) in keys}
