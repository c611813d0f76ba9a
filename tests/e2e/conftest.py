"""
Fixtures of the browser tests: `make run`'s server, the machine's Chromium and a logged-in page.

The server is the real thing: `python manage.py rundev` (what `make run` runs) on a free port,
with a temporary SQLite database, its own embedded search engine and demo logs, and gunicorn
with 2 workers. Its Redis is a private bundled redis-server started here and passed as an
explicit REDIS_URL, so the test never touches the keys or the stats of a Redis that other
people's `make run` share (the machine's 127.0.0.1:6379). Everything is stopped with SIGTERM at
the end, and the session fails if any process it started is still alive.

Chromium is Debian's (`/usr/bin/chromium`, installed by `make test-e2e`), never a browser
Playwright downloads. Every module here sets `pytestmark = pytest.mark.e2e`: `make test` leaves
them out, `make test-e2e` runs them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from logdash.services import RunningService, free_port, process_is_alive, start_redis

ROOT = Path(__file__).resolve().parents[2]
LOGHUB_DIR = ROOT.parent / "shared" / "data" / "loghub"
SCREENSHOT_DIR = Path(os.environ.get("LOGDASH_SCREENSHOT_DIR", ROOT / "docs" / "screenshots"))
CHROMIUM = os.environ.get("LOGDASH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
ADMIN_USER = "e2e-admin"
ADMIN_PASSWORD = "e2e-password-7"  # a throwaway superuser of a temporary database
DEMO_LINES = 3000
STARTUP_TIMEOUT = 180.0


# The repository's conftest starts Redis and a search engine in-process for every session and
# cleans this session's cache keys after each test. The browser tests talk to a server of their
# own over HTTP and need neither: these overrides keep them from starting or touching anything.
@pytest.fixture(scope="session")
def _services() -> Iterator[None]:
    yield


@pytest.fixture
def _clean_cache() -> Iterator[None]:
    yield


@dataclass
class RunningServer:
    url: str
    username: str
    password: str
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (read from /proc, so no extra package)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(kid) for kid in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            pending += kids
    return found


def _wait_for_health(url: str, runner: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if runner.poll() is not None:
            pytest.fail(f"`manage.py rundev` exited with code {runner.returncode} before serving:\n"
                        f"{log_path.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            exc.close()
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/api/health did not answer 200 within {STARTUP_TIMEOUT:.0f} s:\n"
                f"{log_path.read_text(errors='replace')[-4000:]}")


def _describe(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            command = "?"
        lines.append(f"  {pid}: {command[:160]}")
    return "\n".join(lines)


@pytest.fixture(scope="session", autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Set up first, torn down last: every process these tests started (server, Redis, browser) is gone."""
    before = set(_children(os.getpid()))
    yield
    deadline = time.monotonic() + 10
    while True:
        left = [pid for pid in _children(os.getpid()) if pid not in before and process_is_alive(pid)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not left, f"processes started by the browser tests are still alive:\n{_describe(left)}"


@pytest.fixture(scope="session")
def private_redis() -> Iterator[RunningService]:
    service = start_redis()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def client_origin() -> str:
    """The origin the Angular client is served from (tests/e2e/test_angular_client.py): another port,
    and `localhost` where the API is `127.0.0.1`, so every API call is cross-origin."""
    return f"http://localhost:{free_port()}"


@pytest.fixture(scope="session")
def logdash_server(private_redis: RunningService, client_origin: str) -> Iterator[RunningServer]:
    """`make run`'s server on a free port, stopped with SIGTERM (and checked to be gone) at the end."""
    with tempfile.TemporaryDirectory(prefix="logdash-e2e-") as workdir:
        work = Path(workdir)
        port = free_port()
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
        env = {key: os.environ[key] for key in keep if key in os.environ}
        env.update(
            DEBUG="1",
            PYTHONUNBUFFERED="1",
            DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
            REDIS_URL=private_redis.url,
            LOGDASH_ADMIN_USER=ADMIN_USER,
            LOGDASH_ADMIN_PASSWORD=ADMIN_PASSWORD,
            CORS_ALLOWED_ORIGINS=client_origin,
        )
        log_path = work / "rundev.log"
        command = [sys.executable, "manage.py", "rundev", "--port", str(port), "--demo-lines", str(DEMO_LINES)]
        with log_path.open("w") as log:
            runner = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        server = RunningServer(f"http://127.0.0.1:{port}", ADMIN_USER, ADMIN_PASSWORD, log_path)
        started: list[int] = []
        try:
            _wait_for_health(server.url, runner, log_path)
            started = _children(runner.pid)  # osmem-server, gunicorn master and workers
            yield server
        finally:
            started = sorted(set(started + _children(runner.pid)))
            runner.send_signal(signal.SIGTERM)
            try:
                code = runner.wait(60)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait()
                code = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(process_is_alive(pid) for pid in started):
                time.sleep(0.2)
            left = [pid for pid in started if process_is_alive(pid)]
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            tail = log_path.read_text(errors="replace")[-3000:]
        assert code == 0, f"`manage.py rundev` did not stop cleanly on SIGTERM (exit code {code}):\n{tail}"
        assert not left, f"processes still alive after rundev stopped: {left}\n{tail}"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """The machine's Chromium, headless; one browser for the session, a fresh context per test."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: run `make test-e2e` (it installs Debian's `chromium`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


def _open_page(browser, logdash_server: RunningServer, storage_state: dict | None = None) -> Iterator:
    """A page of a fresh context (1280x800, en-US, UTC, no chart animations); fails on JavaScript errors."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC", reduced_motion="reduce",
                                  base_url=logdash_server.url, storage_state=storage_state)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def anonymous_page(browser, logdash_server: RunningServer) -> Iterator:
    yield from _open_page(browser, logdash_server)


def log_in(page, logdash_server: RunningServer) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(logdash_server.username)
    page.get_by_label("Password").fill(logdash_server.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{logdash_server.url}/")


@pytest.fixture(scope="session")
def session_state(browser, logdash_server: RunningServer) -> dict:
    """Cookies of one login through the page, reused by the tests that start logged in."""
    context = browser.new_context(viewport=VIEWPORT, base_url=logdash_server.url)
    try:
        page = context.new_page()
        log_in(page, logdash_server)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def page(browser, logdash_server: RunningServer, session_state: dict) -> Iterator:
    """A page of a fresh browser context already logged in as the demo admin."""
    yield from _open_page(browser, logdash_server, session_state)


@pytest.fixture
def loghub_sample() -> Path:
    sample = LOGHUB_DIR / "Apache_2k.log"
    if not sample.is_file():
        pytest.skip(f"Loghub sample {sample} is absent (expected in ../shared/data/loghub next to the repository)")
    return sample
