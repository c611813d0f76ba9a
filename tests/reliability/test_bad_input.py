"""
Bad input the other suites do not send: abusive invalidation patterns, odd search parameters,
a 50 MB line, text in other encodings, broken multipart and JSON where multipart is expected.

Each gets its documented answer (400 naming the field, never a 500) and leaves nothing
indexed: every test has an empty engine clone of its own, so "nothing indexed" is "the clone
still holds no document".
"""

from __future__ import annotations

import json
import tracemalloc
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import ClientHandler, RequestFactory
from elasticsearch_dsl import Search

from dashboard import client as search_client
from dashboard.conf import dashboard_settings
from dashboard.models import Upload
from tests.reliability.conftest import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_in_process")]


@pytest.fixture
def staff_api(users):
    return token_client(users["staff"])


@pytest.fixture
def api(users, search_engine):
    return token_client(users["user"])


def documents_in_engine() -> int:
    search_client.ensure_index()
    search_client.refresh()
    search = Search(index=dashboard_settings.INDEX_ALIAS).extra(size=0, track_total_hits=True)
    return search_client.execute(search).hits.total.value


def assert_invalid(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"], body
    assert body["detail"].startswith(f"{field}:"), body
    return body


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("*", "must start with 'cache:'"),
        ("cache:*:*:*:*:*", "must name a cache type"),
        ("cache:search:*:*:*:*:*", "at most 4"),
        ("cache:search:**", "never '**'"),
        ("cache:search:" + "?" * 5, "at most 4"),
        ("cache:search:a b", "only '*' and '?'"),
        ("cache:search:\x00*", "only '*' and '?'"),
        ("cache:search:\\*", "only '*' and '?'"),
        ("cache:" + "search:" * 43, "the limit is 256"),  # 307 characters
        ({"cache": "search"}, "must be a string, not dict"),
        (True, "must be a string, not bool"),
        (1.5, "must be a string, not float"),
    ],
)
def test_abusive_patterns_are_refused_naming_the_field(staff_api, cache, pattern, says):
    cache.set("cache:search:kept", b"x")
    response = staff_api.post("/api/cache/invalidate-pattern", {"pattern": pattern}, format="json")
    assert says in assert_invalid(response, "pattern")["fields"]["pattern"][0]
    assert cache.has_key("cache:search:kept")


@pytest.mark.parametrize("body", [b'{"pattern": "cache:search:*"', b"\xff\xfe", b'"cache:search:*"', b"null"])
def test_a_json_body_that_is_broken_or_not_an_object_is_a_400(staff_api, cache, body):
    cache.set("cache:search:kept", b"x")
    response = staff_api.generic("POST", "/api/cache/invalidate-pattern", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid", "parse_error"}
    assert cache.has_key("cache:search:kept")


@pytest.mark.parametrize("cache_type", ["SEARCH", "search*", "cache:search", "%00", "x" * 300])
def test_cache_types_are_matched_exactly(staff_api, cache_type):
    assert_invalid(staff_api.post(f"/api/cache/invalidate/{cache_type}"), "cache_type")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": "9" * 30}, "size"),
        ({"size": "1.5"}, "size"),
        ({"q": "disk\x00full"}, "q"),
        ({"from": "2026-02-30T00:00:00Z"}, "from"),
        ({"level": "ERROR,," + "X" * 300}, "level"),
        ({"cursor": "eyJhIjogMX0="}, "cursor"),  # base64 of a JSON object, not of our list
        ({"source": "s" * 201}, "source"),
    ],
)
def test_odd_search_parameters_are_400s(api, params, field):
    assert_invalid(api.get("/api/search", params), field)


@pytest.mark.parametrize("q", ["a" * 500, "(((((", "error AND OR NOT", "*:*", '"unclosed', "\u2603 \U0001f4a5"])
def test_any_query_text_is_searched_not_parsed(api, q):
    response = api.get("/api/search", {"q": q})
    assert response.status_code == 200, response.content
    assert response.json()["total"] == 0


@pytest.mark.parametrize("days", ["0", "91", "-1", "seven", "1e2"])
def test_trends_days_out_of_range(api, days):
    assert_invalid(api.get("/api/analytics/trends", {"days": days}), "days")


def _post_file(api, content: bytes, name: str = "app.log"):
    """Upload and wait for the job, run in this process (a failure path under this test's settings)."""
    return api.post("/api/upload?wait=60", {"file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("Jun 14 15:16:01 host app: caf\u00e9\n".encode("utf-16"), "UTF-16"),
        ("Jun 14 15:16:01 host app: caf\u00e9\n".encode("utf-32"), "UTF-16 or UTF-32"),
        ("Jun 14 15:16:01 host app: caf\u00e9\n".encode("utf-16-le") * 20, "binary"),  # no BOM: NUL bytes
    ],
)
def test_wide_encodings_are_refused_and_nothing_is_indexed(api, content, says):
    body = assert_invalid(_post_file(api, content), "file")
    assert says in body["detail"]
    assert Upload.objects.get().status == Upload.Status.FAILED
    assert documents_in_engine() == 0


