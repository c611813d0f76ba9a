"""
The Angular client (`clients/angular/`) in Chromium against `make run`'s server on another origin.

The built app (`npm ci && npx ng build`, run by `make test-e2e`) is served from `http://localhost:<port>`
while the API is `http://127.0.0.1:<port>`: every call is cross-origin (CORS_ALLOWED_ORIGINS names the
client's origin), with the token, never cookies. One person's session: a refused login rendered as the
API's error, login and who-am-I, the KPIs with X-Cache and a 304 turned into the cached body by the
interceptor, an upload with progress, a search with highlights where a log line carrying `<img onerror>`
stays inert, the uploads list paged by cursor, and staff invalidation followed by a MISS.
Screenshots: docs/screenshots/angular-*.png.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, VIEWPORT, RunningServer

pytestmark = pytest.mark.e2e

CLIENT_DIST = ROOT / "clients" / "angular" / "dist" / "logdash" / "browser"
XSS_LINE = {"level": "ERROR", "message": 'payload <img src=x onerror="window.__xss = 1"> refused by ProxyFilter'}


class _ClientFiles(SimpleHTTPRequestHandler):
    """The built app's files, and `config.json` naming the API under test."""

    api_url = ""

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/config.json":
            body = json.dumps({"apiUrl": self.api_url}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="module")
def client_url(logdash_server: RunningServer, client_origin: str) -> Iterator[str]:
    if not (CLIENT_DIST / "index.html").is_file():
        pytest.fail(f"No built client in {CLIENT_DIST}: run `make test-e2e` (it runs `npm ci && npx ng build`).")
    port = int(client_origin.rsplit(":", 1)[1])
    handler = type("Files", (_ClientFiles,), {"api_url": logdash_server.url})
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(CLIENT_DIST)))
    thread = threading.Thread(target=server.serve_forever, name="angular-client", daemon=True)
    thread.start()
    try:
        yield client_origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def client_page(browser, client_url: str) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC", reduced_motion="reduce",
                                  base_url=client_url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    try:
        yield page, console
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"angular-{name}.png"), full_page=True)


def test_the_angular_client_end_to_end(client_page, logdash_server: RunningServer, screenshot_dir: Path,
                                       tmp_path: Path):
    page, console = client_page
    page.goto("/")

    # A refused login is the API's error body, rendered.
    page.get_by_label("Username").fill(logdash_server.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    error = page.locator(".api-error")
    expect(error).to_contain_text(re.compile(r"^\s*400 invalid"))
    _shot(page, screenshot_dir, "error")

    # Login, then who am I: GET /api/user/me.
    page.get_by_label("Password").fill(logdash_server.password)
    with page.expect_response(lambda r: urlsplit(r.url).path == "/api/user/me") as me:
        page.get_by_role("button", name="Log in").click()
    assert me.value.status == 200 and me.value.request.headers.get("authorization", "").startswith("Token ")
    expect(page.get_by_test_id("username")).to_have_text(logdash_server.username)
    expect(page.locator(".badge")).to_have_text("staff")

    # KPIs with their cache state; a reload is revalidated: 304, the kept body, X-Cache HIT.
    expect(page.get_by_test_id("total-logs")).to_have_text(re.compile(r"^[\d,]+$"))
    expect(page.get_by_test_id("x-cache")).to_have_text(re.compile(r"^(MISS|HIT|STALE)$"))
    total = page.get_by_test_id("total-logs").inner_text()
    with page.expect_request(lambda r: urlsplit(r.url).path == "/api/dashboard") as again:
        page.get_by_role("button", name="Reload").click()
    assert again.value.headers.get("if-none-match"), "the interceptor sent no If-None-Match"
    expect(page.get_by_test_id("http-status")).to_have_text("304")
    expect(page.get_by_test_id("x-cache")).to_have_text("HIT")
    expect(page.get_by_test_id("total-logs")).to_have_text(total)
    _shot(page, screenshot_dir, "dashboard")

    # Upload with progress: a line carrying markup, which must stay text when shown.
    hostile = tmp_path / "hostile.log"
    hostile.write_text(json.dumps(XSS_LINE) + "\n")
    page.locator("input[type=file]").set_input_files(str(hostile))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("upload-summary")).to_contain_text("hostile.log: complete, 1 of 1 lines indexed")
    expect(page.get_by_test_id("upload-progress")).to_have_text("100 %")
    _shot(page, screenshot_dir, "upload")

    # Search: words inside identifiers are found and marked; the markup in the line stays inert.
    page.get_by_label("Words").fill("error")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hits mark").first).to_be_visible()
    page.get_by_label("Words").fill("proxy filter")
    page.get_by_role("button", name="Search").click()
    hit = page.locator(".hits li .message")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text('<img src=x onerror="window.__xss = 1">')
    expect(hit.locator("mark")).to_have_text(["ProxyFilter"])  # adjacent marks joined
    assert hit.locator("img").count() == 0 and page.evaluate("window.__xss") is None
    page.get_by_label("Words").fill("error")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hits mark").first).to_be_visible()
    _shot(page, screenshot_dir, "search")

    # The uploads list pages by cursor: the demo's three uploads and this one, three a page.
    expect(page.get_by_test_id("uploads-page")).to_have_text("1")
    uploads = page.locator("app-uploads tbody tr")
    expect(uploads).to_have_count(3)
    expect(uploads.first).to_contain_text("hostile.log")
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_test_id("uploads-page")).to_have_text("2")
    expect(uploads).not_to_have_count(0)
    expect(page.locator("app-uploads")).not_to_contain_text("hostile.log")
    page.get_by_role("button", name="Previous page").click()
    expect(uploads.first).to_contain_text("hostile.log")

    # Staff invalidate the dashboard; the next read is a MISS.
    page.get_by_label("Cache type").select_option("dashboard")
    page.get_by_role("button", name="Invalidate").click()
    expect(page.get_by_test_id("invalidated")).to_contain_text("dashboard")
    expect(page.get_by_test_id("x-cache")).to_have_text("MISS")
    expect(page.get_by_test_id("http-status")).to_have_text("200")
    _shot(page, screenshot_dir, "staff")

    # No sanitizer warning for the highlights, and no error but the browser's note on the refused login.
    refused_login = "Failed to load resource: the server responded with a status of 400"
    warnings = [line for line in console
                if "sanitiz" in line.lower() or (line.startswith("error") and refused_login not in line)]
    assert not warnings, warnings



