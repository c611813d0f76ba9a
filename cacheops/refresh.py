"""Background refreshes for stale-while-revalidate: a small per-process pool of threads."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.db import connections

from cacheops.conf import cacheops_settings

logger = logging.getLogger("cacheops")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_pending: set[Future] = set()


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
    future = _get_executor().submit(_run, task)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def wait_for_refreshes(timeout: float) -> bool:
    """Wait until every refresh submitted so far has ended (a test's teardown, a graceful stop); False on timeout."""
    with _lock:
        pending = list(_pending)
    return not wait(pending, timeout=timeout).not_done


def _after_fork() -> None:
    global _executor, _lock, _pending
    _executor, _lock, _pending = None, threading.Lock(), set()


os.register_at_fork(after_in_child=_after_fork)
