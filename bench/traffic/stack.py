"""
The processes a replay runs against, started the way `make run` serves: gunicorn (gthread workers)
over a SQLite file, a Redis, and the embedded search engine behind a counting proxy.

Each replay gets a copy-on-write clone of one prepared engine and a copy of one prepared
database, so the cached and the uncached replay start from the same data. "Uncached" is the
cache unreachable (REDIS_URL on a closed port), as an outage would leave it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.stampede import CountingProxy
from logdash.services import RunningService, _die_with_parent, free_port, start_redis, start_search_engine

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "traffic-pw"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"

_SETUP = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from dashboard.models import Product

    users, operators, demo_lines = (int(value) for value in sys.argv[1:4])
    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    for number in range(users):
        User.objects.create_user(f"user{number}", password=sys.argv[4])
    for number in range(operators):
        User.objects.create_user(f"operator{number}", password=sys.argv[4], is_staff=True)
    User.objects.create_user("uploader", password=sys.argv[4], is_staff=True)
    call_command("load_demo_logs", lines=demo_lines, stdout=sys.stderr)
    print(json.dumps(sorted(Product.objects.values_list("slug", flat=True))))
    """
)


def base_environment(**variables: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "logdash.settings", "DEBUG": "1",
            "ELASTICSEARCH_FLAVOR": "osmem", "PYTHONPATH": str(ROOT),
            # Twenty users log in at once from one address: not an attack here.
            "LOGDASH_LOGIN_RATE": "100000/minute", "LOGDASH_LOGIN_FAILURE_LIMIT": "1000", **variables}


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process so far, from /proc (what the engine spent, whoever asked)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class PreparedData:
    """One engine with the demo logs and one migrated database with the simulated users."""

    engine: RunningService
    database: Path
    products: list[str]
    folder: Path

    @classmethod
    def create(cls, *, users: int, operators: int, demo_lines: int) -> PreparedData:
        folder = Path(tempfile.mkdtemp(prefix="logdash-traffic-"))
        from django.conf import settings

        engine = start_search_engine(niceness=settings.LOGDASH_EMBEDDED_ENGINE_NICENESS)  # as `make run` starts it
        database = folder / "prepared.sqlite3"
        done = subprocess.run(
            [sys.executable, "-c", _SETUP, str(users), str(operators), str(demo_lines), PASSWORD], cwd=ROOT,
            capture_output=True, text=True, timeout=600,
            env=base_environment(DATABASE_URL=f"sqlite:///{database}", ELASTICSEARCH_URL=engine.url,
                                 REDIS_URL=UNREACHABLE_REDIS),
        )
        if done.returncode:
            engine.stop()
            raise RuntimeError(f"preparing the traffic data failed:\n{done.stderr[-3000:]}")
        return cls(engine, database, json.loads(done.stdout.splitlines()[-1]), folder)

    def close(self) -> None:
        self.engine.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Stack:
    """gunicorn over a copy of the prepared data; the engine's requests counted by a proxy."""

    data: PreparedData
    cached: bool
    workers: int = 2
    url: str = ""
    proxy: CountingProxy | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    services: list[RunningService] = field(default_factory=list)
    clone_id: str = ""

    def start(self) -> Stack:
        clone = _engine_request("POST", f"{self.data.engine.url}/_osmem/clones")
        self.clone_id = clone["id"]
        materialise_clone(clone["url"])
        self.proxy = CountingProxy(clone["url"])
        redis = start_redis()
        self.services.append(redis)
        database = self.data.folder / f"{'cached' if self.cached else 'uncached'}.sqlite3"
        # SQLite's backup, not a file copy: the prepared database is in WAL mode (logdash/settings.py).
        source, target = sqlite3.connect(self.data.database), sqlite3.connect(database)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        metrics = tempfile.mkdtemp(dir=self.data.folder)
        environment = base_environment(
            DATABASE_URL=f"sqlite:///{database}", ELASTICSEARCH_URL=self.proxy.url,
            REDIS_URL=redis.url if self.cached else UNREACHABLE_REDIS,
            # Background jobs (when ingestion runs on a worker) keep their broker in both replays.
            CELERY_BROKER_URL=redis.url.rsplit("/", 1)[0] + "/1", PROMETHEUS_MULTIPROC_DIR=metrics,
        )
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(self.workers), "--worker-class", "gthread", "--threads", "8",
                   "--timeout", "600", "--log-level", "warning",
                   "--config", "python:logdash.gunicorn_conf"]
        self.processes.append(subprocess.Popen(command, cwd=ROOT, env=environment, preexec_fn=_die_with_parent))
        if (ROOT / "logdash" / "celery.py").exists():
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "logdash", "worker", "--loglevel", "warning",
                 "--concurrency", "1"], cwd=ROOT, env=environment, preexec_fn=_die_with_parent))
        self._wait_until_serving()
        return self

    def _wait_until_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/health", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer at {self.url} within {timeout} s")

    @property
    def engine_queries(self) -> int:
        """Searches, counts and multi-searches the engine answered (writes are the same in both replays)."""
        return self.proxy.searches

    @property
    def engine_requests(self) -> int:
        return self.proxy.requests

    @property
    def engine_cpu_seconds(self) -> float:
        return process_cpu_seconds(self.data.engine.process.pid)

    def wait_for_quiet_engine(self, *, window: float = 1.0, busy: float = 0.03, timeout: float = 60.0) -> float:
        """Wait until the engine spends under `busy` of a core over `window` seconds; return the seconds waited.

        Loading the demo lines, or deleting the last replay's clone, leaves the engine working in the
        background for a while (its Go runtime's collector among others): that CPU is no replay's.
        """
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            before = self.engine_cpu_seconds
            time.sleep(window)
            if self.engine_cpu_seconds - before < busy * window:
                break
        return round(time.monotonic() - began, 1)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for service in self.services:
            service.stop()
        if self.proxy is not None:
            self.proxy.close()
        if self.clone_id:
            _engine_request("DELETE", f"{self.data.engine.url}/_osmem/clones/{self.clone_id}")


def materialise_clone(url: str) -> None:
    """Write once to every index of a fresh clone, so that its copy-on-write copies happen now.

    A clone shares the prepared engine's indices until each is first written, and that write copies
    the index: about 0.3 s of engine CPU per daily partition. The replay's first upload writes to all
    of them, so without this it paid some 10 s of engine CPU and stalled every read for about 7 s.
    That is a cost of the bench's clones, which a production engine never pays.
    """
    indices = [row["index"] for row in _engine_request("GET", f"{url}/_cat/indices?format=json")]
    writes = "".join(f'{{"index": {{"_index": "{index}", "_id": "bench-materialise"}}}}\n{{}}\n'
                     for index in indices)
    deletes = "".join(f'{{"delete": {{"_index": "{index}", "_id": "bench-materialise"}}}}\n' for index in indices)
    for body in (writes, deletes):
        if body:
            _engine_request("POST", f"{url}/_bulk", body=body.encode(), content_type="application/x-ndjson")
    _engine_request("POST", f"{url}/_refresh")


def _engine_request(method: str, url: str, *, body: bytes | None = None, content_type: str = "") -> dict | list:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, method=method, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = response.read()
    return json.loads(answer) if answer else {}
