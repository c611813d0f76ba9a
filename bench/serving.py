"""
Which server to run a cache behind: hit throughput and p99 while slow misses hold workers.

gunicorn's sync workers (what `make run` used), gthread workers (threads per process) and
uvicorn's ASGI workers, each with 2 processes, serve the token-authenticated hit while other
clients keep asking for a miss that waits 0.6 s on a slow search engine. Each server is also
measured with hits alone, so the table shows what the slow misses cost the hits.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from bench.http_load import _headers, _python_load
from bench.measure import summarise
from logdash.services import _die_with_parent, free_port

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
HIT, SLOW = "/bench/ours-token-cached", "/bench/slow-miss"
WORKERS, THREADS = 2, 8
SERVERS = {
    "gunicorn sync (2 workers)": lambda port: [
        sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--log-level", "warning"],
    f"gunicorn gthread (2 workers x {THREADS} threads)": lambda port: [
        sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--threads", str(THREADS), "--worker-class", "gthread", "--log-level", "warning"],
    "uvicorn (2 ASGI workers)": lambda port: [
        sys.executable, "-m", "uvicorn", "logdash.asgi:application", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(WORKERS), "--log-level", "warning", "--no-access-log"],
}


def _start(command: list[str], environment: dict[str, str], url: str, token: str) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env=environment, preexec_fn=_die_with_parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url + HIT, headers=_headers(HIT, token)), timeout=5).read()
            return process
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command[2]} did not answer at {url}")


def _slow_clients(url: str, count: int, stop: threading.Event) -> list[int]:
    served = [0]

    def client() -> None:
        while not stop.is_set():
            try:
                urllib.request.urlopen(url + SLOW, timeout=60).read()
                served[0] += 1
            except OSError:
                pass

    threads = [threading.Thread(target=client, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return served


def run(environment: dict[str, str], token: str, *, rounds: int = 3, seconds: int = 4, connections: int = 8,
        slow_clients: int = 4) -> dict:
    import os

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "1", **environment}
    results: dict[str, dict] = {}
    for name, command in SERVERS.items():
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = _start(command(port), environment, url, token)
        try:
            alone, mixed, slow_served = [], [], 0
            for _ in range(rounds):
                alone.append(_python_load(url + HIT, seconds, connections, token))
                stop = threading.Event()
                served = _slow_clients(url, slow_clients, stop)
                time.sleep(0.3)  # the slow requests are holding workers before the hits start
                mixed.append(_python_load(url + HIT, seconds, connections, token))
                stop.set()
                slow_served += served[0]
                time.sleep(1.0)  # let the last slow requests drain
        finally:
            process.terminate()
            process.wait(30)
        results[name] = {
            "hits_alone": {"requests_per_second": summarise([r["requests_per_second"] for r in alone])["median"],
                           "p99_ms": summarise([r["p99_us"] for r in alone])["median"] / 1000},
            "hits_with_slow_misses": {
                "requests_per_second": summarise([r["requests_per_second"] for r in mixed])["median"],
                "p99_ms": summarise([r["p99_us"] for r in mixed])["median"] / 1000,
                "errors": sum(r["non_2xx"] for r in mixed)},
            "slow_misses_served": slow_served,
        }
    return {"workers": WORKERS, "threads": THREADS, "slow_miss_seconds": 0.6, "slow_clients": slow_clients,
            "hit_connections": connections, "seconds_per_run": seconds, "rounds": rounds, "servers": results}


def table(section: dict) -> list[str]:
    lines = [f"Hit = `{HIT}` (token user); slow miss = {section['slow_miss_seconds']} s wait, "
             f"{section['slow_clients']} clients asking for it.", "",
             "| server | hits alone req/s | p99 ms | with slow misses req/s | p99 ms | slow misses served |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in section["servers"].items():
        alone, mixed = row["hits_alone"], row["hits_with_slow_misses"]
        lines.append(f"| {name} | {alone['requests_per_second']:.0f} | {alone['p99_ms']:.1f} | "
                     f"{mixed['requests_per_second']:.0f} | {mixed['p99_ms']:.1f} | {row['slow_misses_served']} |")
    return lines


if __name__ == "__main__":
    import json
    import os
    import zlib

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_redis import get_redis_connection
    from rest_framework.authtoken.models import Token

    from bench.views import FLOOR_KEY, PAYLOAD
    from logdash.services import start_redis

    redis = start_redis()
    try:
        from django.test.utils import override_settings

        caches = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": redis.url}}
        with override_settings(CACHES=caches):
            call_command("migrate", interactive=False, verbosity=0)
            user, _ = get_user_model().objects.get_or_create(username="serving")
            token = Token.objects.get_or_create(user=user)[0].key
            get_redis_connection("default").set(FLOOR_KEY, zlib.compress(json.dumps(PAYLOAD).encode(), 6))
        section = run({"REDIS_URL": redis.url}, token)
    finally:
        redis.stop()
    print("\n".join(table(section)))
