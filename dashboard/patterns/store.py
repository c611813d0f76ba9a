"""
A product's learned templates in the database, shared by every ingestion worker.

Each upload starts from the templates its product's earlier uploads left (so the same event
keeps the same `pattern_id`), learns in memory while it streams, and writes back what it
created or generalised every `SYNC_EVERY` lines and at the end. Writing back is additive and
commutative: a new template is an insert that ignores a row another worker inserted first,
and a changed one is merged position by position with the stored row under a row lock, so
concurrent uploads of one product converge on the same templates whatever their order.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from dashboard.models import LogPattern
from dashboard.patterns.miner import Cluster, TemplateMiner, generalise

SYNC_EVERY = 20_000
MAX_STORED_PATTERN = 1024


class PatternAssigner:
    """Give each line of one upload its pattern, learning into the product's stored templates."""

    def __init__(self, product: str) -> None:
        self.product = product
        self.miner = TemplateMiner()
        self.miner.load(LogPattern.objects.filter(product=product).values_list("pattern_id", "template"))
        self._since_sync = 0

    def fields(self, message: str) -> dict[str, str]:
        """The `pattern` and `pattern_id` fields of a line's document."""
        cluster = self.miner.add(message)
        self._since_sync += 1
        if self._since_sync >= SYNC_EVERY:
            self.save()
        return {"pattern": cluster.template[:MAX_STORED_PATTERN], "pattern_id": cluster.pattern_id}

    def save(self) -> None:
        """Write new and generalised templates back, and take in what other workers stored meanwhile."""
        self._since_sync = 0
        changed = [cluster for cluster in self.miner.by_id.values() if cluster.changed]
        if changed:
            merged = save_templates(self.product, changed)
            self.miner.load(merged)
            for cluster in changed:
                cluster.changed = False


def save_templates(product: str, clusters: Iterable[Cluster]) -> list[tuple[str, str]]:
    """Insert or generalise the rows of `clusters`; return the stored (pattern_id, template) pairs."""
    clusters = {cluster.pattern_id: cluster for cluster in clusters}
    with transaction.atomic():
        LogPattern.objects.bulk_create(
            [LogPattern(product=product, pattern_id=pid, template=cluster.template) for pid, cluster in clusters.items()],
            ignore_conflicts=True,
        )
        rows = LogPattern.objects.select_for_update().filter(product=product, pattern_id__in=list(clusters))
        stored = []
        for row in rows:
            tokens = clusters[row.pattern_id].tokens
            stored_tokens = row.template.split(" ")
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
