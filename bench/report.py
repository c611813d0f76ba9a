"""Turn the results into the Markdown table the README links to, and the JSON beside it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bench import ingest_speed, storage_scale
from bench.patterns import table as patterns_table
from bench.serving import table as serving_table


def _latency_table(section: dict) -> list[str]:
    lines = ["| variant | median (us) | p99 (us) | ratio to floor |", "| --- | ---: | ---: | ---: |"]
    for name, values in section["variants"].items():
        lines.append(f"| {name} | {values['median']:.1f} | {values['p99']:.1f} | {values['ratio_to_floor']:.2f}x |")
    return lines


def _http_table(section: dict) -> list[str]:
    lines = ["| variant | requests/s | median (us) | p99 (us) | throughput vs floor | non-2xx |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, values in section["variants"].items():
        lines.append(f"| {name} | {values['requests_per_second']:.0f} | {values['median_us']:.0f} | "
                     f"{values['p99_us']:.0f} | {values['throughput_ratio_to_floor']:.2f}x | {values['non_2xx']} |")
    return lines


def _compression_table(section: dict) -> list[str]:
    lines = ["| payload | codec | bytes | ratio | compress (us) | decompress (us) |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for payload, data in section.items():
        lines.append(f"| {payload} | raw | {data['raw_bytes']} | 1.00 | | |")
        for codec, row in data["codecs"].items():
            lines.append(f"| | {codec} | {row['bytes']} | {row['ratio']:.2f} | {row['compress_us']} | "
                         f"{row['decompress_us']} |")
    return lines


OURS, DRF_EXTENSIONS, CACHE_PAGE = "ours (cache_response)", "drf-extensions cache_response", "django cache_page"
DRF_FLOOR = "DRF floor (the same in an APIView)"


def _verdict(results: dict) -> list[str]:
    """Our hit against each peer in this run: latency and throughput, and the distance to DRF's own floor."""
    latency, http = results["latency"]["variants"], results["http"]["variants"]
    lines = ["| our hit against | median latency | requests/s |", "| --- | ---: | ---: |"]
    for peer in (DRF_EXTENSIONS, CACHE_PAGE, DRF_FLOOR):
        faster = 1 - latency[OURS]["median"] / latency[peer]["median"]
        more = http[OURS]["requests_per_second"] / http[peer]["requests_per_second"] - 1
        lines.append(f"| {peer} | {abs(faster):.0%} {'lower' if faster >= 0 else 'HIGHER'} | "
                     f"{abs(more):.0%} {'more' if more >= 0 else 'FEWER'} |")
    return lines


def _cluster_reader_section(medians: dict | None) -> list[str]:
    if not medians:
        return []
    baseline = medians["cluster, RedisCluster.execute_command"]
    return ["## The hit's Redis read on a Redis Cluster (3 primaries, 3 replicas)", "",
            "| read | per read (us) | vs RedisCluster |", "| --- | ---: | ---: |",
            *(f"| {name} | {micros:.1f} | x{micros / baseline:.2f} |" for name, micros in medians.items()), ""]


def render(results: dict) -> str:
    inv = results["invalidation"]
    stampede = results["stampede"]
    lines = [
        f"# logdash benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"{results['machine']['platform']}. Whole run: {results['seconds']} s. Medians over interleaved rounds; "
        "the machine is shared, so read the ratios.",
        "",
        "## In-process latency (one request through Django's WSGI handler)",
        "",
        *_latency_table(results["latency"]),
        "",
        f"## HTTP through gunicorn ({results['http']['workers']} workers, {results['http']['load_generator']}, "
        f"{results['http']['connections']} connections, {results['http']['rounds']} rounds of "
        f"{results['http']['seconds_per_run']} s)",
        "",
        *_http_table(results["http"]),
        "",
        "## Our hit against the others (same run)",
        "",
        *_verdict(results),
        "",
        "The DRF floor is the floor view behind `APIView.dispatch` (authentication, permissions, content "
        "negotiation, response finalisation): every DRF hit pays it, so the distance from it is what the "
        "cache decorator itself costs. Our hit can come in at or under it: both floors use redis-py's "
        "`execute_command`, our hit a per-thread connection and a pre-packed MGET (cacheops/reader.py).",
        "",
        "## Serving model (hits while slow misses hold workers)",
        "",
        *(serving_table(results["serving"]) if "serving" in results else []),
        "",
        *_cluster_reader_section(results.get("cluster_reader")),
        "## Stampede",
        "",
        f"{stampede['concurrent_requests']} concurrent requests on a cold `/api/dashboard` cost "
        f"**{stampede['search_engine_requests']}** search-engine request(s); answers: {stampede['x_cache']}.",
        "",
        f"## Invalidating a type holding {inv['keys']:,} keys",
        "",
        "| operation | time | longest Redis command (SLOWLOG) |",
        "| --- | ---: | --- |",
        f"| `invalidate_cache_type` (generation bump, the request path) | {inv['generation_bump']['ms']} ms | "
        f"{inv['generation_bump']['longest_us']} us {inv['generation_bump']['command'] or '(none over 1 ms)'} |",
        f"| `invalidate_cache_type(purge=True)` (SCAN + UNLINK) | {inv['purge_scan_unlink']['seconds']} s | "
        f"{inv['purge_scan_unlink']['longest_us']} us {inv['purge_scan_unlink']['command'] or '(none over 1 ms)'} |",
        f"| `KEYS cache:dashboard:*` (what we never do) | {inv['keys_command_for_contrast']['ms']} ms | "
        f"{inv['keys_command_for_contrast']['longest_us']} us {inv['keys_command_for_contrast']['command']} |",
        "",
        "## Compression",
        "",
        *_compression_table(results["compression"]),
        "",
        "## Ingestion: lines parsed per second on one core",
        "",
        *(ingest_speed.table(results["ingest"], results.get("ingest_bulk")) if "ingest" in results else []),
        "",
        "## Storage: the dashboard miss, retention and engine memory over 90 days of lines (embedded engine)",
        "",
        *(storage_scale.table(results["storage"]) if "storage" in results else []),
        "",
        "## Message patterns (grouping accuracy on the Loghub 2k samples, same run)",
        "",
        *patterns_table(results.get("patterns", {})),
        "",
    ]
    return "\n".join(lines)


def write_reports(results: dict, folder: Path) -> str:
    folder.mkdir(exist_ok=True)
    markdown = render(results)
    (folder / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (folder / "latest.md").write_text(markdown)
    return markdown
