"""The background ticker runs every registered job in order, and a failing job stops nothing."""

from __future__ import annotations

import threading

from django.test import override_settings

from cacheops.outcomes import SERVED, Outcome
from cacheops.ticker import Ticker


def test_a_tick_runs_the_jobs_by_order_and_survives_a_failure():
    ran: list[str] = []
    ticker = Ticker()
    ticker.add(lambda: ran.append("sample"), order=20)
    ticker.add(lambda: 1 / 0, order=5)
    ticker.add(lambda: ran.append("flush"), order=0)
    ticker.tick()
    assert ran == ["flush", "sample"]


def test_the_thread_starts_once_and_ticks_until_stopped():
    ticked = threading.Event()
    ticker = Ticker()
    ticker.add(ticked.set, order=0)
    try:
        with override_settings(CACHEOPS={"STATS_FLUSH_INTERVAL": 0.01}):
            ticker.ensure_started()
            thread = ticker._thread
            ticker.ensure_started()
            assert ticker._thread is thread
            assert ticked.wait(10), "the ticker never ticked"
    finally:
        ticker.stop()
    thread.join(10)
    assert not thread.is_alive()


def test_after_a_fork_the_child_starts_its_own_thread():
    ticker = Ticker()
    ticker.add(lambda: None, order=0)
    ticker.ensure_started()
    ticker.stop()
    ticker.after_fork()
    assert not ticker.running and not ticker.stopped


def test_one_outcome_vocabulary():
    assert [(o.value, o.label, o.header) for o in Outcome] == [
        ("hits", "hit", "HIT"), ("stale", "stale", "STALE"), ("misses", "miss", "MISS"), ("errors", "error", "MISS"),
    ]
    assert [o.header for o in SERVED] == ["HIT", "MISS", "STALE"]
    assert {o for o in Outcome if o.from_cache} == {Outcome.HIT, Outcome.STALE}
