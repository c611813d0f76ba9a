"""
An indexed upload invalidates only the cached searches its lines can change (dashboard/invalidation.py).

Searches are cached under several filters and words, an upload of one product's INFO and ERROR
lines of today arrives, and each search is asked again: the ones the new lines cannot match stay
HIT, and every answer still served from the cache is checked against the answer computed afresh.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate
from dashboard.invalidation import search_scopes
from dashboard.models import Product
from tests.dashboard.conftest import ago, json_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db) -> dict[str, Product]:
    return {slug: Product.objects.create(name=slug.title(), slug=slug) for slug in ("alpha", "beta")}


@pytest.fixture
def history(ingest, now, products, user):
    """Lines of both products, every level but CRITICAL, today, 3 days ago and 10 days ago."""
    for slug, product in products.items():
        lines = [{"timestamp": ago(now, days=days, minutes=minute), "level": level, "logger": "app",
                  "message": f"request {slug} {level.lower()} served {minute}"}
                 for days in (0, 3, 10) for level in ("INFO", "WARNING", "ERROR") for minute in (5, 50)]
        ingest(json_lines(lines), product=product, owner=user)


def searches(now) -> dict[str, dict]:
    ten_days_ago = {"from": ago(now, days=10, hours=2), "to": ago(now, days=10, hours=-2)}
    today = {"from": ago(now, hours=3), "to": now.isoformat()}
    return {
        "everything": {"q": "served"},
        "alpha": {"q": "served", "product": "alpha"},
        "beta": {"q": "served", "product": "beta"},
        "warnings": {"q": "served", "level": "WARNING"},
        "alpha warnings": {"q": "served", "product": "alpha", "level": "warning"},
        "alpha errors": {"q": "served", "product": "alpha", "level": "ERROR"},
        "alpha warnings or errors": {"product": "alpha", "level": "WARNING,ERROR"},
        "ten days ago": {"q": "served", **ten_days_ago},
        "alpha ten days ago": {"product": "alpha", **ten_days_ago},
        "today": {"q": "served", **today},
        "beta today": {"product": "beta", **today},
        "since three days": {"from": ago(now, days=3, hours=1)},
        "second page": {"q": "served", "size": 5, "page": 2},
        "words only in the old lines": {"q": "beta served"},
        "a word only in the new lines": {"q": "again"},
    }


STAY_CACHED = {"beta", "warnings", "alpha warnings", "ten days ago", "alpha ten days ago", "beta today",
               "words only in the old lines"}


def test_an_upload_invalidates_only_the_searches_it_can_change(api, ingest, now, products, user, history):
    asked = searches(now)
    before = {}
    for name, params in asked.items():
        api.get("/api/search", params)
        answer = api.get("/api/search", params)
        assert answer["X-Cache"] == "HIT"
        before[name] = answer.json()

    new_lines = [{"timestamp": ago(now, minutes=minute), "level": level, "logger": "app",
                  "message": f"request alpha {level.lower()} served again {minute}"}
                 for level in ("INFO", "ERROR") for minute in (1, 2, 3)]
    ingest(json_lines(new_lines), product=products["alpha"], owner=user)

    after = {name: api.get("/api/search", params) for name, params in asked.items()}
    assert {name for name, answer in after.items() if answer["X-Cache"] == "HIT"} == STAY_CACHED

    invalidate(types=[CacheType.SEARCH])
    fresh = {name: api.get("/api/search", params) for name, params in asked.items()}
    assert all(answer["X-Cache"] == "MISS" for answer in fresh.values())
    for name in asked:
        assert after[name].json() == fresh[name].json(), f"{name}: the cache served an answer the upload changed"
    # The upload did change the answers it invalidated, and none of those it left cached.
    changed = {name for name in asked if fresh[name].json() != before[name]}
    assert changed == {"everything", "alpha", "alpha errors", "alpha warnings or errors", "today",
                       "since three days", "second page", "a word only in the new lines"}


def test_a_failed_or_removed_upload_invalidates_every_search(api, ingest, now, history):
    from dashboard.invalidation import invalidate_after_upload

    params = {"q": "served", "product": "beta"}
    api.get("/api/search", params)
    invalidate_after_upload(None)
    assert api.get("/api/search", params)["X-Cache"] == "MISS"


def test_an_upload_that_generalises_a_template_invalidates_the_searches_showing_it(api, ingest, now, products,
                                                                                     user):
    """Results show each line's current template: one the upload generalised changes old answers too."""
    old = [{"timestamp": ago(now, minutes=minute), "level": "INFO", "logger": "app",
            "message": "cache node apple finished compaction today"} for minute in (10, 11, 12)]
    ingest(json_lines(old), product=products["alpha"], owner=user)
    params = {"q": "apple"}
    api.get("/api/search", params)
    pattern = api.get("/api/search", params).json()["results"][0]["pattern"]
    assert pattern == "cache node apple finished compaction today"

    new = [{"timestamp": ago(now, minutes=1), "level": "INFO", "logger": "app",
            "message": "cache node banana finished compaction today"}]
    ingest(json_lines(new), product=products["alpha"], owner=user)
    answer = api.get("/api/search", params)
    assert answer["X-Cache"] == "MISS"
    assert answer.json()["results"][0]["pattern"] == "cache node <*> finished compaction today"