DASHBOARD = {"logs_today": 1, "error_logs": 0, "files_uploaded": 1, "logs_by_level": {}, "recent_logs": [],
             "logs_per_day": [], "time_zone": "UTC", "generated_at": "2026-11-30T00:00:00Z"}


def test_the_interceptor_keeps_no_store_nothing_and_private_answers_for_one_login_only(
        client_page, logdash_server: RunningServer, client_origin: str):
    """The cache rules of the README's interceptor, on answers the test writes (the API sends no no-store)."""
    page, _ = client_page
    sent: list[str | None] = []
    answer = {"control": "no-store", "etag": '"one"', "total": 7}

    def dashboard(route) -> None:
        cors = {"Access-Control-Allow-Origin": client_origin,
                "Access-Control-Allow-Headers": "authorization, if-none-match",
                "Access-Control-Expose-Headers": "ETag, X-Cache, Age"}
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
            return
        condition = route.request.headers.get("if-none-match")
        sent.append(condition)
        headers = {**cors, "ETag": answer["etag"], "Cache-Control": answer["control"], "X-Cache": "HIT"}
        if condition == answer["etag"]:
            route.fulfill(status=304, headers=headers)
        else:
            route.fulfill(status=200, headers={**headers, "Content-Type": "application/json"},
                          body=json.dumps({**DASHBOARD, "total_logs": answer["total"]}))

    def log_in() -> None:
        page.get_by_label("Username").fill(logdash_server.username)
        page.get_by_label("Password").fill(logdash_server.password)
        page.get_by_role("button", name="Log in").click()

    page.route(f"{logdash_server.url}/api/dashboard", dashboard)
    page.goto("/")
    log_in()
    expect(page.get_by_test_id("total-logs")).to_have_text("7")
    reload = page.get_by_role("button", name="Reload")

    answer.update(control="private", total=8)
    reload.click()  # the first answer was no-store: nothing kept, nothing sent
    expect(page.get_by_test_id("total-logs")).to_have_text("8")
    answer["total"] = 9
    reload.click()  # private: kept for this login and revalidated; the 304 shows the kept body
    expect(page.get_by_test_id("http-status")).to_have_text("304")
    expect(page.get_by_test_id("total-logs")).to_have_text("8")
    assert sent == [None, None, '"one"'], sent

    page.get_by_role("button", name="Log out").click()  # the next login starts from an empty cache
    log_in()
    expect(page.get_by_test_id("total-logs")).to_have_text("9")
    assert sent[-1] is None, sent
