"""
The one background thread of a process: every STATS_FLUSH_INTERVAL seconds it runs the jobs
the other modules register (the stats flush, the merge of pending latencies into their
histogram, the history sample), in their `order`.

It starts with the first counted request (`ensure_started`, a cheap check on the hit path),
not at import: under gunicorn's preload a thread started in the master would not survive the
fork. It imports nothing of cacheops but its settings, so every module may register with it
without an import circle.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from cacheops.conf import cacheops_settings

Job = Callable[[], object]


class Ticker:
    """A daemon thread running registered jobs periodically; a job's failure never stops it."""

    def __init__(self) -> None:
        self._jobs: list[tuple[int, Job]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def add(self, job: Job, *, order: int) -> None:
        """Run `job` on every tick, after the jobs of a lower `order`."""
        with self._lock:
            self._jobs = sorted([*self._jobs, (order, job)], key=lambda item: item[0])

    @property
    def running(self) -> bool:
        return self._thread is not None

    def ensure_started(self) -> None:
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="cacheops-ticker", daemon=True)
            self._thread.start()

    def tick(self) -> None:
        """Run every job once, now."""
        for _, job in list(self._jobs):
            try:
                job()
            # A daemon thread must outlive anything, including a half-configured cache during shutdown.
            except Exception:
                continue

    def _run(self) -> None:
        while not self._stop.wait(cacheops_settings.STATS_FLUSH_INTERVAL):
            self.tick()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop the thread for good (tests: what is pending belongs to no one)."""
        self._stop.set()

    def after_fork(self) -> None:
        """In a forked child: threads do not survive a fork; the next counted request starts one."""
        self._lock = threading.Lock()
        self._thread = None
        self._stop = threading.Event()


ticker = Ticker()
os.register_at_fork(after_in_child=ticker.after_fork)
