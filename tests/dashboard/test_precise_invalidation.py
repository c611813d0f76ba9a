"""
An indexed upload invalidates only the cached searches its lines can change (dashboard/invalidation.py).

Searches are cached under several filters, an upload of one product's INFO and ERROR lines of
today arrives, and each search is asked again: the ones the new lines cannot match stay HIT, and
every answer still served from the cache is checked against the answer computed afresh.
"""

from __future__ import annotations

import pytest

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate
from dashboard.invalidation import LineCoverage, lines_scope, search_scopes
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
    }


STAY_CACHED = {"beta", "warnings", "alpha warnings", "ten days ago", "alpha ten days ago", "beta today"}


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
                       "since three days", "second page"}


def test_a_failed_or_removed_upload_invalidates_every_search(api, ingest, now, history):
    from dashboard.invalidation import invalidate_after_upload

    params = {"q": "served", "product": "beta"}
    api.get("/api/search", params)
    invalidate_after_upload(None)
    assert api.get("/api/search", params)["X-Cache"] == "MISS"


def test_coverage_names_each_product_level_and_utc_day_with_all_in_each_place(now):
    coverage = LineCoverage(product="alpha")
    coverage.add("ERROR", now)
    coverage.add("", now)  # a line of no level can only be matched by searches of every level
    day = now.date().isoformat()
    assert set(coverage.scopes()) == {
        lines_scope(product, level, moment)
        for product in ("alpha", "all") for level in ("ERROR", "all") for moment in (day, "all")
    }


class _Request:
    def __init__(self, **params: str) -> None:
        self.query_params = params


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["lines:all:all:all"]),
    ({"product": "alpha", "level": "error,WARNING"}, ["lines:alpha:ERROR:all", "lines:alpha:WARNING:all"]),
    ({"level": "ERROR,nonsense"}, ["lines:all:all:all"]),  # the view answers 400; depending on more is safe
    ({"from": "2026-03-08T23:30:00+00:00", "to": "2026-03-10T00:30:00+01:00"},
     ["lines:all:all:2026-03-08", "lines:all:all:2026-03-09"]),  # UTC days, whatever offset the client wrote
    ({"from": "2026-01-01T00:00:00Z", "to": "2026-03-10T00:00:00Z"}, ["lines:all:all:all"]),  # too long a window
    ({"from": "2026-03-08T00:00:00Z"}, ["lines:all:all:all"]),  # open-ended
    ({"from": "yesterday", "to": "today"}, ["lines:all:all:all"]),
])
def test_search_scopes_read_the_filters(params, expected):
    assert search_scopes(_Request(**params)) == expected
