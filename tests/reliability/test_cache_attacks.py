"""
The cache attacks of the security review (issue 12), each done the way the reviewer did it,
through the real API: the browsable API leaking across users (item 2), a pickle planted under
a live entry key (item 3), and `?junk=N` flooding (item 12). docs/security.md cites each test.
"""

from __future__ import annotations

import logging
import pickle
import re
import zlib

import pytest
from django.core.cache import caches

from cacheops.compressors import RAW, ZLIB
from dashboard.models import Product
from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db

# How the reviewer asked for the browsable API, and how browsers and tools spell it.
HTML_ACCEPTS = [
    "Text/HTML",
    "TEXT/HTML",
    "text/html; q=0.9",
    "TEXT/html;Q=0.9, */*;q=0.1",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Firefox/Chrome
    "*/*;q=0.1, text/html",
]
CSRF_IN_PAGE = re.compile(r'"csrfToken": "([^"]+)"')


@pytest.mark.parametrize("accept", HTML_ACCEPTS)
def test_a_browsable_page_of_staff_never_reaches_another_user(users, accept):
    Product.objects.create(name="Billing", slug="billing")
    staff, user = token_client(users["staff"]), token_client(users["user"])
    first = staff.get("/api/products", HTTP_ACCEPT=accept)
    assert first["Content-Type"].startswith("text/html") and b"operator" in first.content
    staff_csrf = CSRF_IN_PAGE.search(first.content.decode()).group(1)

    second = user.get("/api/products", HTTP_ACCEPT=accept)

    assert second["X-Cache"] == "MISS" and second["X-Cache-Key"] != first["X-Cache-Key"]
    page = second.content.decode()
    assert "alice" in page and "operator" not in page and staff_csrf not in page
    # Still cached for that user, once their client holds the CSRF cookie the first page set.
    assert [user.get("/api/products", HTTP_ACCEPT=accept)["X-Cache"] for _ in range(2)] == ["MISS", "HIT"]


def test_the_format_override_is_per_user_too(users):
    first = token_client(users["staff"]).get("/api/products?format=api")
    second = token_client(users["user"]).get("/api/products?format=api")
    assert second["X-Cache"] == "MISS" and b"operator" in first.content and b"operator" not in second.content


@pytest.mark.parametrize("spellings", [
    ("application/json", "Application/JSON", "*/*", "application/json; q=0.5"),
    ("application/json; indent=4", "APPLICATION/JSON;Indent=4"),
])
def test_json_keys_fold_the_spelling_and_stay_shared(users, spellings):
    """One JSON body for everyone (the products list is global): one entry however Accept is spelled."""
    client = token_client(users["user"])
    answers = [client.get("/api/products", HTTP_ACCEPT=accept) for accept in spellings]
    assert [answer["X-Cache"] for answer in answers] == ["MISS"] + ["HIT"] * (len(spellings) - 1)
    assert token_client(users["other user"]).get("/api/products", HTTP_ACCEPT=spellings[0])["X-Cache"] == "HIT"


def test_an_indented_json_body_never_answers_a_compact_request(users):
    client = token_client(users["user"])
    indented = client.get("/api/products", HTTP_ACCEPT="application/json; indent=4")
    compact = client.get("/api/products", HTTP_ACCEPT="application/json")
    assert compact["X-Cache"] == "MISS" and compact["X-Cache-Key"] != indented["X-Cache-Key"]


# --- item 3: a pickle planted under a live entry key -------------------------------------------

UNPICKLED: list[str] = []


def record_unpickling(marker: str) -> str:
    """What the planted pickle calls when loaded (a real attacker's would be os.system)."""
    UNPICKLED.append(marker)
    return marker


class Payload:
    def __reduce__(self):
        return record_unpickling, ("code ran in the web worker",)


PLANTED = {
    "bare pickle": lambda: pickle.dumps(Payload()),
    "pickle framed as our raw value": lambda: RAW + pickle.dumps(Payload()),
    "pickle framed as our zlib value": lambda: ZLIB + zlib.compress(pickle.dumps(Payload())),
}


@pytest.fixture
def unpickled():
    UNPICKLED.clear()
    assert pickle.loads(pickle.dumps(Payload())) and UNPICKLED, "the payload must be armed to prove anything"
    UNPICKLED.clear()
    yield UNPICKLED
    UNPICKLED.clear()


