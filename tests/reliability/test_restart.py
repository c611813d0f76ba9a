"""
Restarting the app loses nothing, and a job cut short by a crash is finished by another worker.

gunicorn serves the real app against a SQLite file and a clone of the search engine, both of
which outlive the app processes. Uploads recorded complete must be searchable line for line
after a restart; a job whose Celery worker and app are killed by SIGKILL mid-file (indexing in
batches of 50 lines) is delivered again to a fresh worker, which redoes it: every line indexed once.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from logdash.broker import next_redis_db
from tests.celery_worker import WorkerProcess
from tests.reliability.app import (
    SETTINGS_MODULE,
    App,
    AppDatabase,
    RedisProcess,
    app_environment,
    prepare_database,
)
from tests.reliability.load import get

INDEX_ALIAS = "logdash-logs"


@pytest.fixture(scope="module")
def database(tmp_path_factory, engine) -> AppDatabase:
    path = tmp_path_factory.mktemp("restart") / "db.sqlite3"
    return prepare_database(path, engine_url=engine, redis_url="redis://127.0.0.1:1/0")


@pytest.fixture
def environment(database, engine, private_redis: RedisProcess, tmp_path) -> dict[str, str]:
    return app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine, REDIS_URL=private_redis.url,
                           MEDIA_ROOT=str(tmp_path / "media"))


@pytest.fixture
def workers(environment, tmp_path) -> Iterator[list[WorkerProcess]]:
    """Every Celery worker the test starts (on the app's broker: its Redis, next database), stopped at the end."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(workers: list[WorkerProcess], environment: dict[str, str], folder) -> WorkerProcess:
    worker = WorkerProcess(folder, broker_url=next_redis_db(environment["REDIS_URL"]), queue="celery", settings={},
                           base_settings=SETTINGS_MODULE, environment=environment)
    workers.append(worker.start())
    return worker


@pytest.fixture
def apps(environment, tmp_path) -> Iterator[list[App]]:
    """Every gunicorn the test starts, stopped (and checked gone by PID) at the end."""
    started: list[App] = []
    yield started
    for app in started:
        app.stop()


def start(apps: list[App], environment: dict[str, str], log) -> App:
    app = App(environment, log).start()
    apps.append(app)
    return app


def log_lines(marker: str, count: int) -> bytes:
    return "".join(json.dumps({"level": "INFO", "message": f"{marker} request {n} served"}) + "\n"
                   for n in range(count)).encode()


def upload(app: App, database: AppDatabase, content: bytes, filename: str,
           query: str = "wait=120") -> tuple[int, bytes]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {**database.headers("alice"), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(f"{app.url}/api/upload?{query}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError as exc:  # the app was killed under it
        return 0, repr(exc).encode()


def searched_total(app: App, database: AppDatabase, marker: str) -> int:
    status, _, body = get(app.url, f"/api/search?q={marker}&size=1", database.headers("alice"))
    assert status == 200, body
    return json.loads(body)["total"]


def uploads_in_db(database: AppDatabase) -> dict[str, tuple[int, str, int]]:
    """filename -> (id, status, lines_indexed), read straight from the SQLite file."""
    with sqlite3.connect(database.url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute("SELECT filename, id, status, lines_indexed FROM dashboard_upload").fetchall()
    return {filename: (pk, status, lines) for filename, pk, status, lines in rows}


def lines_in_engine(engine: str, upload_id: int) -> int:
    """How many lines of an upload the engine holds, asked directly (no app involved)."""
    urllib.request.urlopen(urllib.request.Request(f"{engine}/{INDEX_ALIAS}/_refresh", method="POST"), timeout=10)
    query = json.dumps({"query": {"term": {"upload_id": upload_id}}}).encode()
    request = urllib.request.Request(f"{engine}/{INDEX_ALIAS}/_count", data=query, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["count"]


def test_complete_uploads_are_searchable_after_a_restart(apps, workers, environment, database, tmp_path):
    start_worker(workers, environment, tmp_path)
    app = start(apps, environment, tmp_path / "first.log")
    sizes = {"restartalpha": 400, "restartbeta": 1200}
    for marker, count in sizes.items():
        status, body = upload(app, database, log_lines(marker, count), f"{marker}.jsonl")
        assert status == 201, body
        assert json.loads(body)["lines_indexed"] == count
    app.stop()

    again = start(apps, environment, tmp_path / "second.log")
    for marker, count in sizes.items():
        assert searched_total(again, database, marker) == count
        assert uploads_in_db(database)[f"{marker}.jsonl"][1:] == ("complete", count)


def test_a_job_cut_short_by_a_crash_is_finished_by_another_worker(apps, workers, environment, database, engine,
                                                                  tmp_path):
    """SIGKILL the worker (and the app) mid-file: a fresh worker redoes the job; every line is indexed once."""
    app = start(apps, environment, tmp_path / "crashed.log")
    first = start_worker(workers, environment, tmp_path)
    status, body = upload(app, database, log_lines("crashkept", 300), "kept.jsonl")
    assert status == 201, body
    status, body = upload(app, database, log_lines("crashcut", 8_000), "cut.jsonl", query="")
    assert status == 202, body
    cut_id = json.loads(body)["id"]
    deadline = time.monotonic() + 60
    while lines_in_engine(engine, cut_id) < 500:
        assert time.monotonic() < deadline, f"the job never got going:\n{first.log()}"
        time.sleep(0.1)
    first.kill()
    app.kill()
    partial = lines_in_engine(engine, cut_id)
    assert uploads_in_db(database)["cut.jsonl"][1] == "processing" and 500 <= partial < 8_000

    again = start(apps, environment, tmp_path / "restarted.log")
    second = start_worker(workers, environment, tmp_path)
    deadline = time.monotonic() + 120
    while uploads_in_db(database)["cut.jsonl"][1] != "complete":
        assert time.monotonic() < deadline, f"the job was not finished by the second worker:\n{second.log()}"
        time.sleep(0.2)
    print(f"\ncrash mid-job: {partial} of 8000 lines indexed when the worker was killed; 8000 after another")
    assert uploads_in_db(database)["cut.jsonl"][1:] == ("complete", 8_000)
    assert lines_in_engine(engine, cut_id) == 8_000
    assert searched_total(again, database, "crashcut") == 8_000
    assert searched_total(again, database, "crashkept") == 300
