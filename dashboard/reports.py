"""
The answers of the read endpoints: run a query from `dashboard.queries` and shape the result.

Every function here is what a cache miss costs; the views put `cache_response` in front.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from dashboard import client, queries, rollups
from dashboard.conf import dashboard_settings
from dashboard.excerpts import cut_highlight, cut_text, join_marks
from dashboard.models import Upload
from dashboard.pagination import encode_token
from dashboard.patterns.store import current_templates
from dashboard.serializers import encode_cursor
from logdash.clock import clock


def _time_zone() -> tuple[ZoneInfo, str]:
    return ZoneInfo(settings.TIME_ZONE), settings.TIME_ZONE


def _log_entry(hit: Any) -> dict[str, Any]:
    """One line as list answers show it, its message cut to LIST_MESSAGE_CHARS (see `dashboard.excerpts`)."""
    source = hit.to_dict()
    limit = dashboard_settings.LIST_MESSAGE_CHARS
    message, cut = cut_text(source.get("message", ""), limit)
    entry = {
        "id": hit.meta.id,
        "timestamp": source.get("@timestamp"),
        "level": source.get("level"),
        "source": source.get("source", ""),
        "host": source.get("host", ""),
        "process": source.get("process", ""),
        "product": source.get("product", ""),
        "message": message,
        "truncated": cut or bool(source.get("message_truncated", False)),
        "pattern": cut_text(source.get("pattern", ""), limit)[0],
        "pattern_id": source.get("pattern_id", ""),
        "upload_id": source.get("upload_id"),
        "line_number": source.get("line_number"),
    }
    highlight = getattr(hit.meta, "highlight", None)
    marked = next((highlight[field][0] for field in reversed(queries.TEXT_FIELDS)
                   if highlight is not None and field in highlight), None)
    if marked is not None:  # the words field's marks when it has any: they show `Error` inside `ValueError`
        entry["highlight"], highlight_cut = cut_highlight(join_marks(marked), limit)
        entry["truncated"] = entry["truncated"] or highlight_cut
    return entry


def _with_current_patterns(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Show each entry's pattern as its product's stored template today.

    A template can generalise after a line was indexed (a later line showed a word to be a
    variable); the id does not change, and this makes the text agree with it everywhere.
    """
    templates = current_templates((entry["product"], entry["pattern_id"]) for entry in entries if entry["pattern_id"])
    for entry in entries:
        pattern = templates.get((entry["product"], entry["pattern_id"]), entry["pattern"])
        entry["pattern"] = cut_text(pattern, dashboard_settings.LIST_MESSAGE_CHARS)[0]
    return entries


def _per_day(histogram: Any) -> list[dict[str, Any]]:
    return [{"date": bucket.key_as_string, "count": bucket.doc_count} for bucket in histogram.buckets]


