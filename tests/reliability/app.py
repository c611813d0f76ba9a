"""
The real app in its own processes, for tests that kill things: a database, Redis, gunicorn.

- `prepare_database` migrates a SQLite file in a `manage.py`-like subprocess, creates the
  users the tests log in as (with DRF tokens) and indexes demo log lines into the engine.
- `RedisProcess` is a private redis-server the test may kill, hang and bring back on its port.
- `App` is gunicorn serving `logdash.wsgi` against them, its stderr kept in a file; stopping
  it checks by PID that the master and every worker are gone.

Every process is started from the test process and tied to it (PR_SET_PDEATHSIG), so even a
test run killed with SIGKILL leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from logdash.services import RunningService, _die_with_parent, free_port, process_is_alive, start_redis

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.reliability.app_settings"
ROLES = ("alice", "bob", "operator")  # a user, another user, staff

_SETUP = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", interactive=False, verbosity=0)
    users = {}
    for name in ("alice", "bob", "operator"):
        user = get_user_model().objects.create_user(name, f"{name}@example.com", "pw", is_staff=name == "operator")
        users[name] = {"id": user.pk, "token": Token.objects.create(user=user).key}
    if int(sys.argv[1]):
        call_command("load_demo_logs", lines=int(sys.argv[1]), stdout=sys.stderr)
    print(json.dumps(users))
    """
)


def wait_dead(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while process_is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def osmem_clone(engine_url: str) -> dict:
    """A copy-on-write clone of the session's engine: `{"id": ..., "url": ...}`."""
    request = urllib.request.Request(f"{engine_url}/_osmem/clones", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def drop_osmem_clone(engine_url: str, clone_id: str) -> None:
    request = urllib.request.Request(f"{engine_url}/_osmem/clones/{clone_id}", method="DELETE")
    urllib.request.urlopen(request, timeout=10).close()


def app_environment(**variables: str) -> dict[str, str]:
    """The environment of an app subprocess: ours, the test settings module, and `variables`."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE, "DEBUG": "1", "ELASTICSEARCH_FLAVOR": "osmem",
            "PYTHONPATH": str(ROOT), **variables}


@dataclass
class AppDatabase:
    url: str
    users: dict[str, dict]  # role -> {"id": ..., "token": ...}

    def headers(self, role: str, accept: str = "application/json") -> dict[str, str]:
        return {"Authorization": f"Token {self.users[role]['token']}", "Accept": accept}


def prepare_database(path: Path, *, engine_url: str, redis_url: str, demo_lines: int = 0) -> AppDatabase:
    """Migrate a SQLite file, create the users and their tokens, index `demo_lines` demo lines."""
    url = f"sqlite:///{path}"
    done = subprocess.run(
        [sys.executable, "-c", _SETUP, str(demo_lines)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=app_environment(DATABASE_URL=url, ELASTICSEARCH_URL=engine_url, REDIS_URL=redis_url),
    )
    assert done.returncode == 0, done.stderr
    return AppDatabase(url, json.loads(done.stdout.splitlines()[-1]))


def manage(*args: str, environment: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `manage.py` with the app's environment; fail the test with its output if it fails."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


class RedisProcess:
    """A private redis-server on a fixed port: killed (SIGKILL), hung (SIGSTOP), continued, restarted."""

    def __init__(self) -> None:
        self.service: RunningService = start_redis()
        self.url = self.service.url
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        self.pids = [self.service.pid]

    def kill(self) -> None:
        self.service.process.kill()
        self.service.process.wait()

    def pause(self) -> None:
        self.service.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.service.process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        """Start an empty redis-server on the same port (the old one must be dead)."""
        self.service = start_redis(port=self.port)
        self.pids.append(self.service.pid)

    def stop(self) -> None:
        self.resume()  # a stopped process would not act on SIGTERM
        self.service.stop()
        assert all(wait_dead(pid) for pid in self.pids), f"redis-server left running: {self.pids}"


@dataclass
class App:
    """gunicorn serving the real app (sync workers), stderr in `log_path`."""

    environment: dict[str, str]
    log_path: Path
    workers: int = 2
    url: str = ""
    process: subprocess.Popen | None = None
    seen_pids: set[int] = field(default_factory=set)

    def start(self, *, timeout: float = 60.0) -> App:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(self.workers), "--timeout", "120", "--graceful-timeout", "10",
                   "--log-level", "warning"]
        with self.log_path.open("ab") as log:
            # Its own process group, so "kill the app" can take master and workers at once.
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=log, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        self.seen_pids.add(self.process.pid)
        deadline = time.monotonic() + timeout
        while len(self.worker_pids()) < self.workers or not self._answers():
            assert self.process.poll() is None, f"gunicorn exited at start:\n{self.log()}"
            assert time.monotonic() < deadline, f"gunicorn did not answer within {timeout} s:\n{self.log()}"
            time.sleep(0.1)
        return self

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/api/auth/token", timeout=5).close()
        except urllib.error.HTTPError:
            return True  # 405 for a GET: Django is up
        except OSError:
            return False
        return True

    def worker_pids(self) -> list[int]:
        """The PIDs of the master's children (its workers) right now."""
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        pids = [int(pid) for pid in children]
        self.seen_pids.update(pids)
        return pids

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a crash or an OOM kill would."""
        self.worker_pids()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._check_gone()

    def stop(self) -> None:
        """Graceful shutdown (SIGTERM), then SIGKILL to the group if it lingers; check every PID."""
        if self.process is None:
            return
        self.worker_pids()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._check_gone()

    def _check_gone(self) -> None:
        left = [pid for pid in self.seen_pids if not wait_dead(pid)]
        assert not left, f"gunicorn processes left running: {left}"
