"""
Uploads as Celery jobs, through a real worker process (Redis broker, then RabbitMQ): 202 and the
upload's URL at once, progress from 0 to 100 %, `?wait=`, the limits, a broker that does not answer,
and a worker SIGKILLed mid-file whose job another worker finishes with every line indexed once.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from elasticsearch_dsl import A

from dashboard import client as search_client
from dashboard.models import Upload
from dashboard.queries import upload_lines_query
from logdash import celery_app
from logdash.services import free_port
from tests.celery_worker import WorkerProcess, point_app_at, purge_queue
from tests.conftest import TEST_QUEUE, WORKER_LOGDASH

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _engine(request):
    """The workers' engine, emptied, for every test here but the in-process one (which sets its own)."""
    if "outage" not in request.node.name:
        request.getfixturevalue("worker_engine")


def json_log(count: int, marker: str = "job") -> bytes:
    return b"".join(b'{"level": "info", "message": "%s line %d"}\n' % (marker.encode(), n) for n in range(count))


def post(api, content: bytes, name: str = "app.log", query: str = ""):
    return api.post(f"/api/upload{query}", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def follow(api, url: str, timeout: float = 60.0) -> list[dict]:
    """GET the upload's URL every 0.1 s until its job ends; return every answer seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(url)
        assert response.status_code == 200, response.content
        seen.append(response.json())
        if seen[-1]["status"] in ("complete", "failed"):
            return seen
        assert time.monotonic() < deadline, f"the job did not end within {timeout} s: {seen[-1]}"
        time.sleep(0.1)


def lines_in_engine(upload_id: int) -> tuple[int, int]:
    """(documents, distinct line numbers) the engine holds for the upload."""
    search_client.refresh()
    search = upload_lines_query(upload_id).extra(size=0, track_total_hits=True)
    search.aggs.metric("lines", A("cardinality", field="line_number", precision_threshold=40000))
    response = search_client.execute(search)
    return response.hits.total.value, int(response.aggregations.lines.value)


def test_an_upload_is_answered_202_and_indexed_by_the_worker(api, job_worker):
    response = post(api, json_log(3000))
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/uploads/{body['id']}")
    assert body["status"] in ("queued", "processing")
    seen = follow(api, body["url"])
    final = seen[-1]
    assert final["status"] == "complete", (final["error_code"], final["error"])
    assert (final["lines_read"], final["lines_indexed"], final["percent"]) == (3000, 3000, 100.0)
    assert final["bytes_read"] == final["size_bytes"]
    assert all(0 <= answer["percent"] <= 100 for answer in seen)
    assert [answer["percent"] for answer in seen] == sorted(answer["percent"] for answer in seen)
    assert lines_in_engine(final["id"]) == (3000, 3000)
    # The stored file is removed once indexed, just after the job reports complete (its invalidation runs first).
    deadline = time.monotonic() + 15
    while Upload.objects.get(pk=final["id"]).stored_file:
        assert time.monotonic() < deadline, "the stored file was still there 15 s after the job completed"
        time.sleep(0.1)


def test_wait_answers_the_summary_when_the_job_ends_in_time(api, celery_worker):
    response = post(api, json_log(10), query="?wait=30")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["lines_indexed"], body["detected_format"]) == ("complete", 10, "jsonl")
    assert response["Location"] == body["url"]


def test_wait_on_a_bad_file_answers_the_400_naming_the_file(api, celery_worker):
    response = post(api, b"\x00\x01\x02\x03" * 1000, query="?wait=30")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    upload = Upload.objects.get()
    assert (upload.status, upload.error_code) == (Upload.Status.FAILED, "invalid_file")


@pytest.mark.parametrize("wait", ["soon", "-1", "99999"])
def test_a_bad_wait_is_a_400_naming_it(api, wait):
    response = post(api, b"hello\n", query=f"?wait={wait}")
    assert response.status_code == 400
    assert "wait" in response.json()["fields"]
    assert Upload.objects.count() == 0


def test_a_broker_that_does_not_answer_is_a_503_and_nothing_is_kept(api, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    queue = celery_app.conf.task_default_queue
    broker = celery_app.conf.broker_url
    point_app_at(celery_app, f"redis://127.0.0.1:{free_port()}/0", queue)
    try:
        response = post(api, json_log(5))
    finally:
        point_app_at(celery_app, broker, queue)
    assert response.status_code == 503, response.content
    assert response.json()["error"] == "queue_unavailable"
    assert "CELERY_BROKER_URL" in response.json()["detail"]
    assert Upload.objects.count() == 0
    assert not [path for path in tmp_path.rglob("*") if path != tmp_path / "uploads"]  # no file, no folder


def test_a_user_over_the_concurrent_job_limit_gets_a_429_with_the_reason(api, settings, idle_queue):
    settings.LOGDASH = {"UPLOAD_MAX_CONCURRENT_PER_USER": 2}
    assert post(api, b"one\n").status_code == 202
    assert post(api, b"two\n").status_code == 202
    response = post(api, b"three\n")
    assert response.status_code == 429
    assert "limit is 2" in response.json()["detail"]
    assert Upload.objects.filter(status=Upload.Status.QUEUED).count() == 2


def test_the_cache_is_invalidated_when_the_job_commits_not_when_the_file_arrives(api, idle_queue, celery_worker):
    api.get("/api/dashboard")
    assert api.get("/api/dashboard")["X-Cache"] == "HIT"
    response = post(api, json_log(20))
    assert response.status_code == 202
    assert api.get("/api/dashboard")["X-Cache"] == "HIT"  # stored and queued: nothing changed yet
    point_app_at(celery_app, celery_app.conf.broker_url, TEST_QUEUE)
    from dashboard.submission import send_job

    send_job(Upload.objects.get())
    assert follow(api, response.json()["url"])[-1]["status"] == "complete"
    assert api.get("/api/dashboard")["X-Cache"] == "MISS"


@pytest.mark.django_db(transaction=False)
def test_a_search_engine_outage_is_retried_then_the_upload_fails_with_a_reason(user, settings):
    """The task function alone (eager): the engine never answers, so each try rolls back and the last fails."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dashboard.indexing import start_upload
    from dashboard.tasks import ingest_upload

    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{free_port()}"
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    settings.LOGDASH = {"JOB_SEARCH_RETRIES": 2, "JOB_RETRY_BACKOFF_SECONDS": 0}
    upload = start_upload(filename="app.log", size_bytes=6, owner_id=user.pk, product_id=None,
                          status=Upload.Status.QUEUED)
    upload.stored_file = default_storage.save("uploads/test/app.log", ContentFile(b"hello\n"))
    upload.save()
    ingest_upload.apply((upload.pk,))
    upload.refresh_from_db()
    assert (upload.status, upload.error_code, upload.attempts) == (Upload.Status.FAILED, "search_unavailable", 3)
    assert "after 3 attempts" in upload.error and "ELASTICSEARCH_URL" in upload.error
    assert not upload.stored_file and not default_storage.exists("uploads/test/app.log")


def test_recover_uploads_sends_again_the_job_of_an_upload_still_in_storage(api, idle_queue, celery_worker):
    import io

    from django.core.management import call_command

    response = post(api, json_log(30))  # its job waits where no worker reads: as if the broker had lost it
    assert response.status_code == 202
    point_app_at(celery_app, celery_app.conf.broker_url, TEST_QUEUE)
    out = io.StringIO()
    call_command("recover_uploads", stdout=out)
    assert "sent the jobs of 1 stored uploads again" in out.getvalue()
    final = follow(api, response.json()["url"])[-1]
    assert (final["status"], final["lines_indexed"]) == ("complete", 30)


def test_an_unknown_upload_is_a_404(api):
    assert api.get("/api/uploads/999999").status_code == 404


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_worker_killed_mid_file_leaves_its_job_to_another_that_indexes_every_line_once(
        api, broker, worker_settings, session_dir, request):
    """SIGKILL the worker (main process and pool) mid-file; a second worker redoes the job from the start."""
    if broker == "rabbitmq":
        request.getfixturevalue("rabbitmq_worker")  # skipped, saying why, without a RabbitMQ
    broker_url = celery_app.conf.broker_url if broker == "redis" else "amqp://guest:guest@127.0.0.1:5672//"
    queue = f"{TEST_QUEUE}-kill-{broker}"
    slow = {**worker_settings, "LOGDASH": {**WORKER_LOGDASH, "JOB_DELAY_PER_1000_LINES": 0.4,
                                             "BULK_BATCH_SIZE": 500}}
    first = WorkerProcess(session_dir, broker_url=broker_url, queue=queue, settings=slow).start()
    second = None
    default_broker = celery_app.conf.broker_url
    point_app_at(celery_app, broker_url, queue)
    try:
        response = post(api, json_log(8000, marker=broker))
        assert response.status_code == 202
        url = response.json()["url"]
        deadline = time.monotonic() + 30
        while api.get(url).json()["lines_indexed"] < 2000:
            assert time.monotonic() < deadline, first.log()
            time.sleep(0.1)
        first.kill()
        killed_at = api.get(url).json()
        assert killed_at["status"] == "processing" and killed_at["lines_indexed"] < 8000
        second = WorkerProcess(session_dir, broker_url=broker_url, queue=queue, settings=worker_settings).start()
        final = follow(api, url, timeout=60)[-1]
    finally:
        first.kill()
        if second:
            second.stop()
        purge_queue(celery_app, queue)
        point_app_at(celery_app, default_broker, TEST_QUEUE)
    assert final["status"] == "complete", (final, second.log() if second else "")
    assert (final["lines_read"], final["lines_indexed"], final["attempts"]) == (8000, 8000, 2)
    assert lines_in_engine(final["id"]) == (8000, 8000)


def test_retention_runs_as_a_periodic_task_on_the_worker(api, celery_worker):
    """`dashboard.apply_retention` is what beat sends: a worker drops a product's lines past its own retention."""
    from datetime import timedelta

    from django.conf import settings

    from dashboard.models import Product
    from dashboard.tasks import apply_retention
    from logdash.clock import clock

    assert settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == apply_retention.name
    product = Product.objects.create(name="Short-lived", slug="short-lived")
    old = (clock.now() - timedelta(days=10)).isoformat()
    lines = b"".join(b'{"timestamp": "%s", "level": "info", "message": "%s line %d"}\n'
                     % ((old if n % 2 else clock.now().isoformat()).encode(), b"kept" if n % 2 == 0 else b"old", n)
                     for n in range(10))
    response = api.post("/api/upload?wait=30", {"file": SimpleUploadedFile("app.log", lines),
                                                 "product": product.slug}, format="multipart")
    assert response.status_code == 201, response.content
    assert lines_in_engine(response.json()["id"]) == (10, 10)

    Product.objects.filter(pk=product.pk).update(retention_days=2)  # the product's own retention, from now on
    apply_retention.delay()
    deadline = time.monotonic() + 60
    while lines_in_engine(response.json()["id"]) != (5, 5):
        assert time.monotonic() < deadline, "the worker did not apply the retention within 60 s"
        time.sleep(0.2)
