"""
Who may call what, every endpoint under /api/ by every kind of caller, with token authentication.

The table is the contract: one row per endpoint and method, the expected status for
{anonymous, user, other user, staff}. "other user" differs from "user" only where a resource
belongs to someone (`/api/user/<id>` of the user). Refusals carry the JSON error shape.
Then what the cache must never do: serve one user's entry to another, serve the browsable
API's HTML to a JSON client or the reverse, or store a response that sets a cookie.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import caches
from django.urls import resolve

from cacheops import store
from dashboard.indexing import ingest_file, start_upload
from dashboard.models import LogFormat, Product, Upload
from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "other user", "staff")
CREDENTIALS = {"username": "alice", "password": "pw"}
PRODUCT = {"name": "Search service", "slug": "search-service", "owner_team": "discovery"}
LOG_FORMAT = {"name": "pipe-app", "pattern": r"(?P<timestamp>\S+ \S+) \| (?P<message>.*)",
              "timestamp_layout": "%Y-%m-%d %H:%M:%S", "timezone": "UTC", "example": "2026-03-01 10:00:00 | started"}


def everyone(status: int) -> tuple[int, int, int, int]:
    return (status,) * 4


def signed_in(status: int) -> tuple[int, int, int, int]:
    return 401, status, status, status


def staff_only(status: int) -> tuple[int, int, int, int]:
    return 401, 403, 403, status


# (method, path, body, expected statuses for ROLES). {user}, {staff}, {product} are filled in per test.
MATRIX = [
    ("post", "/api/auth/token", CREDENTIALS, everyone(200)),
    ("get", "/api/auth/token", None, everyone(405)),
    ("get", "/api/health", None, everyone(200)),
    ("get", "/api/schema/", None, everyone(200)),
    ("get", "/api/docs/", None, everyone(200)),
    ("get", "/api/dashboard", None, signed_in(200)),
    ("put", "/api/dashboard", {}, signed_in(405)),
    ("get", "/api/search?q=quota", None, signed_in(200)),
    ("delete", "/api/search", None, signed_in(405)),
    ("get", "/api/analytics/trends?days=3", None, signed_in(200)),
    ("get", "/api/analytics/patterns?size=3", None, signed_in(200)),
    ("post", "/api/upload", "file", signed_in(202)),
    ("get", "/api/upload", None, signed_in(405)),
    ("get", "/api/uploads", None, signed_in(200)),
    ("post", "/api/uploads", {}, signed_in(405)),
    ("get", "/api/uploads/{upload}", None, signed_in(200)),
    ("get", "/api/uploads/987654", None, signed_in(404)),
    ("delete", "/api/uploads/{upload}", None, signed_in(405)),
    ("get", "/api/user/{user}", None, (401, 200, 403, 200)),
    ("get", "/api/user/{staff}", None, staff_only(200)),
    ("get", "/api/user/987654", None, staff_only(404)),
    ("get", "/api/user/dashboard", None, signed_in(200)),
    ("get", "/api/user/me", None, signed_in(200)),
    ("get", "/api/products", None, signed_in(200)),
    ("post", "/api/products", PRODUCT, staff_only(201)),
    ("get", "/api/products/{product}", None, signed_in(200)),
    ("get", "/api/products/987654", None, signed_in(404)),
    ("put", "/api/products/{product}", {"name": "Billing v2", "slug": "billing"}, staff_only(200)),
    ("patch", "/api/products/{product}", {"owner_team": "finance"}, staff_only(200)),
    ("delete", "/api/products/{product}", None, staff_only(204)),
    ("get", "/api/formats", None, signed_in(200)),
    ("post", "/api/formats", LOG_FORMAT, staff_only(201)),
    ("get", "/api/formats/{log_format}", None, signed_in(200)),
    ("put", "/api/formats/{log_format}", {**LOG_FORMAT, "name": "pipe-app-2"}, staff_only(200)),
    ("patch", "/api/formats/{log_format}", {"timezone": "Europe/Paris"}, staff_only(200)),
    ("delete", "/api/formats/{log_format}", None, staff_only(204)),
    ("get", "/api/cache/stats", None, staff_only(200)),
    ("post", "/api/cache/invalidate/search", None, staff_only(200)),
    ("post", "/api/cache/invalidate/logs", None, staff_only(400)),
    ("post", "/api/cache/invalidate-pattern", {"pattern": "cache:search:*"}, staff_only(200)),
    ("post", "/api/cache/clear-all", None, staff_only(200)),
    ("get", "/api/cache/clear-all", None, staff_only(405)),
]
ERROR_CODES = {400: "invalid", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
               405: "method_not_allowed"}


def call(client, method: str, path: str, body):
    if body == "file":
        return client.post(path, {"file": io.BytesIO(b'{"level": "info", "message": "hello"}\n')}, format="multipart")
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX,
                         ids=[f"{method.upper()} {path}" for method, path, _, _ in MATRIX])
def test_permission_matrix(users, search_engine, method, path, body, expected):
    product = Product.objects.create(name="Billing", slug="billing")
    log_format = LogFormat.objects.create(**{**LOG_FORMAT, "name": "declared"})
    upload = Upload.objects.create(filename="queued.log", owner=users["user"], status=Upload.Status.QUEUED)
    url = path.format(user=users["user"].pk, staff=users["staff"].pk, product=product.pk, log_format=log_format.pk,
                      upload=upload.pk)
    answers = {}
    for role in ROLES:  # staff last: its writes (DELETE) come after everyone else's attempts
        response = call(token_client(users[role]), method, url, body)
        answers[role] = response.status_code
        if response.status_code >= 400 and url != "/api/health":
            assert response.json()["error"] == ERROR_CODES[response.status_code], (role, response.content)
    assert answers == dict(zip(ROLES, expected, strict=True))


def test_the_matrix_covers_every_api_route():
    """A route added under /api/ without a row here fails this test."""
    from tests.logdash.test_schema import _api_endpoints, _template

    ids = {"user": 1, "staff": 1, "product": 1, "log_format": 1, "upload": 1}
    covered = {(method, _template("/" + resolve(path.split("?")[0].format(**ids)).route))
               for method, path, _, _ in MATRIX}
    for path, methods in _api_endpoints().items():
        for method in methods:
            assert (method, path) in covered, f"{method.upper()} {path} has no row in MATRIX"


@pytest.fixture
def alices_logs(users, search_engine):
    lines = [{"level": "ERROR", "message": f"alice private failure {n}"} for n in range(4)]
    upload = start_upload(filename="alice.jsonl", size_bytes=0, owner_id=users["user"].pk, product_id=None)
    ingest_file(upload, io.BytesIO("\n".join(map(json.dumps, lines)).encode()))


def test_one_users_cached_answers_never_reach_another(users, alices_logs):
    alice, bob = token_client(users["user"]), token_client(users["other user"])
    alice_id = users["user"].pk
    primed = {path: alice.get(path) for path in ("/api/user/dashboard", f"/api/user/{alice_id}", "/api/user/me")}
    for path, first in primed.items():
        again = alice.get(path)
        assert (again["X-Cache"], again.content) == ("HIT", first.content), path

    bobs_me = bob.get("/api/user/me")
    assert (bobs_me["X-Cache"], bobs_me.json()["username"]) == ("MISS", "bob")

    bobs = bob.get("/api/user/dashboard")
    assert (bobs.status_code, bobs["X-Cache"]) == (200, "MISS")
    assert bobs["X-Cache-Key"] != primed["/api/user/dashboard"]["X-Cache-Key"]
    assert bobs.json()["total_logs"] == 0 and b"alice private failure" not in bobs.content
    assert primed["/api/user/dashboard"].json()["total_logs"] == 4

    for variant in ("", "?format=json", "?x=1"):
        refused = bob.get(f"/api/user/{alice_id}{variant}")
        assert refused.status_code == 403, variant
        assert b"alice" not in refused.content and "X-Cache" not in refused
    # Staff may read it, and gets Alice's profile, not anything cached for someone else.
    assert token_client(users["staff"]).get(f"/api/user/{alice_id}").json()["username"] == "alice"


@pytest.mark.parametrize("first", ["application/json", "text/html"])
def test_browsable_html_and_json_never_cross_through_the_cache(users, search_engine, first):
    client = token_client(users["user"])
    # A browser has its CSRF cookie after its first page, and HTML entries are per cookie: start with it set.
    client.cookies["csrftoken"] = "a" * 32
    second = "text/html" if first == "application/json" else "application/json"
    accepts = (first, second, first, second)
    answers = [client.get("/api/dashboard", HTTP_ACCEPT=accept) for accept in accepts]
    assert [a["X-Cache"] for a in answers] == ["MISS", "MISS", "HIT", "HIT"]
    for answer, accept in zip(answers, accepts, strict=True):
        assert answer["Content-Type"].startswith(accept)
        assert answer.content.lstrip().startswith(b"<") is (accept == "text/html")
    assert answers[0].content == answers[2].content
    assert client.get("/api/dashboard?format=json")["Content-Type"] == "application/json"
    assert client.get("/api/dashboard?format=api")["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.cacheops.urls")
def test_a_response_that_sets_a_cookie_is_never_stored(users):
    client = token_client(None)
    first, second = (client.get("/echo?cookie=1", HTTP_ACCEPT="application/json") for _ in range(2))
    assert "flavour" in first.cookies
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "MISS")
    assert second.json()["call"] == first.json()["call"] + 1
    assert not caches["default"].has_key(first["X-Cache-Key"])


def test_the_browsable_page_is_stored_without_the_csrf_cookie_it_sets(users, search_engine, client):
    """The CSRF cookie comes from middleware, per request, after the decorator: never in the entry."""
    client.force_login(users["user"])
    page = client.get("/api/dashboard", HTTP_ACCEPT="text/html")
    assert "csrftoken" in page.cookies
    _, entry = store.read_entry("dashboard", page["X-Cache-Key"])
    assert entry is not None
    assert not any(name.lower() == "set-cookie" for name, _ in entry.headers)
