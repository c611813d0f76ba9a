"""Background work yields the CPU to the web tier: the Celery job processes and the embedded engine run niced."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest
from django.conf import settings

from logdash.services import start_search_engine

# The niceness a process of ours gets: the setting, or this test process's own if that is lower already.
INHERITED = os.getpriority(os.PRIO_PROCESS, 0)


def test_the_job_processes_of_a_real_worker_run_at_the_worker_niceness(celery_worker):
    children = psutil.Process(celery_worker.process.pid).children()
    assert len(children) == 2, "the test worker runs two pool processes"
    assert {child.nice() for child in children} == {max(settings.LOGDASH_WORKER_NICENESS, INHERITED)}


def test_the_embedded_engine_can_start_at_a_lower_priority():
    engine = start_search_engine(niceness=max(7, INHERITED))
    try:
        assert psutil.Process(engine.pid).nice() == max(7, INHERITED)
    finally:
        engine.stop()


def _settings_in_a_fresh_process(**environment: str) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.LOGDASH_WORKER_NICENESS)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "logdash.settings", **environment})


def test_zero_keeps_normal_priority():
    assert _settings_in_a_fresh_process(LOGDASH_WORKER_NICENESS="0").stdout.strip() == "0"


@pytest.mark.parametrize("value", ["high", "20", "-5"])
def test_a_niceness_out_of_range_is_refused_naming_the_setting(value):
    done = _settings_in_a_fresh_process(LOGDASH_WORKER_NICENESS=value)
    assert done.returncode != 0
    assert f"LOGDASH_WORKER_NICENESS={value!r} is not a niceness from 0" in done.stderr
