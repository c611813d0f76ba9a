"""
The search engine dies (SIGKILL) or hangs (SIGSTOP) while the app serves.

A dedicated osmem-server, not the session's: it is killed. Promised: cached entries keep being
served (HIT), entries past their TTL are served STALE (stale-if-error), an uncached read is a
503 `search_unavailable` JSON answer at once when the engine is dead and within the client
timeout when it hangs, an upload is refused with 503 and recorded failed, and `/api/health`
names `search_engine` with a 503. Nothing waits longer than the client's timeout.
"""

from __future__ import annotations

import io
import json
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from dashboard.indexing import ingest_file, start_upload
from dashboard.models import Upload
from logdash.services import RunningService, start_search_engine
from tests.reliability.app import wait_dead
from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db

# Search entries expire after 1 s and are not refreshed in the background, so a read after
# that goes to the engine; stale-if-error may answer for them for 10 minutes.
SHORT_SEARCH_TTL = {"TIMEOUTS": {"search": 1}, "STALE_WHILE_REVALIDATE": {"search": 0},
                    "STALE_IF_ERROR": {"search": 600}}
ENGINE_TIMEOUT = 1.0


@pytest.fixture
def doomed_engine() -> Iterator[RunningService]:
    """An osmem-server of this test's own, which the test kills or stops; gone (by PID) afterwards."""
    engine = start_search_engine()
    with override_settings(ELASTICSEARCH_URL=engine.url, ELASTICSEARCH_FLAVOR="osmem",
                           ELASTICSEARCH_TIMEOUT=ENGINE_TIMEOUT, CACHEOPS=SHORT_SEARCH_TTL):
        yield engine
    engine.process.send_signal(signal.SIGCONT)
    engine.stop()
    assert wait_dead(engine.pid)


@pytest.fixture
def reader(doomed_engine, users):
    lines = [{"level": "ERROR" if n % 3 == 0 else "INFO", "message": f"disk quota exceeded on volume {n}"}
             for n in range(60)]
    upload = start_upload(filename="app.jsonl", size_bytes=0, owner_id=users["user"].pk, product_id=None)
    ingest_file(upload, io.BytesIO("\n".join(map(json.dumps, lines)).encode()))
    return token_client(users["user"])


def timed(call):
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "search_unavailable"
    assert "Connection" not in response.json()["detail"]  # never the driver's text


def test_a_dead_engine(reader, doomed_engine, ticking_clock, jobs_in_process):
    dashboard = reader.get("/api/dashboard")
    search = reader.get("/api/search", {"q": "quota"})
    assert (dashboard["X-Cache"], search["X-Cache"]) == ("MISS", "MISS")
    doomed_engine.process.kill()
    doomed_engine.process.wait()

    cached = reader.get("/api/dashboard")
    assert (cached.status_code, cached["X-Cache"], cached.content) == (200, "HIT", dashboard.content)

    ticking_clock.shift(1.1)  # past the search entry's TTL
    stale = reader.get("/api/search", {"q": "quota"})
    assert (stale.status_code, stale["X-Cache"], stale.content) == (200, "STALE", search.content)

    for path in ("/api/search?q=never-asked", "/api/analytics/trends", "/api/user/dashboard"):
        response, took = timed(lambda path=path: reader.get(path))
        assert_unavailable(response)
        assert took < ENGINE_TIMEOUT / 2, f"{path} took {took:.2f} s: a refused connection needs no timeout"
        assert reader.get(path)["X-Cache"] == "MISS"  # the 503 was not stored

    health, took = timed(lambda: token_client(None).get("/api/health"))
    assert health.status_code == 503
    assert health.json()["down"] == ["search_engine"]
    assert took < ENGINE_TIMEOUT

    # The job (run in this process: the worker cannot see this test's dead engine) is retried, then fails.
    upload = reader.post("/api/upload?wait=60", {"file": io.BytesIO(b"Jun 14 15:16:01 host app[1]: hello\n")},
                         format="multipart")
    assert_unavailable(upload)
    assert Upload.objects.latest("pk").status == Upload.Status.FAILED


def test_a_hung_engine_costs_one_client_timeout_at_most(reader, doomed_engine):
    dashboard = reader.get("/api/dashboard")
    doomed_engine.process.send_signal(signal.SIGSTOP)
    try:
        cached, took = timed(lambda: reader.get("/api/dashboard"))
        assert (cached["X-Cache"], cached.content) == ("HIT", dashboard.content)
        assert took < ENGINE_TIMEOUT / 2
        response, took = timed(lambda: reader.get("/api/search", {"q": "never-asked"}))
        assert_unavailable(response)
        assert ENGINE_TIMEOUT * 0.9 < took < ENGINE_TIMEOUT * 3, took  # waited for the client timeout, once
        health, took = timed(lambda: token_client(None).get("/api/health"))
        assert (health.status_code, health.json()["down"]) == (503, ["search_engine"])
        assert took < 3 * 2  # the health check's own 2 s timeout, never more
    finally:
        doomed_engine.process.send_signal(signal.SIGCONT)
    # The engine continues: the same request is answered again.
    assert reader.get("/api/search", {"q": "never-asked"}).status_code == 200


def test_a_bulk_request_may_take_longer_than_a_query(doomed_engine, users, settings, monkeypatch):
    """The engine stalls in a bulk request (merging what it indexed) past the query timeout: the upload still lands."""
    from dashboard import client

    settings.ELASTICSEARCH_BULK_TIMEOUT = 10 * ENGINE_TIMEOUT
    original = client.bulk_index

    def stalling_bulk_index(documents, *, chunk_size):
        doomed_engine.process.send_signal(signal.SIGSTOP)
        threading.Timer(2 * ENGINE_TIMEOUT, doomed_engine.process.send_signal, (signal.SIGCONT,)).start()
        return original(documents, chunk_size=chunk_size)

    monkeypatch.setattr("dashboard.indexing.client.bulk_index", stalling_bulk_index)
    upload = start_upload(filename="app.jsonl", size_bytes=0, owner_id=users["user"].pk, product_id=None)
    began = time.monotonic()
    result = ingest_file(upload, io.BytesIO(b'{"message": "one"}\n{"message": "two"}\n'))
    assert time.monotonic() - began > 2 * ENGINE_TIMEOUT  # it did wait past the query timeout
    upload.refresh_from_db()
    assert (upload.status, result.lines_indexed) == (Upload.Status.COMPLETE, 2)
