"""
Retention: drop the lines older than LOGDASH_RETENTION_DAYS, or a product's shorter retention.

Retention keeps whole local days (TIME_ZONE): `days` = 14 keeps today and the 13 days before,
so no line kept is older than 14 days. The lines before that midnight go: whole partitions when
their UTC day ends before it (an index delete, instant whatever it holds), a delete-by-query
only in the partition that straddles it and for a product that keeps fewer days. The rollups
of the same days go with them, so the dashboard's counts keep matching the lines.

`apply_retention` is what `manage.py apply_retention` and the periodic (Celery beat) job call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from elasticsearch_dsl import Q, Search

from dashboard import client
from dashboard.conf import dashboard_settings
from dashboard.models import DailyRollup, Product
from logdash.clock import clock

logger = logging.getLogger(__name__)


def cutoff_for(days: int, *, now: datetime) -> datetime:
    """The first instant kept when keeping `days` local days, today included."""
    tz = ZoneInfo(settings.TIME_ZONE)
    first_day = now.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime.combine(first_day, datetime.min.time(), tzinfo=tz)


def _effective_days(global_days: int | None, product_days: int | None) -> int | None:
    """A product's retention may only shorten the global one (whole partitions go at the global limit)."""
    candidates = [days for days in (global_days, product_days) if days]
    return min(candidates) if candidates else None


def retention_cutoff(product_slug: str, *, now: datetime) -> datetime | None:
    """The first instant kept for lines of `product_slug` ('' for none), or None when everything is kept."""
    product_days = None
    if product_slug:
        product_days = Product.objects.filter(slug=product_slug).values_list("retention_days", flat=True).first()
    days = _effective_days(dashboard_settings.RETENTION_DAYS, product_days)
    return cutoff_for(days, now=now) if days else None


@dataclass
class RetentionReport:
    """What `apply_retention` removed."""

    cutoff: datetime | None = None
    partitions_dropped: list[str] = field(default_factory=list)
    lines_dropped: int = 0  # in the dropped partitions
    lines_deleted: int = 0  # by delete-by-query (the straddling partition, products)
    products: dict[str, int] = field(default_factory=dict)  # product slug -> lines deleted for its own retention
    rollup_rows_deleted: int = 0

    @property
    def lines_removed(self) -> int:
        return self.lines_dropped + self.lines_deleted

    def lines(self) -> list[str]:
        """The report in words, one line each, for the command and the log."""
        if self.cutoff is None and not self.products:
            return ["No retention is set (LOGDASH_RETENTION_DAYS, or a product's retention): nothing removed."]
        out = []
        if self.cutoff is not None:
            out.append(f"Global retention: lines before {self.cutoff.isoformat()} removed.")
        out.append(f"Dropped {len(self.partitions_dropped)} partitions ({self.lines_dropped} lines)"
                   + (f": {', '.join(self.partitions_dropped)}" if self.partitions_dropped else "."))
        out.append(f"Deleted {self.lines_deleted} lines by query (partitions straddling a limit, product retention).")
        out.extend(f"Product {slug!r}: {count} lines past its own retention deleted."
                   for slug, count in sorted(self.products.items()))
        out.append(f"Removed {self.lines_removed} lines in all; {self.rollup_rows_deleted} rollup rows.")
        return out


def _older_than(cutoff: datetime) -> Q:
    return Q("range", **{"@timestamp": {"lt": cutoff.isoformat()}})


def apply_retention(*, now: datetime | None = None) -> RetentionReport:
    """Remove every line past the global or its product's retention, with its rollups; invalidate the answers."""
    now = now or clock.now()
    report = RetentionReport()
    global_days = dashboard_settings.RETENTION_DAYS
    partitions = client.list_partitions()
    owners: set[int | None] = set()
    if global_days:
        report.cutoff = cutoff = cutoff_for(global_days, now=now)
        whole = [p for p in partitions if p.end is not None and p.end <= cutoff]
        if whole:
            report.lines_dropped = client.count(Search(index=",".join(p.name for p in whole)))
            client.drop_partitions(p.name for p in whole)
            report.partitions_dropped = [p.name for p in whole]
        partly = [p.name for p in partitions if p not in whole and (p.start is None or p.start < cutoff)]
        if partly:
            report.lines_deleted += client.delete_matching(Search(index=",".join(partly)).filter(_older_than(cutoff)))
        owners |= _delete_rollups(DailyRollup.objects.filter(day__lt=cutoff.date()), report)
        partitions = [p for p in partitions if p not in whole]
    for slug, days in Product.objects.filter(retention_days__isnull=False).values_list("slug", "retention_days"):
        if global_days and days >= global_days:
            continue
        cutoff = cutoff_for(days, now=now)
        names = [p.name for p in partitions if p.start is None or p.start < cutoff]
        if names:
            deleted = client.delete_matching(
                Search(index=",".join(names)).filter("term", product=slug).filter(_older_than(cutoff)))
            report.lines_deleted += deleted
            report.products[slug] = deleted
        owners |= _delete_rollups(DailyRollup.objects.filter(product=slug, day__lt=cutoff.date()), report)
    if report.lines_removed or report.rollup_rows_deleted:
        transaction.on_commit(lambda: _invalidate(owners))
    for line in report.lines():
        logger.info("[RETENTION] %s", line)
    return report


def _delete_rollups(rows: QuerySet[DailyRollup], report: RetentionReport) -> set[int | None]:
    """Delete the rollup rows of removed lines; return the owners of their uploads (whose answers changed)."""
    owners = set(rows.values_list("upload__owner_id", flat=True).distinct())
    report.rollup_rows_deleted += rows.delete()[0]
    return owners


def _invalidate(owners: set[int | None]) -> None:
    """Fewer lines change the dashboard, trends and search, and the per-user answers of their uploaders."""
    from dashboard.indexing import invalidate_after_upload

    invalidate_after_upload(None)
    for owner_id in owners - {None}:
        invalidate_after_upload(owner_id)
