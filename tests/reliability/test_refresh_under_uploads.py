"""
Background refreshes and uploads under a polling load: no request sits out a fill lock (issue 22).

Two gunicorn workers serve the real app with every cache lifetime divided by a hundred, so that
entries go stale and are refreshed in the background all the time, while 6 clients poll the
dashboard, trends, search and their own dashboard and a staff user uploads a log every 12 s
(each upload invalidates the dashboard, analytics and search entries). Before the fix, the
refresh thread could not release the fill lock its request had taken, and the next miss on that
key waited FILL_LOCK_WAIT (10 s) after every upload. The figures are printed (`pytest -s`).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from cacheops.conf import DEFAULTS
from logdash.broker import next_redis_db
from logdash.services import free_port
from tests.celery_worker import WorkerProcess
from tests.reliability.app import App, AppDatabase, app_environment, prepare_database
from tests.reliability.load import LoadGenerator, summarise

pytestmark = pytest.mark.slow

READS = ["/api/dashboard", "/api/analytics/trends", "/api/search?q=error", "/api/user/dashboard",
         "/api/search?level=WARNING"]
LOAD_SECONDS, UPLOAD_EVERY = 60.0, 12.0
FILL_LOCK_WAIT = DEFAULTS["FILL_LOCK_WAIT"]


@pytest.fixture(scope="module")
def database(tmp_path_factory, engine) -> AppDatabase:
    path = tmp_path_factory.mktemp("refresh-under-uploads") / "db.sqlite3"
    return prepare_database(path, engine_url=engine, redis_url=f"redis://127.0.0.1:{free_port()}/0", demo_lines=3000)


@pytest.fixture
def app(database, engine, private_redis, tmp_path) -> Iterator[App]:
    """gunicorn, and a Celery worker that indexes its uploads (on its Redis, next database)."""
    environment = app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine, REDIS_URL=private_redis.url,
                                  DJANGO_SETTINGS_MODULE="tests.reliability.short_ttl_settings",
                                  MEDIA_ROOT=str(tmp_path / "media"))
    worker = WorkerProcess(tmp_path, broker_url=next_redis_db(private_redis.url), queue="celery", settings={},
                           base_settings="tests.reliability.short_ttl_settings", environment=environment).start()
    served = App(environment, tmp_path / "gunicorn.log").start()
    yield served
    served.stop()
    worker.stop()


def upload(base_url: str, token: str, number: int) -> tuple[int, float, float]:
    """POST a small log as multipart; return the status, when it started and how long it took."""
    lines = "\n".join(json.dumps({"timestamp": f"2026-03-10T11:{n % 60:02d}:00Z", "level": "ERROR" if n % 7 else "INFO",
                                  "logger": "uploader", "message": f"upload {number} line {n}"}) for n in range(500))
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up-{number}.jsonl\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n{lines}\r\n--{boundary}--\r\n").encode()
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    began = time.monotonic()
    try:
        connection.request("POST", "/api/upload?wait=60", body=body, headers={
            "Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, began, time.monotonic() - began


def test_refreshes_release_their_locks_while_uploads_invalidate(app: App, database: AppDatabase):
    uploads: list[tuple[int, float, float]] = []
    stop = threading.Event()

    def uploader() -> None:
        number = 0
        while not stop.wait(UPLOAD_EVERY):
            number += 1
            uploads.append(upload(app.url, database.users["operator"]["token"], number))

    thread = threading.Thread(target=uploader, daemon=True)
    with LoadGenerator(app.url, READS, database.headers("alice"), threads=6) as load:
        thread.start()
        time.sleep(LOAD_SECONDS)
        stop.set()
        thread.join(120)
    samples = load.samples
    misses = [sample.latency for sample in samples if sample.cache == "MISS"]
    slowest = max(samples, key=lambda sample: sample.latency)
    print(f"\n{summarise(samples)}; {len(misses)} misses, slowest {max(misses):.2f} s; "
          f"slowest request {slowest.latency:.2f} s ({slowest.cache} {slowest.path}); "
          f"uploads {[(status, round(took, 2)) for status, _, took in uploads]}")
    log = app.log()

    assert len(uploads) >= 3 and {status for status, _, _ in uploads} == {201}
    assert summarise(samples)["non_2xx"] == 0, load.errors
    assert sum(sample.cache == "STALE" for sample in samples) > 0  # background refreshes really ran
    assert "no attribute 'token'" not in log and "fill lock" not in log, log[-3000:]
    # A lock left behind shows as requests that wait FILL_LOCK_WAIT for a fill that already ended.
    assert slowest.latency < FILL_LOCK_WAIT, slowest
    assert slowest.latency <= 2 * max(misses) + 0.5, slowest
