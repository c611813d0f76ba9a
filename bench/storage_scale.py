"""
Storage at scale on the embedded engine: the dashboard's cache miss at 30,000, 300,000 and
1,000,000 lines spread over 90 days, the time `apply_retention` takes to cut that history to
14 days, and the engine's resident memory before and after.

Each size gets a fresh osmem-server. Lines are bulk-indexed straight into their partitions with
their rollups (the parse is measured elsewhere, in `ingest_speed`), as uploads of three
products. The miss is `reports.get_dashboard` (rollups + the recent logs from the newest
partitions); the baseline is the same seven KPIs computed over every line in one engine query
(`queries.dashboard_query`, what the miss cost before rollups), measured in the same run.
Medians of interleaved rounds.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.test.utils import override_settings

from dashboard import client, queries, reports
from dashboard.models import DailyRollup, Product, Upload
from dashboard.retention import apply_retention
from dashboard.rollups import RollupCounter
from logdash.clock import clock
from logdash.services import resident_memory_bytes, start_search_engine

DAYS = 90
RETENTION_DAYS = 14
LEVELS = (("DEBUG", 10), ("INFO", 62), ("WARNING", 15), ("ERROR", 10), ("CRITICAL", 3))
SOURCES = ("nginx", "api", "auth", "worker", "scheduler", "db")
PRODUCTS = ("storefront", "billing", "search-service")


def _load(lines: int, *, seed: int = 11) -> None:
    """Index `lines` synthetic lines over the last DAYS days as one upload per product, with rollups."""
    rng = random.Random(seed)
    now = clock.now()
    levels, weights = zip(*LEVELS, strict=True)
    router = client.PartitionRouter()
    per_product = lines // len(PRODUCTS)
    for slug in PRODUCTS:
        product, _ = Product.objects.get_or_create(slug=slug, defaults={"name": slug})
        upload = Upload.objects.create(filename=f"bench-{slug}.log", product=product, status=Upload.Status.COMPLETE)
        rollup = RollupCounter()

        def documents(upload=upload, rollup=rollup, slug=slug):
            # Oldest first, as a log file is: each bulk request then fills one or two partitions.
            offsets = sorted((rng.random() * DAYS * 86400 for _ in range(per_product)), reverse=True)
            for n, offset in enumerate(offsets):
                moment = now - timedelta(seconds=offset)
                level, source = rng.choices(levels, weights)[0], rng.choice(SOURCES)
                rollup.add(moment, level, source)
                yield {"_id": f"{upload.pk}-{n}", "_index": router.index_for(moment), "_source": {
                    "@timestamp": moment.isoformat(), "level": level, "source": source, "host": f"{source}-1",
                    "process": "", "product": slug, "upload_id": upload.pk, "owner_id": None, "line_number": n,
                    "parsed": True, "pattern": "request <*> took <*> ms", "pattern_id": f"p{n % 50}",
                    "message": f"request {rng.randint(1, 99999)} took {rng.randint(1, 4000)} ms"}}

        upload.lines_indexed = client.bulk_index(documents(), chunk_size=2000)
        upload.save()
        rollup.save(upload, product=slug)
    client.refresh()


def _median_ms(call, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 1)


def _full_scan_kpis() -> None:
    tz = ZoneInfo(settings.TIME_ZONE)
    client.execute(queries.dashboard_query(now=clock.now(), tz=tz, tz_name=settings.TIME_ZONE))


def _misses(rounds: int) -> dict:
    """Interleaved rounds of the dashboard miss (rollups) and the full-scan baseline."""
    reports.get_dashboard()  # first touch: connections, caches of the engine
    ours, baseline = [], []
    for _ in range(rounds):
        ours.append(_median_ms(reports.get_dashboard, 1))
        baseline.append(_median_ms(_full_scan_kpis, 1))
    return {"miss_ms": round(statistics.median(ours), 1), "full_scan_ms": round(statistics.median(baseline), 1)}


def measure(lines: int, *, rounds: int = 7) -> dict:
    """One size on a fresh engine: load, misses, memory, retention to 14 days, and the same after."""
    engine = start_search_engine(startup_timeout=60)
    try:
        with override_settings(ELASTICSEARCH_URL=engine.url, ELASTICSEARCH_FLAVOR="osmem", ELASTICSEARCH_TIMEOUT=300,
                               LOGDASH_EMBEDDED_MAX_DOCS=None, LOGDASH_RETENTION_DAYS=None):
            Upload.objects.all().delete()  # their lines lived in an engine that is gone
            DailyRollup.objects.all().delete()
            client.ensure_index()
            began = time.perf_counter()
            _load(lines)
            result = {"lines": lines, "days": DAYS, "load_seconds": round(time.perf_counter() - began, 1),
                      "partitions": len(client.list_partitions()), **_misses(rounds),
                      "engine_rss_mb": round((resident_memory_bytes(engine.pid) or 0) / 2**20)}
            with override_settings(LOGDASH_RETENTION_DAYS=RETENTION_DAYS):
                began = time.perf_counter()
                report = apply_retention()
                result["retention"] = {"seconds": round(time.perf_counter() - began, 2),
                                       "partitions_dropped": len(report.partitions_dropped),
                                       "lines_removed": report.lines_removed,
                                       "lines_by_query": report.lines_deleted}
            after = _misses(rounds)
            result["after_retention"] = {"lines": client.document_count(), **after,
                                         "engine_rss_mb": round((resident_memory_bytes(engine.pid) or 0) / 2**20)}
            assert result["after_retention"]["lines"] == sum(DailyRollup.objects.values_list("count", flat=True))
            return result
    finally:
        engine.stop()


def run(sizes: tuple[int, ...] | None = None) -> dict:
    """Every size (BENCH_STORAGE_SIZES="30000,300000,1000000" to choose), with ratios to the smallest."""
    if sizes is None:
        sizes = tuple(int(size) for size in os.environ.get("BENCH_STORAGE_SIZES", "30000,300000").split(","))
    results = []
    for lines in sizes:
        print(f"  storage: {lines:,} lines over {DAYS} days ...", flush=True)
        results.append(measure(lines))
        print(f"    {results[-1]}", flush=True)
    smallest = results[0]
    for result in results:
        result["miss_ratio_to_smallest"] = round(result["miss_ms"] / smallest["miss_ms"], 2)
        result["full_scan_ratio_to_smallest"] = round(result["full_scan_ms"] / smallest["full_scan_ms"], 2)
    return {"sizes": results, "retention_days": RETENTION_DAYS, "time_zone": settings.TIME_ZONE,
            "utc_now": clock.now().astimezone(UTC).isoformat()}


def table(section: dict) -> list[str]:
    rows = [
        "| lines (90 days) | load | dashboard miss (rollups) | vs 30k | full scan (before) | vs 30k | engine RSS | "
        f"apply_retention to {section['retention_days']} days | partitions dropped | miss after | RSS after |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in section["sizes"]:
        rows.append(
            f"| {r['lines']:,} | {r['load_seconds']} s | {r['miss_ms']} ms | {r['miss_ratio_to_smallest']}x | "
            f"{r['full_scan_ms']} ms | {r['full_scan_ratio_to_smallest']}x | {r['engine_rss_mb']} MB | "
            f"{r['retention']['seconds']} s ({r['retention']['lines_removed']:,} lines) | "
            f"{r['retention']['partitions_dropped']} | {r['after_retention']['miss_ms']} ms | "
            f"{r['after_retention']['engine_rss_mb']} MB |")
    return rows
