"""
In-process latency: each variant through Django's WSGI handler (the whole middleware and
DRF stack, no network), in short blocks interleaved so that machine noise hits every variant
alike.
"""

from __future__ import annotations

import gc
import io
import sys
import time
from collections.abc import Callable

from django.core.handlers.wsgi import WSGIHandler

from bench.measure import ratio, summarise

VARIANTS = {
    "floor (1 GET + zlib)": "/bench/floor",
    "DRF floor (the same in an APIView)": "/bench/drf-floor",
    "ours (cache_response)": "/bench/ours",
    "ours, token user (DRF TokenAuthentication)": "/bench/ours-token-database",
    "ours, token user (logdash token table)": "/bench/ours-token-cached",
    "drf-extensions cache_response": "/bench/drf-extensions",
    "django cache_page": "/bench/cache-page",
}
MISS = ("uncached /api/dashboard (miss)", "/bench/dashboard-uncached")


def make_caller(handler: WSGIHandler, path: str, token: str = "") -> Callable[[], tuple[str, dict]]:
    base = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "application/json", "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if token and "token" in path:
        base["HTTP_AUTHORIZATION"] = f"Token {token}"
    result: dict = {}

    def start_response(status: str, headers: list, exc_info=None) -> None:
        result["status"], result["headers"] = status, dict(headers)

    def call() -> tuple[str, dict]:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(b"")
        response = handler(environ, start_response)
        b"".join(response)
        response.close()
        return result["status"], result["headers"]

    return call


def run(token: str, rounds: int = 7, per_round: int = 400, miss_per_round: int = 5, block_size: int = 25) -> dict:
    """Every variant's median; `token` authenticates the token-user variants."""
    handler = WSGIHandler()
    callers = {name: make_caller(handler, path, token) for name, path in VARIANTS.items()}
    for name, call in callers.items():  # prime the caches, check each answers 200 from its cache
        call()
        status, headers = call()
        assert status.startswith("200"), (name, status)
        assert headers.get("X-Cache", "HIT") == "HIT", (name, headers)
    # What setting up left behind (migrations, 10,000 demo lines) stays out of every collection,
    # as gunicorn servers that freeze after loading the app do.
    gc.collect()
    gc.freeze()
    samples: dict[str, list[float]] = {name: [] for name in [*callers, *([MISS[0]] if miss_per_round else [])]}
    miss_call = make_caller(handler, MISS[1])
    names = list(callers)
    clock = time.perf_counter_ns
    for _ in range(rounds):
        # Short blocks in rotating order: a slow spell of the shared machine lands on every variant
        # alike, while each block runs one code path warm (request-by-request alternation would
        # bill each variant for the caches its predecessor evicted).
        for block in range(per_round // block_size):
            shift = block % len(names)
            for name in names[shift:] + names[:shift]:
                call = callers[name]
                for _ in range(block_size):
                    began = clock()
                    call()
                    samples[name].append((clock() - began) / 1000)
        for _ in range(miss_per_round):
            began = clock()
            status, _ = miss_call()
            samples[MISS[0]].append((clock() - began) / 1000)
            assert status.startswith("200"), status
    gc.unfreeze()
    summary = {name: summarise(values) for name, values in samples.items()}
    floor = summary["floor (1 GET + zlib)"]["median"]
    for values in summary.values():
        values["ratio_to_floor"] = ratio(values["median"], floor)
    return {"unit": "microseconds per request", "rounds": rounds, "requests_per_round": per_round,
            "variants": summary}
