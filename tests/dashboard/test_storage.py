"""Time partitions, rollups, retention and the embedded engine's memory budget, on the real engine."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from elasticsearch_dsl import Search

from dashboard import client
from dashboard.conf import dashboard_settings
from dashboard.documents import get_index_template_body
from dashboard.indexing import EngineFull, _Budget, ingest_file, start_upload
from dashboard.models import DailyRollup, Product, Upload
from dashboard.partitions import Partition, covering, parse_partition, partition_name
from dashboard.rebuild import rebuild_index
from dashboard.retention import apply_retention, cutoff_for
from dashboard.rollups import local_day
from tests.dashboard.conftest import json_lines

pytestmark = pytest.mark.django_db
LEVELS = ("INFO", "ERROR", "WARNING", "DEBUG", "CRITICAL")
SOURCES = ("api", "db", "worker")


def history(now: datetime, *, days: int, per_day: int, tag: str = "") -> bytes:
    """`per_day` lines on each of the last `days` days, at hours that cross UTC and local midnights."""
    lines = []
    for day in range(days):
        for n in range(per_day):
            moment = now - timedelta(days=day, hours=(n * 7) % 24, minutes=n)
            lines.append({"timestamp": moment.isoformat(), "level": LEVELS[(day + n) % len(LEVELS)],
                          "logger": SOURCES[n % len(SOURCES)], "message": f"{tag} event {day}-{n}"})
    return json_lines(lines)


def raw_lines() -> list[dict]:
    client.refresh()
    response = client.execute(Search(index=dashboard_settings.INDEX_ALIAS).extra(size=10_000))
    return [{"_index": hit.meta.index, **hit.to_dict()} for hit in response.hits]


def lines_per_rollup_key() -> Counter:
    """What the rollups should hold, counted from the lines themselves."""
    return Counter(
        (line["upload_id"], local_day(datetime.fromisoformat(line["@timestamp"])), line["level"], line["source"],
         line["product"])
        for line in raw_lines()
    )


def rollups_per_key() -> Counter:
    return Counter({(row.upload_id, row.day, row.level, row.source, row.product): row.count
                    for row in DailyRollup.objects.all()})


def assert_rollups_match_lines() -> None:
    expected = lines_per_rollup_key()
    assert rollups_per_key() == expected
    assert sum(expected.values()) == client.document_count()


def test_partition_names_round_trip_and_ranges_pick_their_days():
    day = date(2026, 3, 9)
    name = partition_name(day, version=3)
    assert name == "logdash-logs-v3-2026.03.09"
    assert parse_partition(name) == Partition(3, day, name)
    legacy = parse_partition("logdash-logs-v1")
    assert legacy == Partition(1, None, "logdash-logs-v1")
    assert parse_partition("other-index") is None
    partitions = [parse_partition(partition_name(day + timedelta(days=n), version=1)) for n in range(5)]
    start = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert covering(partitions, start, start + timedelta(hours=2)) == [
        "logdash-logs-v1-2026.03.10", "logdash-logs-v1-2026.03.11"]
    assert covering([*partitions, legacy], start, start + timedelta(minutes=1)) == [
        "logdash-logs-v1", "logdash-logs-v1-2026.03.10"]
    assert len(covering(partitions, None, None)) == 5


def test_each_line_lands_in_the_partition_of_its_own_utc_day(ingest, user, now):
    ingest(history(now, days=4, per_day=6), owner=user)
    lines = raw_lines()
    assert len(lines) == 24
    for line in lines:
        day = datetime.fromisoformat(line["@timestamp"]).astimezone(UTC).date()
        assert line["_index"] == partition_name(day, version=dashboard_settings.INDEX_VERSION)
    assert {p.name for p in client.list_partitions()} >= {line["_index"] for line in lines}


def test_a_time_range_reads_only_the_partitions_it_covers(ingest, user, now):
    ingest(history(now, days=10, per_day=3), owner=user)
    start = now - timedelta(days=2)
    search = client.within(Search(index=dashboard_settings.INDEX_ALIAS), start, now)
    days = {(start + timedelta(days=n)).astimezone(UTC).date() for n in range(3)}
    assert set(search._index) == {partition_name(day, version=dashboard_settings.INDEX_VERSION) for day in days}
    assert client.within(Search(index="logdash-logs"), None, None)._index == ["logdash-logs"]


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_rollups_match_the_lines_after_uploads_deletions_a_failed_upload_and_retention(
        ingest, user, other_user, now, settings, time_zone, django_capture_on_commit_callbacks):
    settings.TIME_ZONE = time_zone
    billing = Product.objects.create(name="Billing", slug="billing")
    shop = Product.objects.create(name="Shop", slug="shop")
    first = ingest(history(now, days=20, per_day=5, tag="a"), owner=user, product=billing)
    ingest(history(now, days=12, per_day=4, tag="b"), owner=other_user, product=shop)
    third = ingest(history(now, days=6, per_day=3, tag="c"), owner=user)
    assert_rollups_match_lines()

    with django_capture_on_commit_callbacks(execute=True):
        third.delete()
    assert_rollups_match_lines()
    assert not DailyRollup.objects.filter(upload_id=third.pk).exists()

    held = client.document_count()
    settings.LOGDASH_EMBEDDED_MAX_DOCS = held + 7
    settings.LOGDASH_BULK_BATCH_SIZE = 5  # some lines reach the engine before the refusal
    failed = start_upload(filename="big.log", size_bytes=1, owner_id=user.pk, product_id=None)
    with pytest.raises(EngineFull):
        ingest_file(failed, io.BytesIO(history(now, days=5, per_day=4, tag="d")))
    failed.refresh_from_db()
    assert failed.status == Upload.Status.FAILED and not failed.cleanup_pending
    assert_rollups_match_lines()
    settings.LOGDASH_EMBEDDED_MAX_DOCS = None

    settings.LOGDASH_RETENTION_DAYS = 7
    shop.retention_days = 3
    shop.save()
    with django_capture_on_commit_callbacks(execute=True):
        report = apply_retention()
    assert report.partitions_dropped and report.lines_removed > 0
    assert report.products["shop"] > 0
    assert_rollups_match_lines()
    cutoff = cutoff_for(7, now=now)
    lines = raw_lines()
    assert min(datetime.fromisoformat(line["@timestamp"]) for line in lines) >= cutoff
    assert min(datetime.fromisoformat(line["@timestamp"]) for line in lines if line["product"] == "shop") >= \
        cutoff_for(3, now=now)
    assert all(p.end is None or p.end > cutoff for p in client.list_partitions())
    assert first.rollups.exists()
    again = apply_retention()
    assert again.lines_removed == 0 and again.rollup_rows_deleted == 0


def test_the_dashboard_totals_are_the_lines_that_remain_after_retention(ingest, user, now, settings, api):
    content = history(now, days=30, per_day=4)
    ingest(content, owner=user)
    settings.LOGDASH_RETENTION_DAYS = 14
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Dropped" in out.getvalue() and "Removed" in out.getvalue()
    body = api.get("/api/dashboard").json()
    lines = raw_lines()
    cutoff = cutoff_for(14, now=now)
    assert body["total_logs"] == len(lines) == sum(
        datetime.fromisoformat(line["timestamp"]) >= cutoff for line in map(json.loads, content.splitlines()))
    assert now - min(datetime.fromisoformat(line["@timestamp"]) for line in lines) < timedelta(days=14)
    assert body["logs_by_level"] == dict(Counter(line["level"] for line in lines))
    assert body["error_logs"] == sum(line["level"] in ("ERROR", "CRITICAL") for line in lines)
    assert [entry["id"] for entry in body["recent_logs"]] == [
        f"{line['upload_id']}-{line['line_number']}"
        for line in sorted(lines, key=lambda line: (line["@timestamp"], line["line_number"]), reverse=True)[:10]]
    found = api.get("/api/search", {"to": (now - timedelta(days=14)).isoformat()}).json()
    assert found["total"] == 0
    trends = api.get("/api/analytics/trends", {"days": 30}).json()
    assert trends["total_logs"] == len(lines)
    assert {row["source"]: row["count"] for row in trends["volume_per_source"]} == dict(
        Counter(line["source"] for line in lines))
    assert sum(day["errors"] for day in trends["error_rate_per_day"]) == body["error_logs"]


def test_lines_older_than_the_retention_are_counted_and_not_indexed(api, ingest, user, now, settings):
    settings.LOGDASH_RETENTION_DAYS = 3
    upload = ingest(history(now, days=6, per_day=2), owner=user)  # the job's code, in this process's settings
    body = api.get(f"/api/uploads/{upload.pk}").json()
    assert body["status"] == "complete" and body["lines_read"] == 12
    assert body["lines_expired"] + body["lines_indexed"] == 12
    assert body["lines_expired"] > 0
    assert client.document_count() == body["lines_indexed"]
    assert_rollups_match_lines()


def test_an_upload_past_the_embedded_budget_is_a_507_pointing_at_retention(api, ingest, user, now, settings):
    ingest(history(now, days=2, per_day=3), owner=user)
    settings.LOGDASH_EMBEDDED_MAX_DOCS = 6
    response = api.post("/api/upload", {"file": io.BytesIO(history(now, days=1, per_day=2))}, format="multipart")
    assert response.status_code == 507
    assert response.json()["error"] == "engine_full"
    assert "LOGDASH_RETENTION_DAYS" in str(response.json()) and "ELASTICSEARCH_URL" in str(response.json())
    assert client.document_count() == 6
    settings.ELASTICSEARCH_FLAVOR = "elasticsearch"  # a real cluster: the budget does not apply
    assert _Budget.measure().room is None


@pytest.mark.usefixtures("jobs_in_process")
def test_a_job_that_fills_the_embedded_engine_mid_file_fails_saying_so(api, ingest, user, now, settings):
    """The check before queueing passed; the job ran out of room half-way: engine_full, never `internal`."""
    ingest(history(now, days=2, per_day=3), owner=user)
    held = client.document_count()
    settings.LOGDASH_EMBEDDED_MAX_DOCS = held + 3
    settings.LOGDASH_BULK_BATCH_SIZE = 2
    response = api.post("/api/upload?wait=30", {"file": io.BytesIO(history(now, days=2, per_day=4))},
                        format="multipart")
    assert (response.status_code, response.json()["error"]) == (507, "engine_full")
    upload = Upload.objects.latest("pk")
    assert (upload.status, upload.error_code) == (Upload.Status.FAILED, "engine_full")
    assert "LOGDASH_RETENTION_DAYS" in upload.error and "nothing of it kept" in upload.error
    assert client.document_count() == held
    assert_rollups_match_lines()


def test_rebuild_index_moves_every_partition_to_the_next_version_and_uploads_follow(ingest, user, now, api):
    ingest(history(now, days=3, per_day=4), owner=user)
    before = api.get("/api/dashboard").json()["total_logs"]
    out = io.StringIO()
    call_command("rebuild_index", stdout=out)
    version = dashboard_settings.INDEX_VERSION
    assert f"version {version} into version {version + 1}" in out.getvalue()
    assert {p.version for p in client.list_partitions()} == {version + 1}
    assert client.document_count() == before == 12
    ingest(history(now, days=1, per_day=2, tag="after"), owner=user)
    assert {line["_index"].split("-v")[1].split("-")[0] for line in raw_lines()} == {str(version + 1)}
    assert_rollups_match_lines()


def test_rebuild_index_splits_an_index_from_before_partitions_into_days(search_engine, now):
    es = client.get_client()
    es.indices.put_index_template(name="logdash-logs", **get_index_template_body())
    es.indices.create(index="logdash-logs-v1", aliases={"logdash-logs": {"is_write_index": True}})
    for n in range(6):
        moment = now - timedelta(days=n % 3, hours=n)
        es.index(index="logdash-logs", id=str(n), document={"@timestamp": moment.isoformat(), "level": "INFO"})
    es.indices.refresh(index="logdash-logs")
    report = rebuild_index()
    assert report.old_version == 1 and report.new_version == 2 and report.lines == 6
    assert all(p.day is not None for p in client.list_partitions())
    assert client.document_count() == 6
    assert not es.indices.exists(index="logdash-logs-v1")


def test_rebuild_rollups_recounts_them_from_the_lines_in_another_time_zone(ingest, user, now, settings):
    ingest(history(now, days=5, per_day=7), owner=user)
    DailyRollup.objects.all().delete()
    settings.TIME_ZONE = "Asia/Kolkata"
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "Rollups: wrote" in out.getvalue()
    assert_rollups_match_lines()
