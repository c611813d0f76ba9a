"""The dashboard's upload form without JavaScript: POST /upload/ runs the API's upload (waiting for the worker's
job) and answers a page: the result, or the job's own page that reloads until it ends."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dashboard import client as search_client
from dashboard.models import Upload
from dashboard.queries import upload_lines_query

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads the rows the test commits

SYSLOG = (b"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0\n"
          b"Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown\n"
          b"Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0\n")


@pytest.fixture
def browser(django_user_model, worker_engine, clock) -> Client:
    """A logged-in browser that sends Django's CSRF token like a real form does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("reader", password="s3cret-pw"))
    return client


def _token(client: Client) -> str:
    html = client.get("/").content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_dashboard_form_posts_to_the_upload_page(browser: Client) -> None:
    html = browser.get("/").content.decode()
    form = re.search(r'<form id="upload-form"[^>]*>', html).group(0)
    assert 'action="/upload/"' in form and 'enctype="multipart/form-data"' in form and 'method="post"' in form


def test_an_upload_without_javascript_ends_on_a_page_with_its_result(browser: Client) -> None:
    response = browser.post("/upload/", {"file": SimpleUploadedFile("auth.log", SYSLOG),
                                         "csrfmiddlewaretoken": _token(browser)})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response
    html = response.content.decode()
    assert "Uploaded auth.log" in html
    assert re.search(r"<dt>Indexed</dt><dd>3</dd>", html)
    upload = Upload.objects.get()
    assert upload.filename == "auth.log" and upload.lines_indexed == 3
    search_client.refresh()
    indexed = search_client.execute(upload_lines_query(upload.pk).extra(size=0, track_total_hits=True))
    assert indexed.hits.total.value == 3


def test_a_job_still_running_is_followed_on_its_own_page(browser: Client, idle_queue, settings) -> None:
    settings.LOGDASH = {"UPLOAD_PAGE_WAIT_SECONDS": 0.2}
    response = browser.post("/upload/", {"file": SimpleUploadedFile("auth.log", SYSLOG),
                                         "csrfmiddlewaretoken": _token(browser)})
    upload = Upload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/upload/{upload.pk}/"
    page = browser.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "queued" in html
    assert '<meta http-equiv="refresh" content="2">' in html and "<progress" in html


def test_a_bad_file_shows_the_api_error_and_the_form_again(browser: Client) -> None:
    response = browser.post("/upload/", {"file": SimpleUploadedFile("empty.log", b""),
                                         "csrfmiddlewaretoken": _token(browser)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Upload failed" in html and "empty" in html.lower()
    assert 'type="file"' in html and 'action="/upload/"' in html
    assert not Upload.objects.filter(status="done").exists()


def test_the_upload_page_refuses_a_post_without_the_csrf_token(browser: Client) -> None:
    response = browser.post("/upload/", {"file": SimpleUploadedFile("auth.log", SYSLOG)})

    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_anonymous_upload_goes_to_the_login_page(client: Client) -> None:
    response = client.post("/upload/", {"file": SimpleUploadedFile("auth.log", SYSLOG)})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not Upload.objects.exists()
