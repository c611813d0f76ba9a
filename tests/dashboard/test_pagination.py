"""
Issue 18 item 6: every list pages the same way. `size` and `cursor` in, `results` and `next_cursor`
out; the cursor is a token in the body, never a URL built from the Host header, so it pages the same
behind a proxy and a client never parses a link.
"""

from __future__ import annotations

import pytest

from dashboard.models import LogFormat, Product, Upload

pytestmark = pytest.mark.django_db


def walk(api, path: str, size: int, **headers) -> list[dict]:
    """Every item of a list, following `next_cursor` until it is null."""
    seen, params = [], {"size": size}
    for _ in range(100):
        response = api.get(path, params, **headers)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) >= {"results", "next_cursor"}
        seen += body["results"]
        if body["next_cursor"] is None:
            return seen
        assert "/" not in body["next_cursor"] and "http" not in body["next_cursor"]
        params = {"size": size, "cursor": body["next_cursor"]}
    raise AssertionError(f"{path} never ended")


def test_uploads_page_newest_first_once_each_even_when_created_in_the_same_instant(api, user, clock):
    uploads = [Upload.objects.create(filename=f"{n}.log", owner=user) for n in range(7)]  # one pinned instant
    seen = walk(api, "/api/uploads", size=3)
    assert [item["id"] for item in seen] == [upload.pk for upload in reversed(uploads)]


def test_products_and_formats_page_by_name(api):
    for name in ("Zeta", "Alpha", "Mid", "Beta"):
        Product.objects.create(name=name, slug=name.lower())
    assert [item["name"] for item in walk(api, "/api/products", size=3)] == ["Alpha", "Beta", "Mid", "Zeta"]
    assert len(walk(api, "/api/formats", size=1)) == LogFormat.objects.count()


def test_a_page_behind_a_proxy_names_no_host(api, user, settings):
    settings.ALLOWED_HOSTS = ["internal", "localhost"]
    Upload.objects.create(filename="a.log", owner=user)
    Upload.objects.create(filename="b.log", owner=user)
    response = api.get("/api/uploads", {"size": 1}, HTTP_HOST="internal:8000")
    assert "internal" not in response.content.decode() and response.json()["next_cursor"]
    # The token from one host pages the same list from another: nothing in it depends on where it was made.
    following = api.get("/api/uploads", {"size": 1, "cursor": response.json()["next_cursor"]}, HTTP_HOST="localhost")
    assert [item["filename"] for item in following.json()["results"]] == ["a.log"]


@pytest.mark.parametrize("path", ["/api/uploads", "/api/products", "/api/formats"])
@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": "x" * 300}, "cursor"), ({"size": "0"}, "size"),
     ({"size": "201"}, "size"), ({"size": "ten"}, "size")],
)
def test_a_bad_cursor_or_size_is_a_400_naming_it(api, path, params, field):
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid" and list(body["fields"]) == [field]
