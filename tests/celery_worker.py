"""
A real `celery -A logdash worker` process for the tests, pointed at this session's services.

The worker reads a settings module written for it (the project's settings plus this session's test
database file, Redis cache prefix, search engine, media folder and broker), so it sees what the test
process sees. It runs in its own process group: `kill()` is a SIGKILL of the main process and its
pool at once, as an OOM kill or a lost machine would be. It dies with the test process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from celery import Celery

from logdash.services import _die_with_parent

ROOT = Path(__file__).resolve().parents[1]


def broker_answers(url: str, timeout: float = 2.0) -> str | None:
    """None if the broker at `url` accepts a connection, else why not."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def point_app_at(app: Celery, broker_url: str, queue: str) -> None:
    """Make the test process send jobs to `queue` on `broker_url` (kombu keeps one pool per broker; the app
    forgets the one it had, as after a fork)."""
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = broker_url
    app.conf.task_default_queue = queue


def purge_queue(app: Celery, queue: str) -> None:
    """Delete a test queue and what is left in it."""
    try:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
    except Exception:  # a broker gone at the end of the session has nothing to purge
        pass


class WorkerProcess:
    """One worker: `start()`, `kill()` (SIGKILL to the group), `stop()` (warm shutdown, then SIGKILL)."""

    def __init__(self, directory: Path, *, broker_url: str, queue: str, settings: dict[str, Any],
                 concurrency: int = 1, base_settings: str = "logdash.settings",
                 environment: dict[str, str] | None = None):
        self.base_settings = base_settings
        self.environment = environment or {}
        self.directory = directory
        self.broker_url = broker_url
        self.queue = queue
        self.settings = settings
        self.concurrency = concurrency
        self.name = f"test-{uuid.uuid4().hex[:8]}"
        self.log_path = directory / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def _write_settings(self) -> str:
        module = f"worker_settings_{self.name.replace('-', '_')}"
        lines = [f"from {self.base_settings} import *  # noqa: F403", ""]
        lines += [f"{name} = {value!r}" for name, value in self.settings.items()]
        lines += [f"CELERY_BROKER_URL = {self.broker_url!r}", f"CELERY_TASK_DEFAULT_QUEUE = {self.queue!r}"]
        (self.directory / f"{module}.py").write_text("\n".join(lines) + "\n")
        return module

    def start(self, timeout: float = 60.0) -> WorkerProcess:
        module = self._write_settings()
        environment = {**os.environ, **self.environment, "DJANGO_SETTINGS_MODULE": module, "DEBUG": "1",
                       "PYTHONPATH": os.pathsep.join([str(self.directory), str(ROOT)])}
        command = [sys.executable, "-m", "celery", "-A", "logdash", "worker", "-Q", self.queue, "-n",
                   f"{self.name}@%h", "-c", str(self.concurrency), "-P", "prefork", "--without-gossip",
                   "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=log, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            assert self.process.poll() is None, f"the celery worker exited at start:\n{self.log()}"
            assert time.monotonic() < deadline, f"the celery worker was not ready within {timeout} s:\n{self.log()}"
            time.sleep(0.1)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any pool process left behind