def test_legacy_8_bit_text_is_kept_line_for_line(api):
    """cp1252 and Shift-JIS bytes are not UTF-8: the file is read as Latin-1, every line kept, none refused."""
    lines = ["Jun 14 15:16:01 host app[1]: \u201cquoted\u201d".encode("cp1252"),
             "Jun 14 15:16:02 host app[1]: \u65e5\u672c".encode("shift_jis"),
             b"Jun 14 15:16:03 host app[1]: plain"]
    response = _post_file(api, b"\n".join(lines) + b"\n")
    assert response.status_code == 201, response.content
    assert (response.json()["lines_read"], response.json()["lines_indexed"]) == (3, 3)


def test_a_utf8_file_with_one_foreign_line_keeps_it(api):
    utf8 = ("Jun 14 15:16:01 host app[1]: caf\u00e9 ok\n" * 300).encode()
    content = utf8 + b"Jun 14 15:16:02 host app[1]: \xe9t\xe9\n"  # Latin-1 bytes
    response = _post_file(api, content)
    assert response.status_code == 201, response.content
    assert response.json()["lines_indexed"] == 301
    assert api.get("/api/search", {"q": "\u00e9t\u00e9"}).json()["total"] == 1


def _multipart_body(boundary: str, filename: str, content: bytes) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", _multipart_body("b0undary", "a.log", b"hello\n")),  # no boundary parameter
        ("multipart/form-data; boundary=other", _multipart_body("b0undary", "a.log", b"hello\n")),
        ("multipart/form-data; boundary=b0undary", _multipart_body("b0undary", "a.log", b"hello\n")[:60]),
        ("multipart/form-data; boundary=b0undary", b"--b0undary\r\nContent-Disposition: garbage\r\n\r\nx"),
        ("multipart/form-data; boundary=" + "b" * 2000, b"--" + b"b" * 2000 + b"--\r\n"),
        ("application/json", json.dumps({"file": "Jun 14 15:16:01 host app: hello"}).encode()),
        ("application/x-www-form-urlencoded", b"file=Jun+14+15%3A16%3A01+host+app%3A+hello"),
        ("text/plain", b"Jun 14 15:16:01 host app: hello\n"),
    ],
    ids=["no-boundary", "wrong-boundary", "truncated", "bad-part-header", "huge-boundary", "json", "form", "text"],
)
def test_a_body_that_is_not_a_multipart_file_is_a_400_naming_file(api, content_type, body):
    response = api.generic("POST", "/api/upload", body, content_type=content_type)
    assert_invalid(response, "file")
    assert Upload.objects.count() == 0
    assert documents_in_engine() == 0


@pytest.fixture
def fifty_mb_line(tmp_path) -> tuple[Path, str]:
    """A multipart body on disk whose file is one 50 MB line, written in 1 MB pieces (never whole in memory)."""
    boundary = uuid.uuid4().hex
    path = tmp_path / "body"
    with path.open("wb") as body:
        body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"one-line.log\"\r\n"
                   "Content-Type: text/plain\r\n\r\nJun 14 15:16:01 host app[1]: ".encode())
        piece = b"x" * (1024 * 1024)
        for _ in range(50):
            body.write(piece)
        body.write(f"\n\r\n--{boundary}--\r\n".encode())
    return path, boundary


def test_a_50_mb_line_is_refused_in_bounded_memory(users, search_engine, fifty_mb_line):
    """Through Django's WSGI handler with the body streamed from disk, so the peak is the server's own."""
    path, boundary = fifty_mb_line
    token = token_client(users["user"])._credentials["HTTP_AUTHORIZATION"]
    with path.open("rb") as stream:
        environ = RequestFactory()._base_environ(
            PATH_INFO="/api/upload", QUERY_STRING="wait=60", REQUEST_METHOD="POST", HTTP_AUTHORIZATION=token,
            CONTENT_TYPE=f"multipart/form-data; boundary={boundary}", CONTENT_LENGTH=str(path.stat().st_size),
            **{"wsgi.input": stream},
        )
        tracemalloc.start()
        try:
            response = ClientHandler(enforce_csrf_checks=False)(environ)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    body = json.loads(response.content)
    assert response.status_code == 400, body
    assert list(body["fields"]) == ["file"] and "Line 1 is longer than 1 MB" in body["detail"]
    assert peak < path.stat().st_size / 5, f"peak {peak / 2**20:.1f} MB for a 50 MB upload"
    assert Upload.objects.get().status == Upload.Status.FAILED
    assert documents_in_engine() == 0
