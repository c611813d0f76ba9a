"""POST /api/upload and GET /api/uploads: real files through a real worker into the real engine, and everything
that can go wrong. Each upload waits for its job (`?wait=`), as a script wanting the old answer does."""

import gzip
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard import client as search_client
from dashboard.models import Upload
from dashboard.queries import upload_lines_query
from tests.dashboard.conftest import run_job_here

pytestmark = pytest.mark.django_db(transaction=True)


def _post(api, content: bytes, name: str = "app.log", **extra):
    return api.post("/api/upload?wait=60", {"file": SimpleUploadedFile(name, content), **extra}, format="multipart")


def _lines_indexed_for(upload_id: int) -> int:
    search_client.refresh()
    return search_client.execute(upload_lines_query(upload_id).extra(size=0, track_total_hits=True)).hits.total.value


@pytest.fixture
def upload_api(api, worker_engine):
    """The API client, with a worker and an emptied search engine."""
    return api


def test_a_loghub_sample_is_indexed_whole(upload_api, loghub_dir, user):
    response = _post(upload_api, (loghub_dir / "Apache_2k.log").read_bytes(), "Apache_2k.log")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lines_read"] == 2000
    assert body["lines_indexed"] == 2000
    assert body["lines_unparsed"] == 0
    assert body["detected_format"] == "apache_error"
    upload = Upload.objects.get(pk=body["upload_id"])
    assert (upload.status, upload.owner, upload.lines_indexed) == (Upload.Status.COMPLETE, user, 2000)
    assert _lines_indexed_for(upload.pk) == 2000


def test_a_gzip_upload_is_read_like_the_plain_file(upload_api, loghub_dir):
    content = (loghub_dir / "Spark_2k.log").read_bytes()
    response = _post(upload_api, gzip.compress(content), "spark.log.gz")
    assert response.status_code == 201
    assert response.json()["lines_read"] == content.count(b"\n") + (not content.endswith(b"\n"))
    assert response.json()["detected_format"] == "spark"


def test_an_upload_can_name_its_product(upload_api, product):
    response = _post(upload_api, b'{"level": "info", "message": "hello"}\n', product="billing")
    assert response.status_code == 201
    assert Upload.objects.get(pk=response.json()["upload_id"]).product == product
    hits = search_client.execute(upload_lines_query(response.json()["upload_id"])).hits
    assert [hit.product for hit in hits] == ["billing"]


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        (b"", "file", "empty"),
        (b"\x00\x01\x02\x03" * 1000, "file", "binary"),
        (b"\n\n   \n", "file", "blank"),
    ],
)
def test_bad_files_are_a_400_naming_the_field(upload_api, content, field, words):
    response = _post(upload_api, content)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"]
    assert words in body["detail"].lower()


def test_a_missing_file_is_a_400_naming_it(upload_api):
    response = upload_api.post("/api/upload", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_an_unknown_product_is_a_400_naming_it(upload_api):
    response = _post(upload_api, b"hello\n", product="no-such-product")
    assert response.status_code == 400
    assert "product" in response.json()["fields"]
    assert Upload.objects.count() == 0


def test_an_upload_over_the_limit_is_a_413(upload_api, settings):
    settings.LOGDASH = {"UPLOAD_MAX_BYTES": 1000}
    response = _post(upload_api, b"x" * 5000)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert Upload.objects.count() == 0


def _post_and_run_here(api, content: bytes, name: str = "app.log"):
    """Upload with no worker reading the queue, then run the job here, under this test's settings."""
    response = api.post("/api/upload", {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 202, response.content
    return run_job_here(response.json()["id"])


def test_a_gzip_bomb_is_refused_and_nothing_stays_indexed(upload_api, settings, idle_queue):
    settings.LOGDASH = {"UPLOAD_MAX_DECOMPRESSED_BYTES": 100_000}
    bomb = gzip.compress(b"Jun 14 15:16:01 host sshd[1]: ok\n" * 20_000)
    upload = _post_and_run_here(upload_api, bomb, "bomb.log.gz")
    assert (upload.status, upload.error_code) == (Upload.Status.FAILED, "invalid_file")
    assert "100000" in upload.error.replace(",", "") or "limit" in upload.error
    assert _lines_indexed_for(upload.pk) == 0
    assert upload_api.get(f"/api/uploads/{upload.pk}").json()["status"] == "failed"


def test_a_failure_half_way_removes_the_lines_already_indexed(upload_api, settings, idle_queue):
    settings.LOGDASH = {"BULK_BATCH_SIZE": 100, "MAX_LINE_BYTES": 1000}
    good = b"".join(b'{"level": "info", "message": "line %d"}\n' % n for n in range(500))
    upload = _post_and_run_here(upload_api, good + b"x" * 5000 + b"\n")
    assert upload.status == Upload.Status.FAILED
    assert "501" in upload.error
    assert _lines_indexed_for(upload.pk) == 0


def test_uploads_are_listed_newest_first(upload_api, client_for, other_user):
    _post(upload_api, b"first\n", "first.log")
    _post(client_for(other_user), b"second\n", "second.log")
    response = upload_api.get("/api/uploads")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    results = body["results"]
    assert [item["filename"] for item in results] == ["second.log", "first.log"]
    assert results[1]["owner"] == "alice"
    assert results[1]["lines_indexed"] == 1


def test_anonymous_cannot_upload(client_for, search_engine):
    assert _post(client_for(None), b"hello\n").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_an_upload_invalidates_the_dashboard_and_trends(upload_api):
    """Invalidation runs once the upload is committed: a real commit here, not the test's rolled-back one."""
    for path in ("/api/dashboard", "/api/analytics/trends"):
        upload_api.get(path)
        assert upload_api.get(path)["X-Cache"] == "HIT"
    _post(upload_api, b'{"level": "error", "message": "boom"}\n')
    for path in ("/api/dashboard", "/api/analytics/trends"):
        assert upload_api.get(path)["X-Cache"] == "MISS"


def test_a_latin1_file_is_decoded(upload_api):
    response = _post(upload_api, "Jun 14 15:16:01 host app[1]: caf\u00e9 ferm\u00e9\n".encode("latin-1"))
    assert response.status_code == 201
    hits = search_client.execute(upload_lines_query(response.json()["upload_id"])).hits
    assert "caf\u00e9" in hits[0].message


def test_a_file_object_is_streamed_not_read_whole(search_engine, user, db, monkeypatch):
    """The pipeline reads the file in chunks: a file object that refuses read() without a size fails the test."""
    from dashboard.indexing import ingest_file, start_upload

    class ChunkOnly(io.BytesIO):
        def read(self, size=-1):
            assert size is not None and 0 < size <= 1024 * 1024, f"read({size}) would load the whole file"
            return super().read(size)

    content = b"".join(b'{"level": "warning", "message": "m %d"}\n' % n for n in range(3000))
    upload = start_upload(filename="big.jsonl", size_bytes=len(content), owner_id=user.pk, product_id=None)
    result = ingest_file(upload, ChunkOnly(content))
    assert result.lines_indexed == 3000
