"""
Throughput over HTTP: gunicorn serving the benchmark views, a load generator on the same machine.

wrk is used where installed; otherwise a Python generator (threads, one connection per request),
whose own cost caps the figures: compare ratios, not absolute numbers, across machines.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.latency import MISS, VARIANTS
from bench.measure import ratio, summarise
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


def _python_load(url: str, seconds: int, connections: int, token: str = "") -> dict:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker() -> None:
        request = urllib.request.Request(url, headers=_headers(url, token))
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
            except OSError:
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
    stats = summarise(latencies)
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
        }
    floor = summary[FLOOR]
    for values in summary.values():
        values["throughput_ratio_to_floor"] = ratio(values["requests_per_second"], floor["requests_per_second"])
    return {"load_generator": "wrk" if load is _wrk else "python threads", "workers": 2, "connections": connections,
            "seconds_per_run": seconds, "rounds": rounds, "variants": summary}
