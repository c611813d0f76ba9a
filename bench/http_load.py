"""
Throughput over HTTP: gunicorn serving the benchmark views, a load generator on the same machine.

wrk is used where installed; otherwise a Python generator (threads sending one prepared request per
connection on raw sockets), whose own cost still takes a share of the two cores: compare ratios, not
absolute numbers, across machines.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.latency import MISS, VARIANTS
from bench.measure import paired_ratio, summarise
from logdash.services import free_port

ROOT = Path(__file__).resolve().parents[1]
FLOOR = "floor (1 GET + zlib)"


def start_gunicorn(environment: dict[str, str], *, workers: int = 2, threads: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--log-level", "warning", "--timeout", "120"]
    if threads > 1:
        command += ["--threads", str(threads), "--worker-class", "gthread"]
    for name, value in {"DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "1", **environment}.items():
        command += ["--env", f"{name}={value}"]
    process = subprocess.Popen(command, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/bench/floor", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start for the benchmark")


def _headers(url: str, token: str) -> dict[str, str]:
    """What every request sends: JSON, and the token on the token-user variants."""
    return {"Accept": "application/json", **({"Authorization": f"Token {token}"} if "token" in url else {})}


def _wrk(url: str, seconds: int, connections: int, token: str = "") -> dict:
    headers = [argument for name, value in _headers(url, token).items() for argument in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def latency(label: str) -> float:
        value, unit = re.search(rf"\s{label}\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 1, "ms": 1000, "s": 1_000_000}[unit]

    return {"requests_per_second": rps, "median_us": latency("50%"), "p99_us": latency("99%"),
            "non_2xx": int(errors.group(1)) if errors else 0}


def _request(url: str, token: str) -> tuple[tuple[str, int], bytes]:
    """The address and the bytes of one GET, built once per run so that the generator's own cost stays small."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, **_headers(url, token), "Connection": "close"}
    head = f"GET {target} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (parts.hostname or "127.0.0.1", parts.port or 80), f"{head}\r\n".encode()


def _fetch(address: tuple[str, int], request: bytes) -> int:
    """Send one request on a connection of its own and read the answer to its end; return its status."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request)
        head = b""
        while chunk := connection.recv(65536):
            if len(head) < 12:  # "HTTP/1.1 200": enough to read the status
                head += chunk
    return int(head[9:12]) if head.startswith(b"HTTP/") else 0


def _python_load(url: str, seconds: int, connections: int, token: str = "") -> dict:
    """`connections` threads, each sending the same prepared request on a new connection until time is up.

    Raw sockets rather than urllib: urllib's own cost per request was about as much as a hit's, on the same two
    cores as the server, so it drowned the difference being measured.
    """
    address, request = _request(url, token)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker() -> None:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                status = _fetch(address, request)
            except OSError:
                status = 0
            if not 200 <= status < 400:
                with lock:
                    failures[0] += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - began) * 1e6)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = summarise(latencies) if latencies else {"median": float("nan"), "p99": float("nan")}
    return {"requests_per_second": len(latencies) / seconds, "median_us": stats["median"], "p99_us": stats["p99"],
            "non_2xx": failures[0]}


def run(environment: dict[str, str], token: str, *, rounds: int = 12, seconds: int = 2, connections: int = 8,
        miss_rounds: int = 3, variants: tuple[str, ...] | None = None) -> dict:
    """Every variant's throughput through gunicorn (or only `variants`, with the floor always among them)."""
    load = _wrk if shutil.which("wrk") else _python_load
    chosen = {name: path for name, path in VARIANTS.items()
              if variants is None or name in variants or name == FLOOR}
    process, base = start_gunicorn(environment)
    try:
        paths = {**chosen, MISS[0]: MISS[1]} if miss_rounds else dict(chosen)
        for path in paths.values():
            urllib.request.urlopen(urllib.request.Request(base + path, headers=_headers(path, token))).read()
        results: dict[str, list[dict]] = {name: [] for name in paths}
        names = list(chosen)
        for round_number in range(rounds):
            # Short runs, rotated: the machine's slow spells spread over every variant.
            for name in names[round_number % len(names):] + names[: round_number % len(names)]:
                results[name].append(load(base + paths[name], seconds, connections, token))
            if round_number < miss_rounds:
                results[MISS[0]].append(load(base + MISS[1], seconds, connections))
    finally:
        process.terminate()
        process.wait(30)
    summary = {}
    for name, runs in results.items():
        summary[name] = {
            "requests_per_second": summarise([r["requests_per_second"] for r in runs])["median"],
            "median_us": summarise([r["median_us"] for r in runs])["median"],
            "p99_us": summarise([r["p99_us"] for r in runs])["median"],
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "throughput_ratio_to_floor": paired_ratio([r["requests_per_second"] for r in runs],
                                                      [r["requests_per_second"] for r in results[FLOOR]]),
        }
    return {"load_generator": "wrk" if load is _wrk else "python sockets", "workers": 2, "connections": connections,
            "seconds_per_run": seconds, "rounds": rounds, "ratio": "median of each round's ratio to that round's floor",
            "variants": summary}

