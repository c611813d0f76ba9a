"""
`make bench-ingest` (`python -m bench.jobs [--mb 60]`): ingestion on Celery workers, measured end to end.

The real stack in its own processes: the embedded search engine, a private redis-server (cache on /0,
broker on /1), a SQLite file, gunicorn (2 workers) and `celery -A logdash worker`. Two synthetic log
files of `--mb` MB each (syslog-like lines of ~180 bytes, varied messages) are uploaded with
POST /api/upload and followed with GET /api/uploads/<id>. It measures:

- the cached `/api/dashboard` (X-Cache HIT) latency, median and p99, idle and while the two uploads are
  being ingested by a 2-process worker, with every error and non-HIT answer counted;
- end-to-end ingestion lines/s (upload accepted to job complete) with 1 and with 2 worker processes,
  against the search engine's own `_bulk` rate for the same documents, measured in the same run;
- the percents each upload showed while it ran (0 to 100).

Prints a Markdown table and writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from bench.measure import ratio, summarise
from logdash.broker import next_redis_db
from logdash.services import _die_with_parent, free_port, start_redis, start_search_engine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

_SETUP = """
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user("bench", "bench@example.com", "pw", is_staff=True)
print(Token.objects.create(user=user).key)
"""

# Events of a web service: a real log repeats a few hundred templates with varying fields (ids, users,
# durations), which is what the pattern miner learns; random word salad would make every line a new pattern.
_EVENTS = [
    "session opened for user u{n} from 10.0.{a}.{b}",
    "session closed for user u{n} after {ms} ms",
    "GET /api/orders/{n} 200 {ms} ms",
    "POST /api/payments 201 {ms} ms amount={a}.{b}",
    "payment {n} declined: card expired",
    "connection to db-{a} refused, retry {b} of 5",
    "cache miss for key product:{n}, filled in {ms} ms",
    "worker {a} picked job {n} from queue ingest",
    "disk usage on /var/lib/data at {a} percent",
    "login failed for user u{n}: bad password",
    "request {n} timed out after {ms} ms upstream=svc-{a}",
    "token {n} refreshed for client c{b}",
]


# Trailing context fields bring a line to about 190 bytes, as in the 60 MB of 330,000 lines.
_REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"]
_CLIENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0", "okhttp/4.12.0", "python-requests/2.32.3",
            "Mozilla/5.0 (Macintosh) Safari/605.1.15", "curl/8.11.0"]


def write_log(path: Path, megabytes: float, seed: int) -> int:
    """A syslog-like file of about `megabytes` MB; return its line count."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    written = lines = 0
    levels = ["INFO"] * 6 + ["WARN"] * 2 + ["ERROR", "DEBUG"]
    with path.open("w") as out:
        while written < target:
            event = rng.choice(_EVENTS).format(n=rng.randint(1, 10**6), a=rng.randint(0, 255),
                                               b=rng.randint(0, 255), ms=rng.randint(1, 5000))
            line = (f"2026-03-{rng.randint(1, 9):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
                    f"{rng.randint(0, 59):02d}Z host{rng.randint(1, 40)} app[{rng.randint(100, 9999)}]: "
                    f"{rng.choice(levels)} {event} trace={rng.randint(1, 10**12):012d} "
                    f"span={rng.getrandbits(64):016x} region={rng.choice(_REGIONS)} "
                    f"client=\"{rng.choice(_CLIENTS)}\"\n")
            out.write(line)
            written += len(line)
            lines += 1
    return lines


POSTGRES = "postgres://postgres@127.0.0.1:5432"


def bench_database(folder: Path) -> tuple[str, object]:
    """A fresh PostgreSQL database where one answers (as production runs), else a SQLite file; and its drop.

    Two worker processes and gunicorn write progress, rollups and uploads at once: SQLite's one
    writer makes some of those writes fail with "database is locked" (seen here with 2 workers).
    """
    try:
        import psycopg

        name = f"logdash_bench_{os.getpid()}"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=2) as connection:
            connection.execute(f"CREATE DATABASE {name}")

        def drop() -> None:
            with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

        return f"{POSTGRES}/{name}", drop
    except Exception as exc:
        print(f"PostgreSQL did not answer at {POSTGRES} ({exc}); the bench uses SQLite, whose one writer may "
              "fail some of two workers' writes.", flush=True)
        return f"sqlite:///{folder / 'db.sqlite3'}", lambda: None


