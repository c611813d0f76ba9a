"""
Per-day counts of the lines (by upload, local day, level and source), kept beside the lines.

The dashboard's totals, levels and 7-day histogram are sums over these rows, so a cache miss
costs a small SQL query whatever the history holds. They are exact, not estimates: rows are
written in the upload's own save (a failed upload writes none), deleted with the upload, and
cut by retention at the same day boundary as the lines (`dashboard.retention`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum

from dashboard.models import DailyRollup, Upload


def local_day(moment: datetime) -> date:
    """The day of an aware instant in TIME_ZONE: the day a rollup counts it under."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


@dataclass
class RollupCounter:
    """The counts of one upload's lines, gathered as they stream to the engine."""

    counts: Counter = field(default_factory=Counter)

    def add(self, moment: datetime, level: str, source: str) -> None:
        self.counts[(local_day(moment), level or "", source or "")] += 1

    def save(self, upload: Upload, product: str) -> None:
        """Write the counts as the upload's rows (call in the transaction that completes the upload)."""
        DailyRollup.objects.bulk_create(
            [DailyRollup(upload=upload, day=day, level=level, source=source, product=product, count=count)
             for (day, level, source), count in self.counts.items()],
            batch_size=500,
        )


def _rows(owner_id: int | None) -> Any:
    rows = DailyRollup.objects.all()
    if owner_id is not None:
        rows = rows.filter(upload__owner_id=owner_id)
    return rows


def dashboard_counts(*, today: date, first_day: date, error_levels: tuple[str, ...],
                     owner_id: int | None = None) -> dict[str, Any]:
    """Total, today's, error and per-level counts, and the count of each day from `first_day` to `today`."""
    rows = _rows(owner_id)
    totals = rows.aggregate(
        total=Sum("count", default=0),
        today=Sum("count", default=0, filter=Q(day=today)),
        errors=Sum("count", default=0, filter=Q(level__in=error_levels)),
    )
    by_level = {row["level"]: row["n"] for row in rows.values("level").annotate(n=Sum("count")).order_by("-n", "level")}
    per_day = dict(rows.filter(day__gte=first_day, day__lte=today).values_list("day").annotate(n=Sum("count")))
    return {**totals, "by_level": by_level, "per_day": per_day}


def trend_counts(*, first_day: date, today: date, error_levels: tuple[str, ...], top: int) -> dict[str, Any]:
    """Lines and errors per day, and the `top` sources and products by lines, from `first_day` to `today`."""
    rows = DailyRollup.objects.filter(day__gte=first_day, day__lte=today)
    per_day = {day: (total, errors) for day, total, errors in rows.values_list("day").annotate(
        total=Sum("count"), errors=Sum("count", default=0, filter=Q(level__in=error_levels)))}
    by_source = list(rows.values_list("source").annotate(n=Sum("count")).order_by("-n", "source")[:top])
    by_product = list(rows.values_list("product").annotate(n=Sum("count")).order_by("-n", "product")[:top])
    return {"total": sum(total for total, _ in per_day.values()), "per_day": per_day,
            "by_source": by_source, "by_product": by_product}


def newest_days(limit: int, *, owner_id: int | None = None) -> list[date]:
    """The newest days that together hold at least `limit` lines (all days if fewer), newest first."""
    days, seen = [], 0
    per_day = _rows(owner_id).values_list("day").annotate(n=Sum("count")).order_by("-day")
    for day, count in per_day.iterator():
        days.append(day)
        seen += count
        if seen >= limit:
            break
    return days


def rebuild_from_lines(*, page: int = 1000) -> int:
    """Recount every rollup from the lines in the engine (after a TIME_ZONE change, or for uploads made
    before rollups existed); return how many rows were written. Lines of no known upload are skipped."""
    from django.db import transaction
    from elasticsearch_dsl import A, Search

    from dashboard import client
    from dashboard.conf import dashboard_settings

    fields = ("upload_id", "level", "source", "product")
    sources = [{"upload_id": A("terms", field="upload_id")},
               {"day": A("date_histogram", field="@timestamp", calendar_interval="day",
                         time_zone=settings.TIME_ZONE, format="yyyy-MM-dd")},
               *({name: A("terms", field=name, missing_bucket=True)} for name in fields[1:])]
    known = set(Upload.objects.values_list("pk", flat=True))
    rows, after = [], None
    while True:
        search = Search(index=dashboard_settings.INDEX_ALIAS).extra(size=0)
        composite = A("composite", sources=sources, size=page, **({"after": after} if after else {}))
        search.aggs.bucket("rollup_keys", composite)
        result = client.execute(search).aggregations.rollup_keys
        for bucket in result.buckets:
            key = bucket.key.to_dict()
            if int(key["upload_id"]) in known:
                rows.append(DailyRollup(upload_id=int(key["upload_id"]), day=date.fromisoformat(key["day"]),
                                        level=key["level"] or "", source=key["source"] or "",
                                        product=key["product"] or "",
                                        count=bucket.doc_count))
        after = result.to_dict().get("after_key")
        if len(result.buckets) < page or not after:
            break
    with transaction.atomic():
        DailyRollup.objects.all().delete()
        DailyRollup.objects.bulk_create(rows, batch_size=500)
    return len(rows)
