"""`make run`'s runner end to end: it serves, its Celery worker indexes an upload, it refuses a second run on the
same port, and stops everything."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from logdash.services import free_port

PROBE = Path(__file__).with_name("rundev_probe.py")


def _run_probe(tmp_path: Path, environment: dict[str, str], *, isolated_network: bool) -> dict:
    env = {key: value for key, value in environment.items() if value is not None}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PYTHONUNBUFFERED="1")
    port = free_port()
    command = [sys.executable, str(PROBE), str(port)]
    if isolated_network:
        command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "probe", *command]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _base_environment() -> dict[str, str]:
    import os

    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    return {key: os.environ[key] for key in keep if key in os.environ}


def _assert_served_and_stopped(report: dict) -> None:
    assert report["health_status"] == 200, report["output"]
    assert report["upload_status"] == 201, (report["upload_status"], report["output"])  # indexed by its worker
    assert report["second_run_code"] != 0
    assert "is taken" in report["second_run_output"]
    assert report["exit_code"] == 0, report["output"]
    assert report["pids"], report["output"]
    assert report["alive_after_stop"] == [], report["output"]


def test_rundev_serves_with_the_machine_redis_and_stops_cleanly(tmp_path, redis_service):
    report = _run_probe(tmp_path, {**_base_environment(), "REDIS_URL": redis_service.url}, isolated_network=False)
    _assert_served_and_stopped(report)
    assert "started bundled redis-server" not in report["output"]
    assert "Admin: created superuser 'admin'" in report["output"]
    assert "Search engine memory:" in report["output"] and "MB resident for" in report["output"]


def test_rundev_starts_the_bundled_redis_when_none_answers(tmp_path):
    """In a network namespace of its own nothing listens on 127.0.0.1:6379, as on a laptop without Redis."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.fail("unshare -n is not permitted here; the bundled-Redis path cannot be exercised")
    report = _run_probe(tmp_path, _base_environment(), isolated_network=True)
    _assert_served_and_stopped(report)
    assert "started bundled redis-server" in report["output"]
