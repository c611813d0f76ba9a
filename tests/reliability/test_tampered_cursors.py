"""
Issue 12 item 10: a tampered search cursor gave 503 and an ERROR "search engine" log line.

A cursor is base64 of the last hit's three sort values; anything else is a 400 naming `cursor`,
decided before the engine is asked, with nothing logged at ERROR. A real cursor still works.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest

from tests.dashboard.conftest import ingest  # noqa: F401  (the fixture: index lines as one upload)
from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


TAMPERED = {
    "one value": b64("[1]"),
    "strings": b64('["a","b","c"]'),
    "NaN": b64("[NaN,1,1]"),
    "Infinity": b64("[Infinity,1,1]"),
    "floats": b64("[1.5,1,1]"),
    "booleans": b64("[true,1,1]"),
    "nulls": b64("[null,1,1]"),
    "four values": b64("[1,2,3,4]"),
    "beyond 64 bits": b64(f"[{2**64},1,1]"),
    "nested": b64("[[1],1,1]"),
    "an object": b64('{"a": 1}'),
    "not json": b64("hello"),
    "not base64": "%%%not-base64%%%",
    "bad padding": "WzEsMiwzXQ",
    "not ascii": "W1wxLDIsM10=é",
    "huge": b64(json.dumps([1] * 3) + " " * 5000),
}


@pytest.fixture
def searcher(ingest, users):  # noqa: F811  (the imported fixture)
    ingest(b"\n".join(b'{"level": "error", "message": "connection refused %d"}' % n for n in range(30)),
           owner=users["user"])
    return token_client(users["other user"])


@pytest.mark.parametrize("cursor", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_cursor_is_a_400_naming_the_field(searcher, cursor, caplog):
    with caplog.at_level(logging.WARNING):
        response = searcher.get("/api/search", {"q": "refused", "size": 10, "cursor": cursor})
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["error"] == "invalid" and list(body["fields"]) == ["cursor"]
    assert "next_cursor" in body["detail"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_the_cursor_the_api_returns_still_works(searcher):
    first = searcher.get("/api/search", {"q": "refused", "size": 10}).json()
    second = searcher.get("/api/search", {"q": "refused", "size": 10, "cursor": first["next_cursor"]})
    assert second.status_code == 200
    assert {hit["id"] for hit in second.json()["results"]}.isdisjoint({hit["id"] for hit in first["results"]})
