"""
`python -m bench.traffic.live [URL]` (`make bench-traffic-live`): the traffic model replayed once
against a logdash that is already running, `make run`'s by default.

`make bench-traffic` starts its own stacks, because it replays the same trace a second time with
the cache switched off on a copy of the same data; a running server has one cache and one copy of
its data, so this replays the cached half only. It reports what that server did with the model's
traffic: requests, hit ratio and p50/p99 per endpoint, the search-engine queries its processes
sent meanwhile, and the fewest an ideal cache would have sent for the same requests.

Run it from the checkout the server runs from, with the same environment (`DATABASE_URL`): it
creates the simulated users in that database (`traffic-user0`, ..., without a usable password) and
gives them their tokens there, as `make run` lets one address log in only 10 times a minute. The
queries are read from the server's /metrics (`logdash_search_query_seconds_count`: every search its
processes ran, the jobs' included; not the counts and deletes of an upload's own bookkeeping), which
answers loopback addresses, or `--metrics-token`. It leaves its uploads
indexed, and the operators' invalidations empty the cache types they name.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")

import django

django.setup()

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from bench.measure import reduction  # noqa: E402
from bench.traffic import ideal, report  # noqa: E402
from bench.traffic.model import LOGHUB, Event, TrafficModel, build_trace  # noqa: E402
from bench.traffic.replay import Answer, replay  # noqa: E402

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
USERNAME_PREFIX = "traffic-"
QUERY_COUNTER = "logdash_search_query_seconds_count"
# The kinds whose uncached answer costs the engine one query each (make bench-traffic calibrates them).
READ_KINDS = ("dashboard", "search", "search_page2", "trends", "user_dashboard")


def provision(actors: set[str]) -> dict[str, str]:
    """The token of each actor's user (`traffic-<actor>`), made if missing; operators and the uploader are staff."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    tokens = {}
    for actor in sorted(actors):
        user, made = get_user_model().objects.get_or_create(username=f"{USERNAME_PREFIX}{actor}")
        if made:
            user.set_unusable_password()
        user.is_staff, user.is_active = not actor.startswith("user"), True
        user.save()
        tokens[actor] = Token.objects.get_or_create(user=user)[0].key
    return tokens


def products() -> list[str]:
    from dashboard.models import Product

    return sorted(Product.objects.values_list("slug", flat=True))


def engine_queries_sent(base: str, *, metrics_token: str = "") -> float:
    """The search-engine queries the server's processes have sent so far, from its /metrics."""
    headers = {"Authorization": f"Bearer {metrics_token}"} if metrics_token else {}
    request = urllib.request.Request(f"{base}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"GET {base}/metrics answered {exc.code}: it answers loopback addresses "
                           "(METRICS_ALLOWED_IPS) and holders of METRICS_TOKEN; pass --metrics-token.") from exc
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == QUERY_COUNTER)


def summarise(model: TrafficModel, trace: list[Event], answers: list[Answer], engine_queries: float,
              seconds: float) -> dict:
    """What the server did with the trace, beside the ideal cache's queries for the same requests."""
    reads = sum(1 for answer in answers if answer.kind in READ_KINDS and answer.status == 200)
    distinct = ideal.first_sightings(answers)
    ideal_queries = sum(distinct[kind] for kind in READ_KINDS)
    outcomes = Counter(answer.x_cache or "none" for answer in answers if answer.kind in READ_KINDS)
    return {
        "model": model.describe(), "events": len(trace), "seconds": round(seconds, 1),
        "endpoints": report.by_kind(answers),
        "requests_served": sum(1 for answer in answers if 200 <= answer.status < 300),
        "reads": reads, "read_outcomes": dict(sorted(outcomes.items())),
        "engine_queries": engine_queries, "ideal_engine_queries": ideal_queries,
        # Uncached, each read costs the engine one query: the baseline make bench-traffic measures.
        "reduction_vs_one_query_per_read_pct": reduction(engine_queries, reads),
        "ideal_reduction_pct": reduction(ideal_queries, reads),
        "search_misses": ideal.search_misses(answers),
    }


def render(results: dict) -> str:
    lines = report.endpoint_table(results["model"], results["endpoints"])
    lines += [
        "",
        f"{results['events']} events in {results['seconds']} s; {results['reads']} reads answered "
        f"({', '.join(f'{outcome} {count}' for outcome, count in results['read_outcomes'].items())})",
        f"search-engine queries the server ran meanwhile (its /metrics: the jobs' searches and anyone else's "
        f"traffic included): {results['engine_queries']:.0f}, against one a read uncached: "
        f"-{results['reduction_vs_one_query_per_read_pct']} %",
        f"an ideal cache that never invalidates and reads one page ahead: {results['ideal_engine_queries']} "
        f"queries, -{results['ideal_reduction_pct']} %",
        "search first pages that reached the engine, by why: "
        + ", ".join(f"{cause} {count}" for cause, count in results["search_misses"].items()),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.traffic.live")
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000", help="the running logdash")
    parser.add_argument("--duration", type=float, default=TrafficModel.duration, help="simulated seconds")
    parser.add_argument("--search-every", type=float, default=TrafficModel.search_every,
                        help="mean simulated seconds between a user's searches")
    parser.add_argument("--metrics-token", default="", help="METRICS_TOKEN, when /metrics does not answer this address")
    parser.add_argument("--results", default="traffic-live.json", help="file name in bench/results/")
    options = parser.parse_args(argv)
    base = options.url.rstrip("/")
    model = replace(TrafficModel(), duration=options.duration, search_every=options.search_every)
    upload_files = sorted(LOGHUB.glob("*_2k.log"))
    if not upload_files:
        parser.error(f"no Loghub samples (*_2k.log) in {LOGHUB}: the uploads replay them. Put the shared data "
                     "folder beside the checkout (../shared/data/loghub).")
    trace = build_trace(model, products(), upload_files)
    tokens = provision({event.actor for event in trace})
    print("== traffic model ==\n" + json.dumps(model.describe()), flush=True)
    print(f"replaying {len(trace)} events over {model.duration / model.compression:.0f} s against {base}...",
          flush=True)
    before = engine_queries_sent(base, metrics_token=options.metrics_token)
    began = time.monotonic()
    answers = replay(base, model, trace, tokens=tokens)
    seconds = time.monotonic() - began
    results = summarise(model, trace, answers, engine_queries_sent(base, metrics_token=options.metrics_token) - before,
                        seconds)
    print(render(results))
    path = RESULTS / options.results
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
