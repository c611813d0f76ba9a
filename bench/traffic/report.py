"""The traffic table, each goal marked met or not, and bench/results/traffic.json."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from bench.measure import percentile
from bench.traffic.replay import Answer

GOALS = (
    # (name in traffic.json, what the issue asks, test)
    ("token_hit_vs_floor", "token-authenticated hit <= 1.25x the in-process floor", lambda v: v <= 1.25),
    ("token_hit_throughput_vs_floor", "token-authenticated hits through gunicorn >= 0.85x the floor's throughput",
     lambda v: v >= 0.85),
    ("engine_cpu_reduction_pct", "engine CPU of answering (less the uploads' own) reduced >= 98 %",
     lambda v: v >= 98.0),
    ("engine_reduction_pct", "engine queries reduced >= 88 %", lambda v: v >= 88.0),
    ("hit_p99_vs_idle", "dashboard hit p99 under load <= 3x idle", lambda v: v <= 3.0),
)


def by_kind(answers: list[Answer]) -> dict[str, dict]:
    groups: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        groups[answer.kind].append(answer)
    summary = {}
    for kind, group in sorted(groups.items()):
        seconds = [answer.seconds for answer in group]
        served = sum(answer.x_cache in ("HIT", "STALE") for answer in group)
        summary[kind] = {
            "requests": len(group), "errors": sum(not 200 <= answer.status < 300 for answer in group),
            # Which answers were not 2xx (0: no answer at all, a client timeout or a refused connection).
            "error_statuses": {str(status): sum(answer.status == status for answer in group)
                               for status in sorted({answer.status for answer in group
                                                     if not 200 <= answer.status < 300})},
            "hit_ratio_pct": round(100 * served / len(group), 1),
            "p50_ms": round(1000 * percentile(seconds, 0.5), 1), "p99_ms": round(1000 * percentile(seconds, 0.99), 1),
        }
    return summary


def endpoint_table(model: dict, cached: dict[str, dict], uncached: dict[str, dict] | None = None) -> list[str]:
    """The model's parameters, then a row per endpoint (with the uncached replay's latencies when given)."""
    extra = " uncached p50 ms | uncached p99 ms |" if uncached is not None else ""
    lines = ["", "== traffic model ==", json.dumps(model), "",
             "| endpoint | requests | errors | hit % | p50 ms | p99 ms |" + extra,
             "| --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if extra else "")]
    for kind, row in cached.items():
        line = (f"| {kind} | {row['requests']} | {row['errors']} | {row['hit_ratio_pct']} | {row['p50_ms']} | "
                f"{row['p99_ms']} |")
        if uncached is not None:
            other = uncached.get(kind, {})
            line += f" {other.get('p50_ms', '-')} | {other.get('p99_ms', '-')} |"
        lines.append(line)
    return lines


def render(results: dict) -> str:
    lines = endpoint_table(results["model"], results["cached"]["endpoints"], results["uncached"]["endpoints"])
    engine = results["engine"]
    lines += [
        "",
        f"engine queries: {engine['cached_queries']} cached, {engine['uncached_queries']} uncached: "
        f"-{results['engine_reduction_pct']} % (ideal cache that never invalidates and reads one page ahead: "
        f"-{results['ideal_reduction_pct']} %, {engine['distinct_keys']} requests reach the engine, "
        f"{engine['distinct_searches']} of them searches)",
        f"the same less the uploads' own queries ({results['answering_queries']['uploads_own']}, the same in "
        f"every replay): {results['answering_queries']['cached']} against {results['answering_queries']['uncached']}"
        f": -{results['answering_queries']['reduction_pct']} % (ideal: "
        f"-{results['answering_queries']['ideal_reduction_pct']} %)",
        f"the reference design's invalidation (every upload wipes every cached search), modelled on this trace: "
        f"{results['total_invalidation_model']['engine_queries']} queries: "
        f"-{results['total_invalidation_model']['reduction_pct']} %",
        f"engine CPU: {engine['cached_cpu_s']} s cached, {engine['uncached_cpu_s']} s uncached "
        f"(-{results['engine_cpu_total_reduction_pct']} % in all); the uploads alone cost {engine['write_cpu_s']} s "
        f"({engine['writes']['lines']} lines), so answering cost {engine['cached_read_cpu_s']} s against "
        f"{engine['uncached_read_cpu_s']} s: -{results['engine_cpu_reduction_pct']} % (ideal cache, modelled from "
        f"each kind's CPU: -{results['ideal_engine_cpu_reduction_pct']} %)",
        "search first pages that reached the engine, by why (against the key's previous answer): "
        + ", ".join(f"{cause} {count}" for cause, count in results["search_misses"].items())
        + f"; patching the totals of pages an upload only adds lines behind (one query per upload) would "
        f"make it {results['patched_totals_model']['engine_queries']} queries: "
        f"-{results['patched_totals_model']['reduction_pct']} % (a model, not built)",
        "searches recomputed with an unchanged answer, by what invalidated them: "
        + ", ".join(f"{cause} {count}" for cause, count in results["unchanged_search_misses"].items())
        + f"; an exact upload check (none of those after an upload) would make it "
        f"{results['exact_upload_check_model']['engine_queries']} queries: "
        f"-{results['exact_upload_check_model']['reduction_pct']} % (a model, at most)",
        f"second pages: {results['second_pages']['in_trace']} in the trace, asked only after a first page with a "
        f"next_cursor: {results['second_pages']['cached']} cached, {results['second_pages']['uncached']} uncached",
        f"dashboard hit p99, one prober process of its own: {results['dashboard_hit_p99_ms']} ms under load, "
        f"{results['idle_p99_ms']} ms idle: {results['hit_p99_vs_idle']}x (the replay's own dashboard hits, timed "
        f"by its client threads: p99 {results['replay_dashboard_hit_p99_ms']} ms)",
        f"token-authenticated hit: {results['token_hit_vs_floor']}x the in-process floor "
        f"(DRF's TokenAuthentication: {results['token']['drf_token_hit_vs_floor']}x); through gunicorn "
        f"{results['token']['token_hit_requests_per_second']:.0f} requests/s against the floor's "
        f"{results['token']['floor_requests_per_second']:.0f}: {results['token_hit_throughput_vs_floor']}x",
        "",
        "| goal | figure | met |", "| --- | ---: | --- |",
    ]
    for name, text, test in GOALS:
        value = results[name]
        lines.append(f"| {text} | {value} | {'yes' if test(value) else 'NO'} |")
    return "\n".join(lines)


def write(results: dict, path: Path) -> Path:
    path.parent.mkdir(exist_ok=True)
    results["goals"] = {name: {"goal": text, "value": results[name], "met": test(results[name])}
                        for name, text, test in GOALS}
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path
