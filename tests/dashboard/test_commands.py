"""The dashboard's management commands: ingest_logs, load_demo_logs, recover_uploads, and warm_cache's paths."""

import gzip
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from dashboard import client as search_client
from dashboard.models import Product, Upload
from dashboard.queries import upload_lines_query

pytestmark = pytest.mark.django_db


def _indexed(upload: Upload) -> int:
    search_client.refresh()
    return search_client.execute(upload_lines_query(upload.pk).extra(size=0)).hits.total.value


def test_ingest_logs_indexes_files_as_uploads(search_engine, loghub_dir, product, tmp_path):
    gz = tmp_path / "HDFS.log.gz"
    gz.write_bytes(gzip.compress((loghub_dir / "HDFS_2k.log").read_bytes()))
    out = io.StringIO()
    call_command("ingest_logs", str(loghub_dir / "Zookeeper_2k.log"), str(gz), "--product", "billing", stdout=out)
    uploads = {upload.filename: upload for upload in Upload.objects.all()}
    assert set(uploads) == {"Zookeeper_2k.log", "HDFS.log.gz"}
    assert uploads["HDFS.log.gz"].detected_format == "hdfs"
    assert all(upload.product == product and upload.lines_indexed == 2000 for upload in uploads.values())
    assert _indexed(uploads["Zookeeper_2k.log"]) == 2000
    assert "2000 lines read, 2000 indexed, 0 unparsed" in out.getvalue()


def test_ingest_logs_names_an_unknown_product(search_engine, tmp_path):
    path = tmp_path / "a.log"
    path.write_text("hello\n")
    with pytest.raises(CommandError, match="No product with slug 'nope'"):
        call_command("ingest_logs", str(path), "--product", "nope")


def test_ingest_logs_reports_a_bad_file_and_fails(search_engine, tmp_path):
    path = tmp_path / "binary.log"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(CommandError, match="1 of 1 files"):
        call_command("ingest_logs", str(path), stderr=io.StringIO())
    assert Upload.objects.get().status == Upload.Status.FAILED


@pytest.mark.parametrize("local_time", ["00:05", "12:00", "23:58"])
@pytest.mark.parametrize("time_zone", ["UTC", "Pacific/Auckland"])
def test_load_demo_logs_makes_a_dashboard_worth_looking_at(search_engine, api, django_user_model, settings,
                                                            local_time, time_zone):
    """Whenever someone opens the demo, "today" holds a day's share of the lines, not an empty day."""
    settings.TIME_ZONE = time_zone
    hour, minute = map(int, local_time.split(":"))
    opened_at = datetime(2026, 3, 10, hour, minute, tzinfo=ZoneInfo(time_zone))
    django_user_model.objects.create_superuser("admin", "a@localhost", "pw")
    with time_machine.travel(opened_at, tick=False):
        call_command("load_demo_logs", lines=900, stdout=io.StringIO())
        body = api.get("/api/dashboard").json()
    assert Product.objects.count() == 3
    assert body["total_logs"] == 900
    assert body["files_uploaded"] == 3
    assert body["logs_today"] >= 900 * 0.03  # the densest day: about 5 % of 30 days' lines
    assert body["logs_per_day"][-1] == {"date": opened_at.date().isoformat(), "count": body["logs_today"]}
    assert body["error_logs"] > 0
    assert set(body["logs_by_level"]) >= {"INFO", "WARNING", "ERROR"}
    assert sum(day["count"] for day in body["logs_per_day"]) > 0


def test_load_demo_logs_replace_forgets_earlier_uploads(search_engine):
    call_command("load_demo_logs", lines=30, stdout=io.StringIO())
    call_command("load_demo_logs", lines=30, replace=True, stdout=io.StringIO())
    assert Upload.objects.count() == 3


def test_recover_uploads_fails_uploads_left_processing(search_engine, ingest):
    from dashboard.indexing import start_upload

    done = ingest(b"fine\n")
    stuck = start_upload(filename="stuck.log", size_bytes=10, owner_id=None, product_id=None)
    search_client.bulk_index([{"_id": f"{stuck.pk}-1", "_source": {"upload_id": stuck.pk, "message": "partial"}}],
                             chunk_size=10)
    call_command("recover_uploads", stdout=io.StringIO())
    stuck.refresh_from_db()
    assert stuck.status == Upload.Status.FAILED
    assert "interrupted" in stuck.error
    assert _indexed(stuck) == 0
    assert Upload.objects.get(pk=done.pk).status == Upload.Status.COMPLETE


def test_warm_cache_fills_the_dashboard_and_popular_searches(search_engine, api, django_user_model, ingest):
    django_user_model.objects.create_superuser("admin", "a@localhost", "pw")
    ingest(b'{"level": "error", "message": "disk full"}\n')
    api.get("/api/search", {"q": "disk"})
    from django.core.cache import caches
    from django_redis import get_redis_connection

    connection = get_redis_connection("default")
    cache = caches["default"]
    cache_keys = list(connection.scan_iter(match=cache.make_key("cache:*"), count=1000))
    connection.unlink(*cache_keys)
    out = io.StringIO()
    call_command("warm_cache", stdout=out)
    assert api.get("/api/dashboard")["X-Cache"] == "HIT"
    assert api.get("/api/search", {"q": "disk"})["X-Cache"] == "HIT"
    assert api.get("/api/analytics/trends")["X-Cache"] == "HIT"
