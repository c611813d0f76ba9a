"""Background refreshes for stale-while-revalidate: a small per-process pool of threads."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections

from cacheops.conf import cacheops_settings

logger = logging.getLogger("cacheops")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(cacheops_settings.REFRESH_THREADS, thread_name_prefix="cacheops-refresh")
    return _executor


def _run(task: Callable[[], None]) -> None:
    try:
        task()
    except Exception:
        logger.exception("[CACHE ERROR] background refresh failed; the stale entry stays until its hard limit")
    finally:
        # A thread's database connection is its own: close it rather than leak one per refresh.
        connections.close_all()


def submit_refresh(task: Callable[[], None]) -> Future:
    """Run `task` in the background; its errors are logged, never raised to a request."""
    return _get_executor().submit(_run, task)


def _after_fork() -> None:
    global _executor, _lock
    _executor, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_after_fork)
