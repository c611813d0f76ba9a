"""Prometheus metrics of the search engine and of ingestion, read through /metrics."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from logdash.services import free_port
from tests.dashboard.conftest import json_lines, run_job_here
from tests.prometheus import scrape, value

pytestmark = pytest.mark.django_db


def query_count(samples: dict, outcome: str = "ok") -> float:
    return value(samples, "logdash_search_query_seconds_count", outcome=outcome)


def test_a_dashboard_miss_observes_the_search_query_latency_and_a_hit_does_not(api, client, ingest, now):
    ingest(json_lines([{"timestamp": now.isoformat(), "level": "INFO", "message": "hello"}]))
    before = scrape(client)
    assert api.get("/api/dashboard")["X-Cache"] == "MISS"
    after_miss = scrape(client)
    assert query_count(after_miss) >= query_count(before) + 1
    assert value(after_miss, "logdash_search_query_seconds_bucket", outcome="ok", le="+Inf") == query_count(after_miss)
    assert api.get("/api/dashboard")["X-Cache"] == "HIT"
    assert query_count(scrape(client)) == query_count(after_miss)


def test_an_unreachable_engine_is_an_error_observation(api, client):
    before = scrape(client)
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}"):
        assert api.get("/api/search?q=x").status_code == 503
    assert query_count(scrape(client), "error") == query_count(before, "error") + 1


def test_an_upload_counts_its_lines_and_its_throughput(api, client, search_engine, idle_queue):
    """The job counts (here run in this process, so this process's registry shows it)."""
    before = scrape(client)
    content = json_lines([{"level": "INFO", "message": f"line {n}"} for n in range(25)])
    response = api.post("/api/upload", {"file": SimpleUploadedFile("app.log", content)}, format="multipart")
    assert response.status_code == 202, response.content
    assert run_job_here(response.json()["id"]).status == "complete"
    after = scrape(client)
    assert value(after, "logdash_ingest_lines_total") == value(before, "logdash_ingest_lines_total") + 25
    assert value(after, "logdash_uploads_total", status="complete") == \
        value(before, "logdash_uploads_total", status="complete") + 1
    assert value(after, "logdash_ingest_lines_per_second_count") == \
        value(before, "logdash_ingest_lines_per_second_count") + 1


def test_a_failed_upload_counts_no_lines(api, client, search_engine, idle_queue):
    before = scrape(client)
    response = api.post("/api/upload", {"file": SimpleUploadedFile("blank.log", b"\n\n")}, format="multipart")
    assert response.status_code == 202
    assert run_job_here(response.json()["id"]).status == "failed"
    after = scrape(client)
    assert value(after, "logdash_ingest_lines_total") == value(before, "logdash_ingest_lines_total")
    assert value(after, "logdash_uploads_total", status="failed") == \
        value(before, "logdash_uploads_total", status="failed") + 1