def test_searches_noted_past_the_limit_make_an_upload_invalidate_every_search(api, ingest, now, products, user,
                                                                              monkeypatch):
    monkeypatch.setattr("dashboard.invalidation.MAX_CHECKED_SEARCHES", 2)
    for query in ("one", "two", "three"):
        api.get("/api/search", {"q": query})
    api.get("/api/search", {"q": "nowhere in the upload"})
    ingest(json_lines([{"timestamp": ago(now, minutes=1), "level": "INFO", "message": "unrelated"}]),
           product=products["alpha"], owner=user)
    assert api.get("/api/search", {"q": "nowhere in the upload"})["X-Cache"] == "MISS"


def test_an_engine_failure_while_reading_generalised_lines_invalidates_every_search(api, ingest, now, products,
                                                                                    user, monkeypatch):
    from dashboard.exceptions import SearchUnavailable

    old = [{"timestamp": ago(now, minutes=10), "level": "INFO", "message": "cache node apple finished compaction"}]
    ingest(json_lines(old), product=products["alpha"], owner=user)
    api.get("/api/search", {"q": "nowhere in the upload"})

    def fail(search, *, limit):
        raise SearchUnavailable("the engine went away")

    monkeypatch.setattr("dashboard.client.fetch_lines", fail)
    new = [{"timestamp": ago(now, minutes=1), "level": "INFO", "message": "cache node banana finished compaction"}]
    ingest(json_lines(new), product=products["alpha"], owner=user)
    assert api.get("/api/search", {"q": "nowhere in the upload"})["X-Cache"] == "MISS"


def test_too_many_lines_showing_a_generalised_template_invalidate_every_search(api, ingest, now, products, user,
                                                                               monkeypatch):
    monkeypatch.setattr("dashboard.invalidation.MAX_GENERALISED_LINES", 2)
    old = [{"timestamp": ago(now, minutes=minute), "level": "INFO", "message": "cache node apple finished compaction"}
           for minute in (10, 11, 12)]
    ingest(json_lines(old), product=products["alpha"], owner=user)
    api.get("/api/search", {"q": "nowhere in the upload"})
    new = [{"timestamp": ago(now, minutes=1), "level": "INFO", "message": "cache node banana finished compaction"}]
    ingest(json_lines(new), product=products["alpha"], owner=user)
    assert api.get("/api/search", {"q": "nowhere in the upload"})["X-Cache"] == "MISS"


def test_a_search_engine_query_is_not_what_decides_for_the_upload_own_lines(api, ingest, now, products, user,
                                                                            monkeypatch):
    """The upload's own lines are judged from the job's summary: no request to the engine per noted search."""
    for query in ("one", "two", "three", "served"):
        api.get("/api/search", {"q": query})

    def no_engine(*args, **kwargs):
        raise AssertionError("the engine was asked while no template was generalised")

    monkeypatch.setattr("dashboard.client.fetch_lines", no_engine)
    ingest(json_lines([{"timestamp": ago(now, minutes=1), "level": "INFO", "message": "request two served"}]),
           owner=user)
    cached = {query: api.get("/api/search", {"q": query})["X-Cache"] for query in ("one", "two", "three", "served")}
    assert cached == {"one": "HIT", "two": "MISS", "three": "HIT", "served": "MISS"}


