"""
`python -m bench.traffic` (`make bench-traffic`): the traffic model replayed cached and uncached.

Prints the parameters, a table per endpoint, the engine's queries and CPU with and without the
cache, the ideal-cache ceiling of the same trace, and each goal met or not; writes
bench/results/traffic.json. `--duration SECONDS` (simulated) shortens or lengthens the replay,
`--search-every SECONDS` changes how often users search, `--results NAME` names the file written,
`--answers FILE` also keeps every answer of both replays.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")

import django

django.setup()

from bench.measure import percentile, reduction  # noqa: E402
from bench.traffic import ideal, report  # noqa: E402
from bench.traffic.model import LOGHUB, Event, TrafficModel, build_trace, search_vocabulary  # noqa: E402
from bench.traffic.replay import call, log_in, multipart, replay  # noqa: E402
from bench.traffic.stack import ROOT, PreparedData, Stack  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEMO_LINES = 30_000
CALIBRATION_QUERIES = 5
CALIBRATION_REQUESTS = 10  # of each kind, for the engine CPU one costs
IDLE_PROBES = 200


def measure_token_hit() -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.traffic.token_hit"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"})
    if done.returncode:
        raise RuntimeError(f"the token-hit measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cursor(stack: Stack, token: str, query: str, model: TrafficModel) -> str:
    """The `next_cursor` of a search's first page (asked before the calibration counts)."""
    status, _, body = call(stack.url, "GET", f"/api/search?q={query.replace(' ', '+')}&size={model.page_size}",
                           token=token)
    return (json.loads(body).get("next_cursor") or "") if status == 200 else ""


