"""The dashboard page for people: login, logout, the page shell and its static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

STATIC_FILES = (
    "dashboard/app.js",
    "dashboard/app.css",
    "dashboard/vendor/chart.umd.min.js",
    "dashboard/vendor/chart.js.LICENSE.md",
    "dashboard/favicon.svg",
)


def _read_static(path: str) -> str:
    return Path(finders.find(path)).read_text(encoding="utf-8")


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", password="s3cret-pw")


@pytest.fixture
def reader_client(client: Client, reader) -> Client:
    client.force_login(reader)
    return client


def test_routes_are_at_the_site_root() -> None:
    assert reverse("pages:home") == "/"
    assert reverse("pages:login") == "/login/"
    assert reverse("pages:logout") == "/logout/"


def test_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_page_renders_every_kpi_and_chart(reader_client: Client) -> None:
    response = reader_client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    for kpi in ("total_logs", "logs_today", "error_logs", "files_uploaded"):
        assert f'data-kpi="{kpi}"' in html
    for canvas in ("chart-per-day", "chart-levels", "chart-error-rate"):
        assert f'id="{canvas}"' in html
    assert 'id="recent-logs"' in html
    assert html.count('scope="col"') == 10  # recent logs and top patterns
    assert 'id="cache-state"' in html


def test_page_has_a_top_patterns_table_linking_to_search(reader_client: Client) -> None:
    html = reader_client.get("/").content.decode()
    table = html[html.index('id="top-patterns"'):]
    table = table[:table.index("</table>")]
    assert "<caption" in table and "Top patterns" in html
    assert [h.split(">")[1].split("<")[0] for h in table.split('<th scope="col"')[1:]] == [
        "Pattern", "Count", "Levels", "First seen", "Last seen"]
    assert 'name="pattern_id"' in html
    script = _read_static("dashboard/app.js")
    assert 'getJSON("analytics/patterns"' in script and '"?pattern_id=" + encodeURIComponent' in script


def test_page_has_an_accessible_search_box_and_upload_form(reader_client: Client) -> None:
    html = reader_client.get("/").content.decode()

    assert 'role="search"' in html
    assert '<label for="search-q">' in html
    assert re.search(r'id="search-status"[^>]*aria-live="polite"', html)
    for level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "UNKNOWN"):
        assert f'name="level" value="{level}"' in html
    assert 'id="upload-form"' in html
    assert '<label for="upload-file">' in html
    assert '<label for="upload-product">' in html
    assert '<progress id="upload-progress"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_page_references_its_local_static_files(reader_client: Client) -> None:
    html = reader_client.get("/").content.decode()

    assert 'href="/static/dashboard/app.css"' in html
    assert 'src="/static/dashboard/vendor/chart.umd.min.js"' in html
    assert 'src="/static/dashboard/app.js"' in html
    assert "cdn" not in html.lower()


def test_page_passes_its_config_as_json_not_as_script(reader_client: Client) -> None:
    response = reader_client.get("/")

    config = response.context["page_config"]
    assert config["apiRoot"] == "/api/"
    assert config["loginUrl"] == "/login/"
    assert '<script id="logdash-config" type="application/json">' in response.content.decode()


def test_page_sets_the_csrf_cookie_the_script_sends_back(reader_client: Client) -> None:
    response = reader_client.get("/")

    assert response.cookies["csrftoken"].value


def test_username_is_escaped(client: Client, django_user_model) -> None:
    client.force_login(django_user_model.objects.create_user("<b>eve</b>", password="pw"))

    html = client.get("/").content.decode()

    assert "<b>eve</b>" not in html
    assert "&lt;b&gt;eve&lt;/b&gt;" in html


def test_admin_link_only_for_staff(client: Client, reader, django_user_model) -> None:
    client.force_login(reader)
    assert 'href="/admin/"' not in client.get("/").content.decode()

    client.force_login(django_user_model.objects.create_user("operator", password="pw", is_staff=True))
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_login_page_renders_a_labelled_form(client: Client) -> None:
    response = client.get("/login/?next=/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'autocomplete="current-password"' in html
    assert 'name="next" value="/"' in html


def test_login_with_csrf_token_then_dashboard(reader) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies["csrftoken"].value

    response = client.post("/login/", {"username": "reader", "password": "s3cret-pw", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_follows_a_safe_next(client: Client, reader) -> None:
    response = client.post("/login/", {"username": "reader", "password": "s3cret-pw", "next": "/?q=timeout"})

    assert response["Location"] == "/?q=timeout"


def test_login_ignores_an_offsite_next(client: Client, reader) -> None:
    response = client.post("/login/", {"username": "reader", "password": "s3cret-pw", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_wrong_password_shows_an_error(client: Client, reader) -> None:
    response = client.post("/login/", {"username": "reader", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get("/").status_code == 302


def test_logged_in_visitor_of_login_page_goes_to_the_dashboard(reader_client: Client) -> None:
    response = reader_client.get("/login/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_is_post_only_and_ends_the_session(reader_client: Client) -> None:
    assert reader_client.get("/logout/").status_code == 405

    response = reader_client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert reader_client.get("/").status_code == 302


@pytest.mark.parametrize("path", STATIC_FILES)
def test_static_files_are_found_locally(path: str) -> None:
    assert finders.find(path) is not None


def test_vendored_chart_library_has_no_dangling_source_map() -> None:
    # ManifestStaticFilesStorage rewrites sourceMappingURL comments and fails collectstatic on a missing map.
    source = _read_static("dashboard/vendor/chart.umd.min.js")

    assert source.startswith("/*!\n * Chart.js v4")
    assert "sourceMappingURL" not in source


def test_script_never_inserts_html() -> None:
    source = _read_static("dashboard/app.js")

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source


def test_without_javascript_the_page_says_what_works(reader_client: Client) -> None:
    html = reader_client.get("/").content.decode()

    noscript_head = re.search(r"<head>.*?</head>", html, re.S).group(0)
    assert re.search(r'<noscript><link rel="stylesheet" href="[^"]*dashboard/nojs\.css"></noscript>', noscript_head)
    assert ".js-only { display: none !important; }" in _read_static("dashboard/nojs.css")
    notice = re.search(r'<div class="alert alert-error" id="no-js-notice">(.*?)</div>', html, re.S).group(1)
    assert "Uploading a log file works" in notice
    # Everything that only JavaScript fills is hidden without it, "Loading…" placeholders included.
    for marker in ('id="dashboard-meta"', 'id="kpis"', 'aria-labelledby="recent-title"', 'id="search-card"',
                   'id="trends"', 'id="patterns"'):
        tag = re.search(rf"<[^>]*{re.escape(marker)}[^>]*>", html).group(0)
        assert "js-only" in tag, marker


def test_kpis_do_not_wait_for_chart_js(reader_client: Client) -> None:
    html = reader_client.get("/").content.decode()

    scripts = re.findall(r"<script [^>]*src=[^>]*>", html)
    chart = next(tag for tag in scripts if "chart.umd.min.js" in tag)
    app = next(tag for tag in scripts if "app.js" in tag)
    assert " async" in chart and " defer" not in chart
    assert " defer" in app
    assert scripts.index(app) < scripts.index(chart)


def test_page_has_a_polite_live_region(reader_client: Client) -> None:
    html = reader_client.get("/").content.decode()

    assert re.search(r'<p id="live-status" class="visually-hidden" role="status" aria-live="polite"></p>', html)