def test_all_pages_of_a_search_share_its_scope_and_the_order_of_filters_does_not_matter():
    first = search_scopes(_Request("q=served&product=alpha&size=5&page=1"))
    assert first == search_scopes(_Request("page=2&size=5&product=alpha&q=served"))
    assert first == search_scopes(_Request("product=alpha&q=served&cursor=abc"))
    assert first != search_scopes(_Request("product=beta&q=served"))


class _Request:
    def __init__(self, query: str) -> None:
        self.query_params = QueryDict(query)


def test_an_upload_of_old_lines_leaves_the_trends_cached_but_not_the_dashboard(api, ingest, now, products, user,
                                                                              history):
    for path in ("/api/analytics/trends", "/api/dashboard", "/api/analytics/patterns"):
        api.get(path)
    old = [{"timestamp": ago(now, days=400, minutes=minute), "level": "ERROR", "logger": "app",
            "message": f"request alpha error served {minute}"} for minute in (5, 50)]  # existing templates
    ingest(json_lines(old), product=products["alpha"], owner=user)
    assert api.get("/api/analytics/trends")["X-Cache"] == "HIT"
    assert api.get("/api/dashboard")["X-Cache"] == "MISS"  # totals count every line
    assert api.get("/api/analytics/patterns")["X-Cache"] == "MISS"  # pattern counts too

    recent = [{"timestamp": ago(now, days=80), "level": "ERROR", "logger": "app",
               "message": "request alpha error served 5"}]
    ingest(json_lines(recent), product=products["alpha"], owner=user)
    assert api.get("/api/analytics/trends")["X-Cache"] == "MISS"


def _top_errors(answer) -> list[tuple[str, int]]:
    return [(entry["pattern"], entry["count"]) for entry in answer.json()["top_error_messages"]]


def test_a_template_generalised_among_the_trends_top_errors_invalidates_the_trends(api, ingest, now, products,
                                                                                   user):
    """The top error patterns show templates: an upload of old lines that generalises one shown there changes them."""
    recent = [{"timestamp": ago(now, minutes=minute), "level": "ERROR", "logger": "app",
               "message": "disk controller apple failed on write"} for minute in (10, 11, 12)]
    ingest(json_lines(recent), product=products["alpha"], owner=user)
    api.get("/api/analytics/trends")
    assert _top_errors(api.get("/api/analytics/trends")) == [("disk controller apple failed on write", 3)]

    old = [{"timestamp": ago(now, days=400), "level": "ERROR", "logger": "app",
            "message": "disk controller banana failed on write"}]
    ingest(json_lines(old), product=products["alpha"], owner=user)
    answer = api.get("/api/analytics/trends")
    assert answer["X-Cache"] == "MISS"
    assert _top_errors(answer) == [("disk controller <*> failed on write", 3)]


def test_a_template_generalised_outside_the_trends_top_errors_leaves_them_cached(api, ingest, now, products, user):
    """Its other lines are errors older than the longest window, or recent lines below error level: not shown."""
    shown = [{"timestamp": ago(now, minutes=minute), "level": "ERROR", "logger": "app",
              "message": "payment gateway refused the card"} for minute in (20, 21)]
    old_errors = [{"timestamp": ago(now, days=400, minutes=minute), "level": "ERROR", "logger": "app",
                   "message": "cache node apple finished compaction"} for minute in (1, 2)]
    recent_info = [{"timestamp": ago(now, minutes=minute), "level": "INFO", "logger": "app",
                    "message": "cache node apple finished compaction"} for minute in (5, 6)]
    ingest(json_lines(shown + old_errors + recent_info), product=products["alpha"], owner=user)
    api.get("/api/analytics/trends")
    cached = api.get("/api/analytics/trends")
    assert cached["X-Cache"] == "HIT"

    new = [{"timestamp": ago(now, days=400), "level": "ERROR", "logger": "app",
            "message": "cache node banana finished compaction"}]
    ingest(json_lines(new), product=products["alpha"], owner=user)
    answer = api.get("/api/analytics/trends")
    assert answer["X-Cache"] == "HIT"
    invalidate(types=[CacheType.ANALYTICS])
    fresh = api.get("/api/analytics/trends")
    assert fresh["X-Cache"] == "MISS"
    assert _top_errors(fresh) == _top_errors(answer) == [("payment gateway refused the card", 2)]
    searched = api.get("/api/search", {"q": "compaction"}).json()["results"]
    assert {line["pattern"] for line in searched} == {"cache node <*> finished compaction"}  # it did generalise
