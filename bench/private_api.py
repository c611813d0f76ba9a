"""
`python -m bench.private_api`: what writing Django's private `HttpHeaders._store` would save a hit.

Issue 16 keeps a private-API shortcut only where it is worth more than 5 % of a hit. Before it,
`Entry.to_response` and `_mark` wrote the stored and the X-Cache headers straight into
`response.headers._store`, skipping Django's per-header validation. This runs the real hit of
`/bench/ours` through Django's WSGI handler in alternating blocks, once with the public
header API (what cacheops does) and once with that shortcut patched in, and prints the
difference. Measured on 2026-11-30 (Django 5.2.19, a shared 2-CPU machine), two runs: 0.4 % and
-0.7 % of a 750-850 us hit, within noise; so the shortcut went. Uses the Redis at REDIS_URL (default 127.0.0.1:6379).
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.latency import make_caller  # noqa: E402
from cacheops import decorators, entries  # noqa: E402
from cacheops.outcomes import Outcome  # noqa: E402

_PUBLIC = (entries.Entry.to_response, decorators._mark)


def _private_to_response(entry: entries.Entry) -> HttpResponse:
    response = HttpResponse(entry.body, status=entry.status)
    response.headers._store.update((name.lower(), (name, value)) for name, value in entry.headers)
    return response


def _private_mark(response: Any, outcome: Outcome, key: str, *, age: str | None = None) -> Any:
    headers = [("X-Cache", outcome.header), ("X-Cache-Key", key)] + ([("Age", age)] if age is not None else [])
    response.headers._store.update((name.lower(), (name, value)) for name, value in headers)
    return response


def _use(variant: str) -> None:
    to_response, mark = _PUBLIC if variant == "public" else (_private_to_response, _private_mark)
    entries.Entry.to_response = to_response  # type: ignore[method-assign]
    decorators._mark = mark


def run(rounds: int = 30, block: int = 200) -> dict[str, float]:
    """Median seconds of a hit with each variant, in alternating blocks."""
    with override_settings(ROOT_URLCONF="bench.urls"):
        call = make_caller(WSGIHandler(), "/bench/ours")
        call()
        assert call()[1].get("X-Cache") == "HIT", "the bench view must answer from the cache"
        timings: dict[str, list[float]] = {"public": [], "private": []}
        try:
            for index in range(rounds):
                for variant in ("public", "private") if index % 2 else ("private", "public"):
                    _use(variant)
                    for _ in range(block):
                        started = time.perf_counter()
                        call()
                        timings[variant].append(time.perf_counter() - started)
        finally:
            _use("public")
    return {variant: statistics.median(values) for variant, values in timings.items()}


if __name__ == "__main__":
    medians = run()
    saved = medians["public"] - medians["private"]
    print(f"public API {medians['public'] * 1e6:.1f} us, HttpHeaders._store {medians['private'] * 1e6:.1f} us: "
          f"the private shortcut saves {saved * 1e6:.1f} us, {saved / medians['public'] * 100:.1f} % of a hit")
