"""
Restarting the app loses nothing, and an upload cut short by a crash does not stay "processing".

gunicorn serves the real app against a SQLite file and a clone of the search engine, both of
which outlive the app processes. Uploads recorded complete must be searchable line for line
after a restart; an upload interrupted by SIGKILL (master and workers at once, indexing in
batches of 50 lines) is found `processing`, and `manage.py recover_uploads` (what `make run`
runs before serving) marks it failed and removes the lines it had indexed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from tests.reliability.app import App, AppDatabase, RedisProcess, app_environment, manage, prepare_database
from tests.reliability.load import get

INDEX_ALIAS = "logdash-logs"


@pytest.fixture(scope="module")
def database(tmp_path_factory, engine) -> AppDatabase:
    path = tmp_path_factory.mktemp("restart") / "db.sqlite3"
    return prepare_database(path, engine_url=engine, redis_url="redis://127.0.0.1:1/0")


@pytest.fixture
def environment(database, engine, private_redis: RedisProcess) -> dict[str, str]:
    return app_environment(DATABASE_URL=database.url, ELASTICSEARCH_URL=engine, REDIS_URL=private_redis.url)


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


def upload(app: App, database: AppDatabase, content: bytes, filename: str) -> tuple[int, bytes]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {**database.headers("alice"), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(f"{app.url}/api/upload", data=body, headers=headers, method="POST")
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


def test_complete_uploads_are_searchable_after_a_restart(apps, environment, database, tmp_path):
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


def test_an_upload_cut_short_by_a_crash_is_failed_on_the_next_start(apps, environment, database, engine, tmp_path):
    app = start(apps, environment, tmp_path / "crashed.log")
    status, body = upload(app, database, log_lines("crashkept", 300), "kept.jsonl")
    assert status == 201, body
    outcome: list[tuple[int, bytes]] = []
    sender = threading.Thread(target=lambda: outcome.append(
        upload(app, database, log_lines("crashcut", 40_000), "cut.jsonl")))
    sender.start()
    deadline = time.monotonic() + 60
    while "cut.jsonl" not in uploads_in_db(database) or lines_in_engine(engine, uploads_in_db(database)[
            "cut.jsonl"][0]) < 500:
        assert time.monotonic() < deadline, "the big upload never got going"
        assert sender.is_alive(), f"the upload finished before the crash: {outcome}"
        time.sleep(0.1)
    app.kill()
    sender.join(30)
    assert outcome and outcome[0][0] == 0, outcome  # the client saw the connection die, not an answer
    cut_id, cut_status, _ = uploads_in_db(database)["cut.jsonl"]
    partial = lines_in_engine(engine, cut_id)
    assert cut_status == "processing" and 500 <= partial < 40_000

    recovered = manage("recover_uploads", environment=environment)
    assert "marked 1 interrupted uploads as failed" in recovered.stdout
    assert uploads_in_db(database)["cut.jsonl"][1:] == ("failed", 0)
    assert lines_in_engine(engine, cut_id) == 0
    print(f"\ncrash mid-upload: {partial} of 40000 lines indexed when killed; 0 after recover_uploads")

    again = start(apps, environment, tmp_path / "restarted.log")
    assert searched_total(again, database, "crashcut") == 0
    assert searched_total(again, database, "crashkept") == 300
    status, _, body = get(again.url, "/api/uploads", database.headers("alice"))
    listed = {item["filename"]: item for item in json.loads(body)["results"]}
    assert listed["cut.jsonl"]["status"] == "failed" and "interrupted" in listed["cut.jsonl"]["error"]
    assert listed["kept.jsonl"]["status"] == "complete"
