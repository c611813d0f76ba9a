"""
What a hostile (or careless) uploader did to everyone else, done again (issue 12, items 1, 4, 5, 6).

Each test is the reviewer's reproduction against the real engine and the real Redis: a line dated
9999-12-31, lines of 900 KB, a gzip bomb, uploads in parallel, an engine failing mid-upload and a
worker dying mid-upload. The promise: the dashboard stays up and small for every user, nothing of
a failed or deleted upload stays searchable, and every refusal is a JSON error naming the limit.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from elasticsearch_dsl import A

from dashboard import client as search_client
from dashboard import indexing, queries
from dashboard.conf import dashboard_settings
from dashboard.models import Upload
from dashboard.queries import upload_lines_query
from tests.conftest import run_job_here
from tests.reliability.conftest import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_in_process")]  # jobs run under each test's settings

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    """The clock of every date reasoned about here: never the wall clock's hour."""
    with time_machine.travel(NOW, tick=False):
        yield


def json_lines(entries: list[dict]) -> bytes:
    return "\n".join(json.dumps(entry) for entry in entries).encode()


def post_upload(api, content: bytes, name: str = "app.log"):
    return api.post("/api/upload?wait=60", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def lines_of(upload_id: int) -> int:
    search_client.refresh()
    return search_client.count(upload_lines_query(upload_id))


def index_directly(upload_id: int, sources: list[dict], *, first_line: int = 1) -> None:
    """Index lines for an upload the way a bulk request that arrives late (or an old version) does."""
    search_client.ensure_index()
    search_client.bulk_index(
        ({"_id": f"{upload_id}-{n}", "_source": {"upload_id": upload_id, "line_number": n, "level": "INFO",
                                                   "message": f"line {n}", **source}}
         for n, source in enumerate(sources, start=first_line)),
        chunk_size=500,
    )
    search_client.refresh()


# Item 1: one line dated 9999-12-31 took /api/dashboard and /api/analytics/trends down for everyone.

def test_a_line_dated_9999_is_indexed_at_the_upload_time_and_counted(search_engine, users, frozen):
    attacker, victim = token_client(users["user"]), token_client(users["other user"])
    response = post_upload(attacker, json_lines([
        {"timestamp": "9999-12-31T23:59:59Z", "level": "ERROR", "message": "from the far future"},
        {"timestamp": "2026-03-11T11:00:00Z", "level": "INFO", "message": "tomorrow, within a day: kept"},
        {"timestamp": "2026-03-10T09:00:00Z", "level": "INFO", "message": "this morning"},
    ]))
    assert response.status_code == 201, response.json()
    assert response.json()["lines_future"] == 1
    assert response.json()["lines_indexed"] == 3
    listed = victim.get("/api/uploads").json()["results"][0]
    assert listed["lines_future"] == 1
    for path in ("/api/dashboard", "/api/analytics/trends?days=7", "/api/user/dashboard"):
        assert victim.get(path).status_code == 200, path
    dashboard = victim.get("/api/dashboard").json()
    assert dashboard["total_logs"] == 3
    assert [day["date"] for day in dashboard["logs_per_day"]][-1] == "2026-03-10"
    assert len(dashboard["logs_per_day"]) == 7
    assert max(entry["timestamp"] for entry in dashboard["recent_logs"]) < "2026-03-12"
    future = next(entry for entry in dashboard["recent_logs"] if entry["message"] == "from the far future")
    assert future["timestamp"].startswith("2026-03-10T12:00:00")  # the upload's time


def test_lines_already_dated_9999_in_the_index_never_set_the_chart_range(search_engine, users, frozen):
    """Lines indexed before the clamp (or by another writer), then counted by `rebuild_rollups`: the charts
    stay within their window."""
    upload = Upload.objects.create(filename="old.log", status=Upload.Status.COMPLETE)
    index_directly(upload.pk, [{"@timestamp": "9999-12-31T23:59:59Z", "level": "ERROR"},
                               {"@timestamp": "2026-03-09T10:00:00Z", "level": "ERROR"}])
    call_command("rebuild_rollups", stdout=io.StringIO())
    reader = token_client(users["other user"])
    dashboard = reader.get("/api/dashboard")
    assert dashboard.status_code == 200, dashboard.json()
    per_day = dashboard.json()["logs_per_day"]
    assert [day["date"] for day in per_day] == [f"2026-03-{day:02d}" for day in range(4, 11)]
    assert sum(day["count"] for day in per_day) == 1
    trends = reader.get("/api/analytics/trends", {"days": 90})
    assert trends.status_code == 200, trends.json()
    assert len(trends.json()["error_rate_per_day"]) == 90
    assert trends.json()["error_rate_per_day"][-1]["date"] == "2026-03-10"


def test_an_engine_refusal_is_a_logged_500_never_search_unavailable(search_engine, users, monkeypatch, caplog):
    original = queries.recent_logs_query

    def broken_query(**kwargs):
        search = original(**kwargs)
        search.aggs.bucket("bad", A("date_histogram", field="@timestamp", calendar_interval="fortnight"))
        return search

    monkeypatch.setattr("dashboard.reports.queries.recent_logs_query", broken_query)
    with caplog.at_level(logging.ERROR, logger="dashboard.client"):
        response = token_client(users["user"]).get("/api/dashboard")
    assert response.status_code == 500
    assert response.json()["error"] == "search_refused"
    assert any("refused a request" in record.getMessage() for record in caplog.records)


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@localhost", "pw"))
    return client


def test_deleting_an_upload_in_the_admin_deletes_its_lines(search_engine, users, admin_client, frozen,
                                                           django_capture_on_commit_callbacks):
    attacker = token_client(users["user"])
    first = post_upload(attacker, json_lines([{"level": "ERROR", "message": "one"}] * 5)).json()["upload_id"]
    second = post_upload(attacker, json_lines([{"level": "ERROR", "message": "two"}] * 3)).json()["upload_id"]
    kept = post_upload(attacker, json_lines([{"level": "INFO", "message": "kept"}] * 2)).json()["upload_id"]
    assert (lines_of(first), lines_of(second), lines_of(kept)) == (5, 3, 2)
    assert token_client(users["other user"]).get("/api/dashboard").json()["total_logs"] == 10

    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(f"/admin/dashboard/upload/{first}/delete/", {"post": "yes"})
    assert page.status_code == 302
    assert lines_of(first) == 0
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post("/admin/dashboard/upload/",
                                 {"action": "delete_selected", "_selected_action": [second], "post": "yes"})
    assert page.status_code == 302
    assert (lines_of(second), lines_of(kept)) == (0, 2)
    assert not Upload.objects.filter(pk__in=[first, second]).exists()
    assert token_client(users["other user"]).get("/api/dashboard").json()["total_logs"] == 2


def test_deleting_an_upload_in_code_deletes_its_lines(search_engine, users, frozen):
    upload_id = post_upload(token_client(users["user"]), json_lines([{"message": "x"}] * 4)).json()["upload_id"]
    Upload.objects.get(pk=upload_id).delete()
    assert lines_of(upload_id) == 0


# Item 4: ten lines of 900 KB made /api/dashboard 9 MB (never cached) and a search of 100 results 27.7 MB.

def test_giant_lines_are_capped_and_lists_stay_small_and_cacheable(search_engine, users, frozen):
    giant = "quota " + "x" * 900_000
    bomb = gzip.compress(json_lines([{"timestamp": "2099-01-01T00:00:00Z", "level": "ERROR",
                                      "message": f"{n} {giant}"} for n in range(10)]))
    assert len(bomb) < 100_000
    attacker, victim = token_client(users["user"]), token_client(users["other user"])
    response = post_upload(attacker, bomb, "giant.log.gz")
    assert response.status_code == 201, response.json()
    upload_id = response.json()["upload_id"]
    stored = search_client.execute(upload_lines_query(upload_id)[:1]).hits[0]
    assert len(stored.message) == dashboard_settings.MAX_MESSAGE_CHARS == 8192
    assert stored.message_truncated is True

    dashboard = victim.get("/api/dashboard")
    assert dashboard.status_code == 200
    assert len(dashboard.content) < 64 * 1024, len(dashboard.content)
    entry = dashboard.json()["recent_logs"][0]
    assert entry["truncated"] is True and entry["message"].endswith("\u2026")
    assert len(entry["message"]) == dashboard_settings.LIST_MESSAGE_CHARS + 1
    assert victim.get("/api/dashboard")["X-Cache"] == "HIT"

    search = victim.get("/api/search", {"q": "quota", "size": 100})
    assert search.status_code == 200
    assert len(search.content) < 256 * 1024, len(search.content)
    for result in search.json()["results"]:
        assert result["truncated"] is True
        assert result["highlight"].count("<mark>") == result["highlight"].count("</mark>") >= 1
    trends = victim.get("/api/analytics/trends", {"days": 7})
    assert trends.status_code == 200 and len(trends.content) < 64 * 1024


@override_settings(LOGDASH={"MAX_MESSAGE_CHARS": 50})
def test_the_message_cap_is_a_setting(search_engine, users, frozen):
    response = post_upload(token_client(users["user"]), json_lines([{"message": "y" * 200}]))
    stored = search_client.execute(upload_lines_query(response.json()["upload_id"])).hits[0]
    assert len(stored.message) == 50


# Item 5: a 4 MB gzip decompressed to ~8 million lines; two small bombs in parallel slowed everyone.

def test_the_decompressed_cap_is_ten_times_the_upload_limit(search_engine, users, settings):
    settings.LOGDASH_UPLOAD_MAX_BYTES = 10 * 1024
    assert dashboard_settings.UPLOAD_MAX_DECOMPRESSED_BYTES == 100 * 1024
    bomb = gzip.compress(b"Jun 14 15:16:01 host sshd[1]: ok\n" * 10_000)  # 330 KB of text, ~1 KB gzipped
    response = post_upload(token_client(users["user"]), bomb, "bomb.log.gz")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and "file" in body["fields"]
    assert "100 KB" in body["detail"]
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED and lines_of(upload.pk) == 0


def test_a_third_upload_in_flight_is_a_429_naming_the_limit(search_engine, users, frozen):
    for n in range(2):  # two uploads of this user still running (in other workers)
        Upload.objects.create(filename=f"running-{n}.log", owner=users["user"])
    response = post_upload(token_client(users["user"]), json_lines([{"message": "one more"}]))
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_uploads"
    assert "limit is 2" in response.json()["detail"]
    assert Upload.objects.count() == 2
    assert post_upload(token_client(users["other user"]), json_lines([{"message": "mine"}])).status_code == 201


# Item 6: failed uploads left lines behind.

def test_a_batch_landing_after_the_rollback_is_removed_too(search_engine, users, settings, monkeypatch):
    """The engine applies a bulk request the client had given up on, after the first delete: still cleaned."""
    settings.ELASTICSEARCH_TIMEOUT = settings.ELASTICSEARCH_BULK_TIMEOUT = 1.0  # the cleanup waits this long
    settings.LOGDASH = {"BULK_BATCH_SIZE": 100, "JOB_SEARCH_RETRIES": 0}  # the job's one try fails for good
    original = search_client.bulk_index
    late: list[threading.Thread] = []

    def failing_bulk(documents, *, chunk_size):
        documents = list(documents)
        original(documents[:100], chunk_size=chunk_size)

        def land_late():
            time.sleep(0.4)
            original(documents[100:], chunk_size=chunk_size)

        late.append(threading.Thread(target=land_late))
        late[0].start()
        raise search_client.SearchUnavailable("The search engine failed to answer; try again in a moment.")

    monkeypatch.setattr("dashboard.indexing.client.bulk_index", failing_bulk)
    began = time.monotonic()
    response = post_upload(token_client(users["user"]), json_lines([{"message": f"line {n}"} for n in range(300)]))
    late[0].join()
    assert response.status_code == 503
    assert time.monotonic() - began < 10
    upload = Upload.objects.get()
    assert (upload.status, upload.cleanup_pending) == (Upload.Status.FAILED, False)
    assert lines_of(upload.pk) == 0
    search = token_client(users["other user"]).get("/api/search", {"q": "line"})
    assert search.json()["total"] == 0


def test_a_cleanup_that_did_not_hold_is_retried_at_start_up(search_engine, users):
    upload = Upload.objects.create(filename="a.log", owner=users["user"], status=Upload.Status.FAILED,
                                   cleanup_pending=True)
    index_directly(upload.pk, [{"message": "left behind"}] * 20)
    call_command("recover_uploads")
    upload.refresh_from_db()
    assert (lines_of(upload.pk), upload.cleanup_pending) == (0, False)


def test_an_upload_whose_worker_died_is_cleaned_without_a_restart(search_engine, users, frozen):
    """A gunicorn timeout killed the worker: the upload stayed `processing` with its lines visible."""
    dead = Upload.objects.create(filename="killed.log", owner=users["user"])
    Upload.objects.filter(pk=dead.pk).update(created_at=NOW - timedelta(hours=2))
    index_directly(dead.pk, [{"message": "half an upload"}] * 50)
    running = Upload.objects.create(filename="running.log", owner=users["other user"])
    index_directly(running.pk, [{"message": "still coming"}] * 5)

    response = post_upload(token_client(users["other user"]), json_lines([{"message": "next upload"}]))
    assert response.status_code == 201
    dead.refresh_from_db()
    running.refresh_from_db()
    assert (dead.status, lines_of(dead.pk)) == (Upload.Status.FAILED, 0)
    assert "interrupted" in dead.error
    assert (running.status, lines_of(running.pk)) == (Upload.Status.PROCESSING, 5)  # young: maybe alive


def test_every_processing_upload_is_cleaned_at_start_up(search_engine, users):
    dead = Upload.objects.create(filename="killed.log", owner=users["user"])
    index_directly(dead.pk, [{"message": "half an upload"}] * 30)
    call_command("recover_uploads")
    dead.refresh_from_db()
    assert (dead.status, lines_of(dead.pk)) == (Upload.Status.FAILED, 0)


def test_a_document_the_engine_refuses_is_a_logged_500_and_leaves_nothing(search_engine, users, monkeypatch,
                                                                         caplog):
    original = indexing._documents

    def one_bad_document(*args, **kwargs):
        for document in original(*args, **kwargs):
            if document["_source"]["line_number"] == 3:
                document["_source"]["line_number"] = "not a number"
            yield document

    monkeypatch.setattr("dashboard.indexing._documents", one_bad_document)
    with caplog.at_level(logging.ERROR, logger="dashboard.client"):
        response = post_upload(token_client(users["user"]), json_lines([{"message": f"m {n}"} for n in range(5)]))
    assert response.status_code == 500
    assert response.json()["error"] == "search_refused"
    assert any("our bug" in record.getMessage() for record in caplog.records)
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED and lines_of(upload.pk) == 0


def test_uploads_sent_at_the_same_time_are_held_to_the_limit(search_engine, django_user_model, idle_queue):
    """Three uploads of one user before any has run (as two gzip bombs were): two are queued, the third is a
    429 at once; when a job has ended, the next upload is accepted."""
    from logdash import celery_app

    celery_app.conf.task_always_eager = False  # jobs wait in a queue no worker reads
    owner = django_user_model.objects.create_user("alice", password="pw")
    client = token_client(owner)

    def send(message: str):
        return client.post("/api/upload", {"file": SimpleUploadedFile("app.log", json_lines([{"message": message}]))},
                           format="multipart")

    first, second, third = send("upload 1"), send("upload 2"), send("upload 3")
    assert (first.status_code, second.status_code) == (202, 202)
    assert third.status_code == 429 and third.json()["error"] == "too_many_uploads"
    assert "limit is 2" in third.json()["detail"]
    celery_app.conf.task_always_eager = True
    assert run_job_here(first.json()["id"]).status == Upload.Status.COMPLETE
    after = client.post("/api/upload?wait=30", {"file": SimpleUploadedFile("a.log", json_lines([{"message": "m"}]))},
                        format="multipart")
    assert after.status_code == 201  # eager again: the job ran inside the request
