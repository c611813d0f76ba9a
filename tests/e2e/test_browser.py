"""
A person in a browser: log in, read the KPIs, upload a Loghub file, search, and invalidate the
dashboard's cache from the admin. Each test saves a screenshot of its page to docs/screenshots/.

Run with `make test-e2e` (Chromium from Debian, `make run`'s server on a free port).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from tests.e2e.conftest import RunningServer, log_in

pytestmark = pytest.mark.e2e


def _kpi(page: Page, name: str) -> int:
    """The KPI's number once the dashboard has loaded it (a dash until then)."""
    value = page.locator(f"[data-kpi={name}]")
    expect(value).to_have_text(re.compile(r"^[\d,]+$"))
    return int(value.inner_text().replace(",", ""))


def _is_dashboard_api(response: Response) -> bool:
    return urlsplit(response.url).path == "/api/dashboard" and response.request.method == "GET"


def _open_dashboard(page: Page) -> Response:
    """Load `/` and return the response of the /api/dashboard request its script makes."""
    with page.expect_response(_is_dashboard_api) as dashboard:
        page.goto("/")
    expect(page.locator("#kpis")).to_have_attribute("aria-busy", "false")
    return dashboard.value


def _screenshot(page: Page, directory, name: str) -> None:
    path = directory / name
    page.screenshot(path=path, animations="disabled", caret="hide")
    assert path.stat().st_size < 400_000, f"{path} is {path.stat().st_size} bytes: too big for the README"


def test_log_in_through_the_page_and_see_the_kpis(anonymous_page: Page, logdash_server: RunningServer, screenshot_dir):
    page = anonymous_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_label("Username").fill(logdash_server.username)
    _screenshot(page, screenshot_dir, "login.png")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")

    log_in(page, logdash_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert _kpi(page, "total_logs") > 0
    assert _kpi(page, "error_logs") > 0
    expect(page.locator("#dashboard-error")).to_be_hidden()
    expect(page.locator("#recent-logs-body tr")).to_have_count(10)
    expect(page.locator("#cache-state")).to_have_attribute("data-state", re.compile(r"^(HIT|MISS|STALE)$"))
    expect(page.locator("#top-errors li .count").first).to_be_visible()
    _screenshot(page, screenshot_dir, "dashboard.png")


def test_upload_a_loghub_file_and_see_the_total_change(page: Page, loghub_sample, screenshot_dir):
    _open_dashboard(page)
    before = _kpi(page, "total_logs")
    files_before = _kpi(page, "files_uploaded")

    upload = page.locator("#upload-card")
    upload.scroll_into_view_if_needed()
    page.set_input_files("#upload-file", str(loghub_sample))
    with page.expect_response(_is_dashboard_api) as reload:  # the page reloads the KPIs after an upload
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(upload.locator(".alert-ok")).to_have_text(f"Uploaded {loghub_sample.name}.")
    assert reload.value.headers["x-cache"] == "MISS"  # the upload invalidated the dashboard

    summary = dict(zip(upload.locator(".upload-summary dt").all_inner_texts(),
                       upload.locator(".upload-summary dd").all_inner_texts(), strict=True))
    indexed = int(summary["Indexed"].replace(",", ""))
    assert indexed == int(summary["Lines read"].replace(",", "")) == 2000
    assert summary["Format"].lower().startswith("apache")
    expect(page.locator("#upload-progress-label")).to_have_text("Done")

    expect(page.locator("[data-kpi=total_logs]")).to_have_text(f"{before + indexed:,}")
    expect(page.locator("[data-kpi=files_uploaded]")).to_have_text(f"{files_before + 1:,}")
    upload.scroll_into_view_if_needed()
    _screenshot(page, screenshot_dir, "upload.png")


def test_search_shows_highlighted_results(page: Page, screenshot_dir):
    _open_dashboard(page)
    page.get_by_label("Search log messages").fill("error")
    with page.expect_response(lambda r: urlsplit(r.url).path == "/api/search") as search:
        page.get_by_role("button", name="Search", exact=True).click()
    assert search.value.ok
    assert dict(p.split("=", 1) for p in urlsplit(search.value.url).query.split("&"))["q"] == "error"

    results = page.locator("#search-results > li")
    expect(results.first).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text(re.compile(r"Showing \d+ of [\d,]+ matching logs"))
    marks = page.locator("#search-results mark")
    expect(marks.first).to_be_visible()
    assert marks.count() >= results.count()  # every result has its matching word marked
    assert {text.lower() for text in marks.all_inner_texts()} == {"error"}
    expect(page).to_have_url(re.compile(r"/\?q=error$"))  # the search is in the URL: it can be shared

    page.locator("#search-card").scroll_into_view_if_needed()
    _screenshot(page, screenshot_dir, "search.png")


def test_invalidate_the_dashboard_from_the_admin_cache_page(page: Page, screenshot_dir):
    _open_dashboard(page)
    second = _open_dashboard(page)
    assert second.headers["x-cache"] == "HIT", second.headers
    key = second.headers["x-cache-key"]
    assert key.startswith("cache:dashboard:")

    page.goto("/admin/cacheops/cache/")
    expect(page.get_by_role("heading", name="Statistics")).to_be_visible()
    expect(page.locator("#cache-keys")).to_contain_text(key)

    form = page.locator("form", has=page.locator("input[name=action][value=invalidate_type]"))
    form.locator("select[name=cache_type]").select_option("dashboard")
    form.get_by_role("button", name="Invalidate type").click()

    expect(page.locator("#content-main")).to_contain_text("This deletes every 'dashboard' entry")
    page.get_by_role("button", name="Yes, I'm sure").click()

    expect(page).to_have_url(re.compile(r"/admin/cacheops/cache/$"))
    done = re.compile(r"Invalidated every 'dashboard' entry: \d+ keys? deleted\.")
    expect(page.locator(".messagelist")).to_contain_text(done)
    expect(page.locator("#cache-keys")).not_to_contain_text(key)
    _screenshot(page, screenshot_dir, "admin-cache.png")

    after = _open_dashboard(page)
    assert after.headers["x-cache"] == "MISS", after.headers
    expect(page.locator("#cache-state")).to_have_attribute("data-state", "MISS")
    assert _kpi(page, "total_logs") > 0