@pytest.mark.parametrize("how", PLANTED)
def test_a_pickle_under_a_live_entry_key_runs_nothing(users, redis_connection, unpickled, caplog, how):
    Product.objects.create(name="Billing", slug="billing")
    client = token_client(users["user"])
    first = client.get("/api/products", HTTP_ACCEPT="application/json")
    physical = caches["default"].make_key(first["X-Cache-Key"])
    ttl = redis_connection.ttl(physical)
    assert ttl > 0
    redis_connection.set(physical, PLANTED[how](), ex=ttl)  # what a neighbour with Redis write access does

    with caplog.at_level(logging.WARNING, logger="cacheops"):
        answer = client.get("/api/products", HTTP_ACCEPT="application/json")

    assert unpickled == []
    assert (answer.status_code, answer["X-Cache"]) == (200, "MISS")
    assert answer.json() == first.json()
    assert f"[CACHE ERROR] unreadable entry under {first['X-Cache-Key']}" in caplog.text
    assert client.get("/api/products", HTTP_ACCEPT="application/json")["X-Cache"] == "HIT"  # the fill replaced it


def test_a_pickle_planted_through_djangos_cache_api_runs_nothing_either(users, unpickled):
    """`cache.set` pickles: the neighbour app's own way of writing under our key."""
    client = token_client(users["user"])
    key = client.get("/api/products", HTTP_ACCEPT="application/json")["X-Cache-Key"]
    caches["default"].set(key, Payload())
    answer = client.get("/api/products", HTTP_ACCEPT="application/json")
    assert (answer.status_code, answer["X-Cache"], unpickled) == (200, "MISS", [])


# --- item 12: cache flooding with invented query parameters ----------------------------------

def _search_keys(redis_connection) -> list[bytes]:
    return list(redis_connection.scan_iter(match=caches["default"].make_key("cache:search:*"), count=1000))


def test_invented_parameters_share_the_entry_of_the_plain_request(users, search_engine, redis_connection):
    client = token_client(users["user"])
    plain = client.get("/api/search?q=error", HTTP_ACCEPT="application/json")
    junk = [client.get(f"/api/search?q=error&junk={n}", HTTP_ACCEPT="application/json") for n in (1, 2, 3)]
    assert plain["X-Cache"] == "MISS"
    assert [answer["X-Cache"] for answer in junk] == ["HIT"] * 3
    assert {answer["X-Cache-Key"] for answer in junk} == {plain["X-Cache-Key"]}
    assert len(_search_keys(redis_connection)) == 1


def test_declared_parameters_still_make_their_own_entries(users, search_engine, redis_connection):
    client = token_client(users["user"])
    answers = [client.get(f"/api/search?{query}", HTTP_ACCEPT="application/json")
               for query in ("q=error", "q=warn", "q=error&level=ERROR", "q=error&size=5", "q=error&junk=9&size=5")]
    assert [answer["X-Cache"] for answer in answers] == ["MISS", "MISS", "MISS", "MISS", "HIT"]
    assert len({answer["X-Cache-Key"] for answer in answers}) == 4
    assert answers[3].json()["size"] == 5
    assert len(_search_keys(redis_connection)) == 4


def test_the_dashboard_reads_no_parameter_so_none_makes_an_entry(users, search_engine):
    client = token_client(users["user"])
    first = client.get("/api/dashboard", HTTP_ACCEPT="application/json")
    again = client.get("/api/dashboard?junk=1&days=30", HTTP_ACCEPT="application/json")
    assert (again["X-Cache"], again["X-Cache-Key"]) == ("HIT", first["X-Cache-Key"])


def test_a_per_user_page_keeps_its_plain_key_whatever_is_appended(users, search_engine):
    """`/api/user/<id>` builds its own key (`cache:user:profile:<id>`): invented parameters do not reach it."""
    alice = users["user"]
    client = token_client(alice)
    first = client.get(f"/api/user/{alice.pk}", HTTP_ACCEPT="application/json")
    junk = [client.get(f"/api/user/{alice.pk}?junk={n}", HTTP_ACCEPT="application/json") for n in (1, 2)]
    assert first["X-Cache-Key"] == f"cache:user:profile:{alice.pk}"
    assert [(answer["X-Cache"], answer["X-Cache-Key"]) for answer in junk] == [("HIT", first["X-Cache-Key"])] * 2