class Stack:
    """Engine, Redis, database, gunicorn and workers, all stopped by `close()`."""

    def __init__(self, folder: Path):
        self.folder = folder
        # Served as `make run` serves: the engine's indexing at LOGDASH_EMBEDDED_ENGINE_NICENESS
        # (logdash/settings.py; the workers lower their own priority from the same settings).
        self.engine = start_search_engine(niceness=int(os.environ.get("LOGDASH_EMBEDDED_ENGINE_NICENESS", "10")))
        self.database_url, self._drop_database = bench_database(folder)
        self.redis = start_redis()
        self.environment = {
            **os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "logdash.settings",
            "DATABASE_URL": self.database_url, "ELASTICSEARCH_URL": self.engine.url,
            "ELASTICSEARCH_FLAVOR": "osmem", "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": next_redis_db(self.redis.url), "MEDIA_ROOT": str(folder / "media"),
            "LOGDASH_UPLOAD_MAX_CONCURRENT_PER_USER": "4", "LOG_LEVEL": "WARNING",
            # Two 60 MB uploads and the baseline hold about 850,000 lines: past the embedded engine's
            # default budget (LOGDASH_EMBEDDED_MAX_DOCS, 300,000), which this machine's memory allows.
            "LOGDASH_EMBEDDED_MAX_DOCS": "2000000",
            # On a loaded 2-core machine two bulk streams can keep the engine busier than the 10 s default.
            "ELASTICSEARCH_TIMEOUT": "60",
        }
        self.processes: list[subprocess.Popen] = []
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.environment,
                       check=True)
        self.token = subprocess.run([sys.executable, "-c", _SETUP], cwd=ROOT, env=self.environment, check=True,
                                    capture_output=True, text=True).stdout.strip().splitlines()[-1]
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._start([sys.executable, "-m", "gunicorn", "logdash.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--workers", "2", "--timeout", "600", "--log-level", "warning"])
        self._wait_answers()

    def _start(self, command: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{uuid.uuid4().hex[:6]}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=self.environment, stdout=log, stderr=log,
                                   preexec_fn=_die_with_parent)
        self.processes.append(process)
        return process

    def _wait_answers(self) -> None:
        for _ in range(600):
            try:
                self.get("/api/health")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer")

    def start_worker(self, processes: int) -> subprocess.Popen:
        worker = self._start([sys.executable, "-m", "celery", "-A", "logdash", "worker", "-c", str(processes),
                              "--without-gossip", "--without-mingle", "-l", "WARNING"])
        time.sleep(4)  # the worker connects to the broker
        return worker

    @staticmethod
    def stop_worker(worker: subprocess.Popen) -> None:
        worker.terminate()
        worker.wait(60)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method,
                                         headers={"Authorization": f"Token {self.token}", **(headers or {})})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()

    def get(self, path: str):
        return self.request("GET", path)

    def upload(self, path: Path) -> dict:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
            f"\r\n--{boundary}--\r\n".encode()
        status, _, answer = self.request("POST", "/api/upload", body,
                                         {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 202, (status, answer)
        return json.loads(answer)

    def follow(self, upload_id: int, percents: list[float]) -> dict:
        while True:
            _, _, body = self.get(f"/api/uploads/{upload_id}")
            state = json.loads(body)
            percents.append(state["percent"])
            if state["status"] in ("complete", "failed"):
                return state
            time.sleep(0.5)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.redis.stop()
        self.engine.stop()
        self._drop_database()


def probe_dashboard(stack: Stack, stop: threading.Event, *, count: int | None = None) -> dict:
    """GET /api/dashboard one after another: latencies of HITs (ms); STALE and MISS answers and errors counted.

    A STALE answer also comes from the cache (while one background refresh runs after the entry's
    TTL); its latencies are reported beside the HITs', and a MISS is the one request that refills.
    """
    hits: list[float] = []
    stale: list[float] = []
    other = errors = 0
    while not stop.is_set() and (count is None or len(hits) + len(stale) + other + errors < count):
        began = time.perf_counter()
        try:
            status, headers, _ = stack.get("/api/dashboard")
        except (OSError, urllib.error.HTTPError):
            errors += 1
            continue
        took = (time.perf_counter() - began) * 1000
        if status == 200 and headers.get("X-Cache") == "HIT":
            hits.append(took)
        elif status == 200 and headers.get("X-Cache") == "STALE":
            stale.append(took)
        else:
            other += 1
        time.sleep(0.01)
    served = summarise(hits + stale) if stale else {}
    return {**summarise(hits), "not_hit": len(stale) + other, "stale": len(stale), "miss": other,
            "errors": errors, "hit_or_stale_p99": served.get("p99")}


def bulk_baseline(stack: Stack, path: Path, limit: int) -> dict:
    """The engine's own `_bulk` rate for the documents ingestion makes of `path` (first `limit` lines)."""
    names = ("DATABASE_URL", "ELASTICSEARCH_URL", "ELASTICSEARCH_FLAVOR", "ELASTICSEARCH_TIMEOUT", "REDIS_URL", "DEBUG")
    os.environ.update({key: stack.environment[key] for key in names})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")
    import django

    django.setup()
    from datetime import UTC, datetime

    from dashboard import client
    from dashboard.conf import dashboard_settings
    from dashboard.indexing import _Budget, _documents, _Tally
    from dashboard.ingest import open_log_text, parse_lines
    from dashboard.models import Upload
    from dashboard.rollups import RollupCounter

    upload = Upload(pk=10**9, filename=path.name, created_at=datetime.now(UTC))
    client.ensure_index()
    with path.open("rb") as fileobj:
        lines = open_log_text(fileobj, max_decompressed_bytes=10**12, max_line_bytes=10**6)
        _, parsed = parse_lines(lines, now=datetime.now(UTC))
        documents = []
        for document in _documents(parsed, upload, _Tally(), None, now=datetime.now(UTC),
                                   router=client.PartitionRouter(), rollup=RollupCounter(), budget=_Budget(None)):
            documents.append(document)
            if len(documents) >= limit:
                break
    began = time.perf_counter()
    client.bulk_index(iter(documents), chunk_size=dashboard_settings.BULK_BATCH_SIZE)
    seconds = time.perf_counter() - began
    return {"documents": len(documents), "lines_per_second": round(len(documents) / seconds)}


def rate(states: list[dict]) -> float:
    from datetime import datetime

    began = min(datetime.fromisoformat(state["created_at"]) for state in states)
    ended = max(datetime.fromisoformat(state["completed_at"]) for state in states)
    return round(sum(state["lines_indexed"] for state in states) / (ended - began).total_seconds())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--mb", type=float, default=60.0, help="size of each of the two uploads (MB)")
    parser.add_argument("--one-worker-mb", type=float, default=10.0,
                        help="size of the upload the 1-worker rate is measured on (MB, capped at --mb); a rate, "
                             "so a slice keeps the run short")
    parser.add_argument("--idle-probes", type=int, default=300)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the stack (finally) on `kill`
    folder = Path(tempfile.mkdtemp(prefix="logdash-bench-jobs-"))
    files = [folder / f"upload-{n}.log" for n in (1, 2)]
    lines = [write_log(path, args.mb, seed=n) for n, path in enumerate(files)]
    print(f"two files of {args.mb} MB: {lines} lines", flush=True)
    one_worker_mb = min(args.one_worker_mb, args.mb)
    one_worker_file = folder / "one-worker.log"
    one_worker_lines = write_log(one_worker_file, one_worker_mb, seed=3)
    stack = Stack(folder)
    results: dict = {"megabytes": args.mb, "lines": lines, "one_worker_megabytes": one_worker_mb,
                     "one_worker_lines": one_worker_lines}
    try:
        one = stack.start_worker(1)
        percents_one: list[float] = []
        results["one_worker"] = {"state": stack.follow(stack.upload(one_worker_file)["id"], percents_one)}
        results["one_worker"]["lines_per_second"] = rate([results["one_worker"]["state"]])
        stack.stop_worker(one)
        print(f"1 worker: {results['one_worker']['lines_per_second']} lines/s", flush=True)

        two = stack.start_worker(2)
        stack.get("/api/dashboard")
        results["idle"] = probe_dashboard(stack, threading.Event(), count=args.idle_probes)
        print(f"idle dashboard: {results['idle']}", flush=True)
        stop = threading.Event()
        probe: dict = {}
        prober = threading.Thread(target=lambda: probe.update(probe_dashboard(stack, stop)))
        prober.start()
        accepted = []
        for path in files:
            began = time.perf_counter()
            accepted.append(stack.upload(path))
            print(f"upload accepted in {time.perf_counter() - began:.2f} s", flush=True)
        percents: list[list[float]] = [[], []]
        states: list[dict] = [{}, {}]
        followers = [threading.Thread(target=lambda n=n: states.__setitem__(n, stack.follow(accepted[n]["id"],
                                                                                             percents[n])))
                     for n in (0, 1)]
        for thread in followers:
            thread.start()
        for thread in followers:
            thread.join()
        stop.set()
        prober.join()
        stack.stop_worker(two)
        results["during"] = probe
        results["two_workers"] = {"states": states, "lines_per_second": rate(states),
                                  "percents": [sorted(set(p)) for p in percents]}
        print(f"during two uploads: {probe}", flush=True)
        print(f"2 workers: {results['two_workers']['lines_per_second']} lines/s; percents seen: "
              f"{[(seen[0], seen[-1], len(seen)) for seen in results['two_workers']['percents']]}", flush=True)
        RESULTS.mkdir(exist_ok=True)  # kept even if the baseline below fails
        (RESULTS / "ingest.json").write_text(json.dumps(results, indent=2, default=str))
        failed = [state for state in [results["one_worker"]["state"], *states] if state.get("status") != "complete"]
        if failed:
            raise RuntimeError(f"an upload did not complete: {[(s['id'], s['status'], s['error']) for s in failed]}")
        results["bulk"] = bulk_baseline(stack, files[0], limit=min(lines[0], 100_000))
    finally:
        stack.close()
    bulk = results["bulk"]["lines_per_second"]
    rows = [
        "| measure | figure |", "| --- | ---: |",
        f"| cached `/api/dashboard` HIT, idle: median / p99 | {results['idle']['median']:.1f} ms / "
        f"{results['idle']['p99']:.1f} ms |",
        f"| the same during two {args.mb:g} MB uploads: median / p99 | {results['during']['median']:.1f} ms / "
        f"{results['during']['p99']:.1f} ms ({ratio(results['during']['p99'], results['idle']['p99'])}x idle p99; "
        f"{results['during']['n']} hits, {results['during']['errors']} errors, {results['during']['not_hit']} "
        "misses after invalidation) |",
        f"| ingestion, 1 worker process ({one_worker_mb:g} MB upload) | "
        f"{results['one_worker']['lines_per_second']:,} lines/s "
        f"({ratio(results['one_worker']['lines_per_second'], bulk)}x `_bulk`) |",
        f"| ingestion, 2 worker processes (two uploads at once) | {results['two_workers']['lines_per_second']:,} "
        f"lines/s ({ratio(results['two_workers']['lines_per_second'], bulk)}x `_bulk`) |",
        f"| the engine's own `_bulk`, same documents | {bulk:,} lines/s |",
    ]
    table = "\n".join(rows)
    print(table)
    for n, seen in enumerate(results["two_workers"]["percents"]):
        print(f"upload {n + 1} percents seen: {seen[0]} .. {seen[-1]} ({len(seen)} distinct values)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(results, indent=2, default=str))
    (RESULTS / "ingest.md").write_text(table + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
