"""A load generator for the reliability tests: threads sending real HTTP requests, every answer kept.

Each thread opens one connection per request (gunicorn's sync workers close it after each
answer) and records when the request started, how long it took, its status and its `X-Cache`.
A request that fails at the transport level (refused, reset, timed out) is recorded with
status 0, so "zero non-2xx" counts those too.
"""

from __future__ import annotations

import http.client
import itertools
import statistics
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Sample:
    started: float  # time.monotonic() when the request was sent
    latency: float  # seconds
    status: int  # 0: no HTTP answer at all
    cache: str  # X-Cache, "" when absent
    path: str


def get(base_url: str, path: str, headers: dict[str, str], *, timeout: float = 30.0) -> tuple[int, str, bytes]:
    """One GET; return status, X-Cache and body (status 0 and the error text when there is no answer)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("X-Cache", ""), response.read()
    except OSError as exc:
        return 0, "", repr(exc).encode()
    finally:
        connection.close()


class LoadGenerator:
    """`threads` clients cycling through `paths` until stopped."""

    def __init__(self, base_url: str, paths: Sequence[str], headers: dict[str, str], *, threads: int = 16) -> None:
        self.base_url, self.paths, self.headers, self.threads = base_url, list(paths), headers, threads
        self.samples: list[Sample] = []
        self.errors: list[bytes] = []
        self._turns = itertools.count()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def _run(self) -> None:
        while not self._stop.is_set():
            # One shared counter: the threads walk the paths together, each path sent once per lap.
            path = self.paths[next(self._turns) % len(self.paths)]
            began = time.monotonic()
            status, cache, body = get(self.base_url, path, self.headers)
            sample = Sample(began, time.monotonic() - began, status, cache, path)
            self.samples.append(sample)  # list.append is atomic: no lock on the hot path
            if not 200 <= status < 300 and len(self.errors) < 20:
                self.errors.append(body[:300])

    def start(self) -> LoadGenerator:
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> list[Sample]:
        self._stop.set()
        for worker in self._workers:
            worker.join(60)
        return self.samples

    def __enter__(self) -> LoadGenerator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def between(samples: Iterable[Sample], start: float, end: float) -> list[Sample]:
    """The samples whose request started in [start, end)."""
    return [sample for sample in samples if start <= sample.started < end]


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def summarise(samples: Sequence[Sample]) -> dict[str, float]:
    """Requests, non-2xx answers, median and p99 latency (ms) and the share of hits."""
    latencies = [sample.latency for sample in samples]
    return {
        "requests": len(samples),
        "non_2xx": sum(not 200 <= sample.status < 300 for sample in samples),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else float("nan"),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
        "hit_share": round(sum(sample.cache == "HIT" for sample in samples) / max(1, len(samples)), 3),
    }