def get_dashboard(*, owner_id: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The seven KPIs, over every log or over one user's uploads.

    The counts come from the rollups (`dashboard.rollups`), so their cost does not grow with the
    history; the recent logs read the lines, in the partitions of the newest days only.
    """
    tz, tz_name = _time_zone()
    now = now or clock.now()
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=queries.HISTOGRAM_DAYS - 1)
    counts = rollups.dashboard_counts(today=today, first_day=first_day, error_levels=queries.ERROR_LEVELS,
                                      owner_id=owner_id)
    uploads = Upload.objects.filter(status=Upload.Status.COMPLETE)
    if owner_id is not None:
        uploads = uploads.filter(owner_id=owner_id)
    return {
        "total_logs": counts["total"],
        "logs_today": counts["today"],
        "error_logs": counts["errors"],
        "logs_by_level": counts["by_level"],
        "recent_logs": _recent_logs(owner_id=owner_id, tz=tz),
        "logs_per_day": [{"date": (first_day + timedelta(days=n)).isoformat(),
                          "count": counts["per_day"].get(first_day + timedelta(days=n), 0)}
                         for n in range(queries.HISTOGRAM_DAYS)],
        "files_uploaded": uploads.count(),
        "time_zone": tz_name,
        "generated_at": now.isoformat(),
    }


def _recent_logs(*, owner_id: int | None, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The newest lines, read from the partitions of the newest days that hold enough of them."""
    days = rollups.newest_days(queries.RECENT_LOGS, owner_id=owner_id) or [clock.now().astimezone(tz).date()]
    start = queries.start_of_day(days[-1], tz)
    # Open-ended: the newest day may be the last one a date can name (a line dated 9999-12-31 by another writer).
    end = queries.start_of_day(days[0], tz) + timedelta(days=1) if days[0] < date.max - timedelta(days=2) else None
    search = client.within(queries.recent_logs_query(start=start, end=end, owner_id=owner_id), start, end)
    return _with_current_patterns([_log_entry(hit) for hit in client.execute(search).hits])


def search_pages(criteria: queries.SearchCriteria, *, following: int = 0) -> list[dict[str, Any]]:
    """This page of search results and up to `following` pages after it, from one query to the engine.

    Each page after the first is what a request with the previous page's `next_cursor` would get: the
    sort is a total order (time, upload, line) and the total does not depend on the cursor. A page is
    only returned if the one before it has a `next_cursor`, as only then can the client ask for it.
    """
    response = client.execute(client.within(
        queries.search_query(replace(criteria, size=criteria.size * (1 + following))), *criteria.time_range()))
    hits = list(response.hits)
    total = response.hits.total.value
    pages = []
    page_criteria = criteria
    for start in range(0, criteria.size * (1 + following), criteria.size):
        page_hits = hits[start:start + criteria.size]
        more = page_criteria.search_after is not None or page_criteria.offset + len(page_hits) < total
        full = bool(page_hits) and len(page_hits) == criteria.size
        next_cursor = encode_cursor(list(page_hits[-1].meta.sort)) if full and more else None
        pages.append({
            "total": total,
            "size": criteria.size,
            "results": _with_current_patterns([_log_entry(hit) for hit in page_hits]),
            "next_cursor": next_cursor,
        })
        if next_cursor is None:
            break
        page_criteria = replace(criteria, offset=0, search_after=tuple(page_hits[-1].meta.sort))
    return pages


def get_trends(days: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Error rate per day, top error patterns, and volume per source and per product.

    The counts come from the rollups; the top error patterns (with an example line) from the lines
    of the window's partitions.
    """
    tz, tz_name = _time_zone()
    now = now or clock.now()
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=days - 1)
    counts = rollups.trend_counts(first_day=first_day, today=today, error_levels=queries.ERROR_LEVELS,
                                  top=queries.TOP_SOURCES)
    error_rate = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        total, errors = counts["per_day"].get(day, (0, 0))
        error_rate.append({"date": day.isoformat(), "total": total, "errors": errors,
                           "error_rate": round(100 * errors / total, 2) if total else 0.0})
    start, end = queries.days_window(days, now=now, tz=tz)
    response = client.execute(client.within(queries.top_errors_query(days=days, now=now, tz=tz), start, end))
    top_errors = []
    for bucket in response.aggregations.top_patterns.buckets:
        example = bucket.example.hits.hits[0]["_source"].to_dict() if bucket.example.hits.hits else {}
        top_errors.append({"pattern": example.get("pattern", ""), "pattern_id": bucket.key, "count": bucket.doc_count,
                           "example": cut_text(example.get("message", ""), dashboard_settings.LIST_MESSAGE_CHARS)[0],
                           "source": example.get("source", ""),
                           "product": example.get("product", ""), "last_seen": example.get("@timestamp")})
    _with_current_patterns(top_errors)
    for entry in top_errors:
        del entry["product"]
    return {
        "days": days,
        "time_zone": tz_name,
        "total_logs": counts["total"],
        "error_rate_per_day": error_rate,
        "top_error_messages": top_errors,
        "volume_per_source": [{"source": source, "count": count} for source, count in counts["by_source"]],
        "volume_per_product": [{"product": product or None, "count": count} for product, count in counts["by_product"]],
        "generated_at": now.isoformat(),
    }


def _instant(metric: Any) -> str | None:
    """A min/max of `@timestamp` as ISO 8601 (the engine gives epoch milliseconds, and maybe a string)."""
    if metric.value is None:
        return None
    return datetime.fromtimestamp(metric.value / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def list_patterns(criteria: queries.SearchCriteria, *, offset: int, size: int) -> dict[str, Any]:
    """One page of the most frequent patterns among the lines `criteria` selects, from the `offset`-th."""
    response = client.execute(client.within(queries.patterns_query(criteria, buckets=offset + size + 1),
                                            *criteria.time_range()))
    buckets = response.aggregations.patterns.buckets
    results = []
    for bucket in buckets[offset:offset + size]:
        example = bucket.example.hits.hits[0]["_source"].to_dict() if bucket.example.hits.hits else {}
        results.append({
            "pattern_id": bucket.key,
            "pattern": example.get("pattern", ""),
            "product": example.get("product", ""),
            "count": bucket.doc_count,
            "first_seen": _instant(bucket.first_seen),
            "last_seen": _instant(bucket.last_seen),
            "levels": {level.key: level.doc_count for level in bucket.by_level.buckets},
            "example": {"message": example.get("message", ""), "level": example.get("level"),
                        "source": example.get("source", ""), "timestamp": example.get("@timestamp")},
        })
    _with_current_patterns(results)
    return {
        "total_lines": response.hits.total.value,
        "size": size,
        "results": results,
        "next_cursor": encode_token([offset + size]) if len(buckets) > offset + size else None,
    }
