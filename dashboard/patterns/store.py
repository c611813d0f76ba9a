"""
A product's learned templates in the database, shared by every ingestion worker.

Each upload starts from the templates its product's earlier uploads left (so the same event
keeps the same `pattern_id`) and learns in memory while it streams. Two rules keep several
workers on one product consistent:

- a new template is created only while holding the product's `PatternSet` row lock, after
  taking in what other workers stored meanwhile: if one of them created the event first, this
  worker joins its template instead of inventing a second id for it;
- a template that generalises (a constant becoming `<*>`) is written back merged position by
  position with the stored row, under that row's lock. Merging only ever widens a template,
  so the order in which workers write does not change the result.

Generalisations are written back every `SYNC_EVERY` lines and at the end of the upload.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dashboard.models import LogPattern, PatternSet
from dashboard.patterns.miner import Cluster, TemplateMiner, generalise

SYNC_EVERY = 20_000
MAX_STORED_PATTERN = 1024
# Rows written this long before an upload started are re-read when it creates a template:
# room for clock differences between the machines of the workers.
CLOCK_SLACK = timedelta(minutes=5)


class SharedTemplateMiner(TemplateMiner):
    """A miner whose new templates are created in the database, one worker at a time per product."""

    def __init__(self, product: str) -> None:
        super().__init__()
        self.product = product
        self._since = timezone.now() - CLOCK_SLACK
        PatternSet.objects.get_or_create(product=product)
        self.load(LogPattern.objects.filter(product=product).values_list("pattern_id", "template"))

    def _create(self, tokens: list[str]) -> Cluster:
        with transaction.atomic():
            PatternSet.objects.select_for_update().get(product=self.product)
            self.load(LogPattern.objects.filter(product=self.product, token_count=len(tokens),
                                                updated_at__gte=self._since).values_list("pattern_id", "template"))
            cluster = self._join(tokens)
            if cluster is not None:
                return cluster
            cluster = super()._create(tokens)
            LogPattern.objects.get_or_create(product=self.product, pattern_id=cluster.pattern_id,
                                             defaults={"template": cluster.template, "token_count": len(tokens)})
            cluster.changed = False
            return cluster


class PatternAssigner:
    """Give each line of one upload its pattern, learning into the product's stored templates."""

    def __init__(self, product: str) -> None:
        self.product = product
        self.miner = SharedTemplateMiner(product)
        self._since_sync = 0

    def fields(self, message: str) -> dict[str, str]:
        """The `pattern` and `pattern_id` fields of a line's document."""
        cluster = self.miner.add(message)
        self._since_sync += 1
        if self._since_sync >= SYNC_EVERY:
            self.save()
        return {"pattern": cluster.template[:MAX_STORED_PATTERN], "pattern_id": cluster.pattern_id}

    def save(self) -> None:
        """Write generalised templates back, and take in what other workers stored for them."""
        self._since_sync = 0
        changed = [cluster for cluster in self.miner.by_id.values() if cluster.changed]
        if changed:
            self.miner.load(save_templates(self.product, changed))
            for cluster in changed:
                cluster.changed = False


def save_templates(product: str, clusters: Iterable[Cluster]) -> list[tuple[str, str]]:
    """Insert or generalise the rows of `clusters`; return the stored (pattern_id, template) pairs."""
    clusters = {cluster.pattern_id: cluster for cluster in clusters}
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