def engine_cost_per_request(stack: Stack, model: TrafficModel) -> dict[str, dict[str, float]]:
    """Engine queries and CPU seconds one request of each kind costs without the cache, one at a time.

    The CPU is read from /proc at the engine's tick (10 ms), so each kind is asked several times.
    """
    token = log_in(stack.url, "user0")
    queries = search_vocabulary(model.distinct_queries, seed=model.seed)[:CALIBRATION_QUERIES]
    paths = {
        "dashboard": ["/api/dashboard"], "trends": ["/api/analytics/trends"],
        "user_dashboard": ["/api/user/dashboard"], "me": ["/api/user/me"],
        "search": [f"/api/search?q={query}&size={model.page_size}" for query in queries],
        "search_page2": [f"/api/search?q={query}&size={model.page_size}&cursor={cursor(stack, token, query, model)}"
                         for query in queries],
    }
    cost: dict[str, dict[str, float]] = {"queries": {}, "cpu_s": {}}
    for kind, kind_paths in paths.items():
        asked = kind_paths * max(1, CALIBRATION_REQUESTS // len(kind_paths))
        stack.wait_for_quiet_engine(timeout=10)
        before, cpu = stack.engine_queries, stack.engine_cpu_seconds
        for path in asked:
            call(stack.url, "GET", path.replace(" ", "+"), token=token)
        cost["queries"][kind] = (stack.engine_queries - before) / len(asked)
        cost["cpu_s"][kind] = round((stack.engine_cpu_seconds - cpu) / len(asked), 4)
    return cost


def measure_write_cpu(data: PreparedData, trace: list[Event]) -> dict:
    """Engine CPU of the trace's uploads alone, back to back: the part of its load no cache can save.

    Both replays pay it alike; the reads' share of each replay is its engine CPU minus this.
    """
    stack = Stack(data, cached=True).start()
    try:
        token = log_in(stack.url, "uploader")
        stack.wait_for_quiet_engine()
        cpu, queries = stack.engine_cpu_seconds, stack.engine_queries
        uploads = [event for event in trace if event.kind == "upload"]

        def upload(event: Event) -> int:
            body, content_type = multipart(Path(event.params["file"]), event.params.get("product", ""))
            status, _, answer = call(stack.url, "POST", "/api/upload?wait=120", token=token, body=body,
                                     content_type=content_type)
            if status != 201:  # 201: the job completed within the wait
                raise RuntimeError(f"a writes-only upload answered {status}: {answer[:300]!r}")
            return json.loads(answer).get("lines_indexed", 0)

        # Two at a time, the uploader's limit of uploads in progress; in the trace's order.
        with ThreadPoolExecutor(max_workers=2) as pool:
            lines = sum(pool.map(upload, uploads))
        return {"uploads": len(uploads), "lines": lines, "engine_cpu_s": round(stack.engine_cpu_seconds - cpu, 2),
                "engine_queries": stack.engine_queries - queries}
    finally:
        stack.stop()


def start_probe(stack: Stack, token: str, count: int | None = None) -> subprocess.Popen:
    """The dashboard prober (bench/traffic/probe.py) in a process of its own."""
    command = [sys.executable, "-m", "bench.traffic.probe", stack.url, token, *([str(count)] if count else [])]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def probe_result(process: subprocess.Popen) -> dict:
    output, _ = process.communicate(timeout=120)  # closing stdin stops an open-ended probe
    return json.loads(output.strip().splitlines()[-1])


def run_replay(data: PreparedData, model: TrafficModel, trace: list[Event], *, cached: bool) -> dict:
    stack = Stack(data, cached=cached).start()
    try:
        idle, under_load, prober = [], [], None
        if cached:
            token = log_in(stack.url, "operator0")
            call(stack.url, "GET", "/api/dashboard", token=token)  # the entry the probe reads
            idle = probe_result(start_probe(stack, token, IDLE_PROBES))["hits"]
            prober = start_probe(stack, token)
        quiet_after = stack.wait_for_quiet_engine()
        queries, cpu = stack.engine_queries, stack.engine_cpu_seconds
        began = time.monotonic()
        answers = replay(stack.url, model, trace)
        seconds = time.monotonic() - began
        if prober is not None:
            under_load = probe_result(prober)["hits"]
        result = {"answers": answers, "seconds": round(seconds, 1),
                  "engine_queries": stack.engine_queries - queries,
                  "engine_cpu_s": round(stack.engine_cpu_seconds - cpu, 2), "idle": idle,
                  "waited_for_quiet_engine_s": quiet_after,
                  "probe_under_load": under_load}
        if not cached:
            result["cost"] = engine_cost_per_request(stack, model)
        return result
    finally:
        stack.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.traffic")
    parser.add_argument("--duration", type=float, default=TrafficModel.duration, help="simulated seconds")
    parser.add_argument("--search-every", type=float, default=TrafficModel.search_every,
                        help="mean simulated seconds between a user's searches")
    parser.add_argument("--demo-lines", type=int, default=DEMO_LINES)
    parser.add_argument("--results", default="traffic.json", help="file name in bench/results/")
    parser.add_argument("--answers", type=Path, help="also write every answer of both replays here (JSON lines)")
    options = parser.parse_args(argv)
    model = replace(TrafficModel(), duration=options.duration, search_every=options.search_every)
    upload_files = sorted(LOGHUB.glob("*_2k.log"))
    if not upload_files:
        parser.error(f"no Loghub samples (*_2k.log) in {LOGHUB}: the uploads replay them. Put the shared data "
                     "folder beside the checkout (../shared/data/loghub).")
    began = time.monotonic()

    def phase(text: str) -> None:
        print(f"[{time.monotonic() - began:5.0f} s] {text}", flush=True)

    print("== traffic model ==\n" + json.dumps(model.describe()), flush=True)
    phase("measuring a token-authenticated hit in-process and through gunicorn...")
    token = measure_token_hit()
    phase(f"preparing {options.demo_lines} demo lines and {model.users + model.operators + 1} users...")
    data = PreparedData.create(users=model.users, operators=model.operators, demo_lines=options.demo_lines)
    try:
        trace = build_trace(model, data.products, upload_files)
        phase(f"{len(trace)} events over {model.duration / model.compression:.0f} s, replayed twice")
        runs = {}
        for cached in (True, False):
            label = "cached" if cached else "uncached"
            phase(f"replaying {label}...")
            runs[label] = run_replay(data, model, trace, cached=cached)
        phase("replaying the uploads alone (the engine CPU of writes)...")
        writes = measure_write_cpu(data, trace)
    finally:
        data.close()
    phase("done")
    results = summarise(model, trace, token, runs, writes)
    if options.answers:
        write_answers(runs, options.answers)
    results["bench_seconds"] = round(time.monotonic() - began)
    print(report.render(results))
    print(f"\nwrote {report.write(results, RESULTS / options.results)}")
    return 0


def write_answers(runs: dict, path: Path) -> None:
    """Every answer of both replays, one JSON object a line, for reading the run again without replaying it."""
    with path.open("w") as out:
        for label, run in runs.items():
            for answer in run["answers"]:
                out.write(json.dumps({"replay": label, **asdict(answer)}) + "\n")


def summarise(model: TrafficModel, trace: list[Event], token: dict, runs: dict, writes: dict) -> dict:
    cached, uncached = runs["cached"], runs["uncached"]
    ceiling = ideal.ideal_engine_queries(cached["answers"], uncached["answers"], uncached["engine_queries"],
                                         uncached["cost"]["queries"])
    cpu_ceiling = ideal.ideal_engine_cpu(cached["answers"], uncached["answers"], uncached["cost"]["cpu_s"])
    # The same prober process idle and during the replay (bench/traffic/probe.py).
    hit_p99, idle_p99 = percentile(cached["probe_under_load"], 0.99), percentile(cached["idle"], 0.99)
    replay_hits = [answer.seconds for answer in cached["answers"]
                   if answer.kind == "dashboard" and answer.x_cache == "HIT"]

    misses = ideal.search_misses(cached["answers"])
    unchanged = ideal.unchanged_misses_by_cause(cached["answers"])
    uploads = sum(1 for answer in cached["answers"] if answer.kind == "upload")
    # A model of a cache that patches the total of a cached page an upload only adds lines behind:
    # each such miss becomes a hit, for one query per upload (its lines' counts for every search).
    patched_queries = cached["engine_queries"] - misses["total_only"] + uploads
    # A model of an upload check that is exact: no search recomputed after an upload left its answer as it was.
    exact_check_queries = cached["engine_queries"] - unchanged["upload"]
    total_invalidation = ideal.total_invalidation_queries(cached["answers"], cached["engine_queries"])
    # The uploads' own queries (their jobs read the engine too) are the same in both replays, like their CPU.
    own = writes["engine_queries"]

    return {
        "model": model.describe(), "events": len(trace),
        "cached": {"seconds": cached["seconds"], "endpoints": report.by_kind(cached["answers"])},
        "uncached": {"seconds": uncached["seconds"], "endpoints": report.by_kind(uncached["answers"])},
        "engine": {"cached_queries": cached["engine_queries"], "uncached_queries": uncached["engine_queries"],
                   "cached_cpu_s": cached["engine_cpu_s"], "uncached_cpu_s": uncached["engine_cpu_s"],
                   "write_cpu_s": writes["engine_cpu_s"], "writes": writes,
                   "waited_for_quiet_engine_s": {"cached": cached["waited_for_quiet_engine_s"],
                                                 "uncached": uncached["waited_for_quiet_engine_s"]},
                   "cached_read_cpu_s": round(max(0.0, cached["engine_cpu_s"] - writes["engine_cpu_s"]), 2),
                   "uncached_read_cpu_s": round(max(0.0, uncached["engine_cpu_s"] - writes["engine_cpu_s"]), 2),
                   "cost_per_uncached_request": uncached["cost"], **ceiling},
        "engine_reduction_pct": reduction(cached["engine_queries"], uncached["engine_queries"]),
        # The engine's load of answering: each replay's CPU less the CPU its uploads cost alone.
        "engine_cpu_reduction_pct": reduction(max(0.0, cached["engine_cpu_s"] - writes["engine_cpu_s"]),
                                              max(0.0, uncached["engine_cpu_s"] - writes["engine_cpu_s"])),
        "engine_cpu_total_reduction_pct": reduction(cached["engine_cpu_s"], uncached["engine_cpu_s"]),
        "ideal_engine_cpu_reduction_pct": cpu_ceiling["ideal_reduction_pct"], "engine_cpu_model": cpu_ceiling,
        "ideal_reduction_pct": reduction(ceiling["ideal_engine_queries"], uncached["engine_queries"]),
        "answering_queries": {
            "uploads_own": own, "cached": cached["engine_queries"] - own, "uncached": uncached["engine_queries"] - own,
            "reduction_pct": reduction(cached["engine_queries"] - own, uncached["engine_queries"] - own),
            "ideal_reduction_pct": reduction(ceiling["ideal_engine_queries"] - own, uncached["engine_queries"] - own)},
        "total_invalidation_model": {**total_invalidation, "reduction_pct": reduction(
            total_invalidation["engine_queries"], uncached["engine_queries"])},
        "search_misses": misses, "unchanged_search_misses": unchanged,
        "exact_upload_check_model": {"engine_queries": exact_check_queries,
                                     "reduction_pct": reduction(exact_check_queries, uncached["engine_queries"])},
        "patched_totals_model": {"engine_queries": patched_queries,
                                 "reduction_pct": reduction(patched_queries, uncached["engine_queries"])},
        "dashboard_hit_p99_ms": round(1000 * hit_p99, 1), "idle_p99_ms": round(1000 * idle_p99, 1),
        "probe_hits": {"idle": len(cached["idle"]), "under_load": len(cached["probe_under_load"])},
        # The replay's own dashboard hits, timed by its many client threads in one interpreter.
        "replay_dashboard_hit_p99_ms": round(1000 * percentile(replay_hits, 0.99), 1),
        "hit_p99_vs_idle": round(hit_p99 / idle_p99, 2) if idle_p99 else 0.0,
        "token": token, "token_hit_vs_floor": token["token_hit_vs_floor"],
        "token_hit_throughput_vs_floor": token["token_hit_throughput_vs_floor"],
        "requests_served": sum(1 for answer in cached["answers"] if 200 <= answer.status < 300),
        # A second page is asked only when its first page answered a next_cursor, as the client does.
        "second_pages": {"in_trace": sum(1 for event in trace
                                         if event.kind == "search" and event.params.get("page") == 2),
                         **{label: sum(1 for answer in runs[label]["answers"] if answer.kind == "search_page2")
                            for label in ("cached", "uncached")}},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
