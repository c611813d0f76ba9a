"""
Unnamed layouts, declared formats and the upload report, end to end: POST /api/upload and
/api/formats against the real engine, read back through /api/search, and the admin and
`ingest_logs` paths. Every layout here has a year, so nothing depends on the day the tests run.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from dashboard.models import LogFormat, Upload

pytestmark = pytest.mark.django_db

# A layout no named format knows: day.month.year, a comma fraction, the level after a pipe.
UNNAMED = [f"{day:02d}.03.2026 1{n % 10}:0{n % 6}:{n:02d},25 | node-{n % 3} | {level} | step {n} done"
           for n, (day, level) in enumerate(zip([14, 14, 15, 15, 16, 16] * 5, ["INFO", "WARN", "ERROR"] * 10,
                                                strict=True))]
UNNAMED[7] = "   continuation without a time"

EU_FORMAT = {
    "name": "eu-app",
    "pattern": r"(?P<timestamp>\d\d/\d\d/\d{4} \d\d:\d\d:\d\d) <(?P<level>\w+)> (?P<source>\w+) (?P<message>.*)",
    "timestamp_layout": "%d/%m/%Y %H:%M:%S",
    "timezone": "Europe/Paris",
    "example": "01/02/2026 10:00:00 <warn> billing card declined",
}


def _upload(api, lines: list[str], **extra):
    content = ("\n".join(lines) + "\n").encode()
    return api.post("/api/upload?wait=60", {"file": SimpleUploadedFile("app.log", content), **extra},
                    format="multipart")


@pytest.fixture
def staff_api(client_for, staff, worker_engine):
    """Staff's client; uploads go through the worker, which needs the test's rows committed."""
    return client_for(staff)


@pytest.mark.django_db(transaction=True)
def test_an_unnamed_layout_is_read_and_reported(api, worker_engine):
    response = _upload(api, UNNAMED)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["detected_format"] == "generic"
    assert body["layout_description"].startswith("timestamp `%d.%m.%Y %H:%M:%S,%f` (day-month-year time) at token 1")
    assert "level at token 6" in body["layout_description"]
    assert body["timestamp_share"] == pytest.approx(29 / 30)
    assert body["level_share"] == pytest.approx(29 / 30)
    assert body["unmatched_lines"] == [{"line": 8, "text": "   continuation without a time"}]
    listed = api.get("/api/uploads").json()["results"][0]
    assert listed["layout_pattern"] == body["layout_pattern"] and "<timestamp:%d.%m.%Y" in listed["layout_pattern"]
    hits = api.get("/api/search", {"q": "step", "level": "ERROR", "size": 50}).json()["results"]
    assert len(hits) == 10
    first_error = next(hit for hit in hits if hit["message"].endswith("step 2 done"))
    assert first_error["timestamp"].startswith("2026-03-15T12:02:02.250000")


@pytest.mark.django_db(transaction=True)
def test_a_declared_format_is_refused_when_it_cannot_work(staff_api):
    for change, field, words in [
        ({"pattern": r"(?P<timestamp>[0-9/ :]+"}, "pattern", "does not compile"),
        ({"pattern": r"(?P<when>\S+) (?P<message>.*)"}, "pattern", "no (?P<timestamp>"),
        ({"example": "nothing like it"}, "example", "does not match the example"),
        ({"timestamp_layout": "%m/%d/%Y %H:%M:%S", "example": "31/01/2026 10:00:00 <warn> a b"}, "example",
         "does not read as"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone"),
    ]:
        response = staff_api.post("/api/formats", {**EU_FORMAT, **change}, format="json")
        assert response.status_code == 400, change
        assert words in response.json()["fields"][field][0], response.json()
    assert not LogFormat.objects.exists()


def test_only_staff_declare_formats(api, search_engine):
    assert api.post("/api/formats", EU_FORMAT, format="json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_upload_can_name_a_declared_format_and_a_time_zone(staff_api):
    assert staff_api.post("/api/formats", EU_FORMAT, format="json").status_code == 201
    lines = ["02/02/2026 10:00:00 <error> billing refund failed", "02/02/2026 10:00:05 <info> billing retried"]
    response = _upload(staff_api, lines, format="eu-app", timezone="America/New_York")
    assert response.status_code == 201, response.json()
    assert (response.json()["detected_format"], response.json()["timestamp_share"]) == ("eu-app", 1.0)
    hits = staff_api.get("/api/search", {"q": "refund"}).json()["results"]
    assert (hits[0]["timestamp"], hits[0]["level"], hits[0]["source"]) == ("2026-02-02T10:00:00-05:00", "ERROR",
                                                                           "billing")
    upload = Upload.objects.get(pk=response.json()["upload_id"])
    assert (upload.requested_format, upload.timezone) == ("eu-app", "America/New_York")


@pytest.mark.django_db(transaction=True)
def test_detection_tries_declared_formats_before_the_named_ones(staff_api):
    syslog_like = {"name": "my-syslog", "pattern": r"(?P<timestamp>\w{3} +\d+ [\d:]{8}) (?P<host>\S+) (?P<message>.*)",
                   "timestamp_layout": "%b %d %H:%M:%S", "timezone": "UTC",
                   "example": "Jun 14 15:16:01 combo sshd[1]: hello"}
    assert staff_api.post("/api/formats", syslog_like, format="json").status_code == 201
    response = _upload(staff_api, ["Jun 14 15:16:01 combo sshd[1]: hello", "Jun 14 15:16:02 combo cron[2]: tick"])
    assert response.json()["detected_format"] == "my-syslog"


def test_an_unknown_format_or_zone_is_a_400_naming_it(api, search_engine):
    response = _upload(api, UNNAMED, format="nope")
    assert response.status_code == 400
    assert "No log format named 'nope'" in response.json()["fields"]["format"][0]
    assert "syslog" in response.json()["fields"]["format"][0]
    response = _upload(api, UNNAMED, timezone="Europe/Nowhere")
    assert response.status_code == 400 and "IANA" in response.json()["fields"]["timezone"][0]
    assert not Upload.objects.exists()


def test_ingest_logs_takes_a_format_and_a_time_zone(tmp_path, search_engine):
    path = tmp_path / "app.log"
    path.write_text("\n".join(UNNAMED) + "\n")
    out = io.StringIO()
    call_command("ingest_logs", str(path), "--timezone", "Asia/Tokyo", stdout=out)
    upload = Upload.objects.get()
    assert (upload.detected_format, upload.timezone) == ("generic", "Asia/Tokyo")
    assert "layout: timestamp `%d.%m.%Y %H:%M:%S,%f`" in out.getvalue()
    with pytest.raises(CommandError, match="No log format named 'zzz'"):
        call_command("ingest_logs", str(path), "--format", "zzz", stdout=io.StringIO())


def test_the_admin_refuses_a_format_that_does_not_read_its_example(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@localhost", "pw"))
    page = client.post("/admin/dashboard/logformat/add/", {**EU_FORMAT, "example": "garbage"})
    assert page.status_code == 200
    assert "does not match the example line" in page.content.decode()
    assert not LogFormat.objects.exists()
    page = client.post("/admin/dashboard/logformat/add/", EU_FORMAT)
    assert page.status_code == 302 and LogFormat.objects.get().name == "eu-app"
