"""GET /api/search: full-text search, filters, pages, cursors and parameter errors."""

import pytest

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate_cache_type
from tests.dashboard.conftest import ago, json_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def searchable(ingest, now, product, user):
    lines = [
        {"timestamp": ago(now, minutes=n), "level": "ERROR" if n % 5 == 0 else "INFO",
         "logger": "sshd" if n % 2 else "nginx", "message": f"connection refused by upstream {n}"}
        for n in range(1, 61)
    ]
    lines.append({"timestamp": ago(now, minutes=90), "level": "WARNING", "logger": "app",
                  "message": "<script>alert(1)</script> connection reset"})
    return ingest(json_lines(lines), product=product, owner=user)


def test_full_text_search_highlights_and_sorts_newest_first(api, searchable):
    body = api.get("/api/search", {"q": "refused", "size": 5}).json()
    assert body["total"] == 60
    assert len(body["results"]) == 5
    assert [hit["message"] for hit in body["results"]] == [f"connection refused by upstream {n}" for n in range(1, 6)]
    assert all("<mark>refused</mark>" in hit["highlight"] for hit in body["results"])


def test_highlights_escape_the_message(api, searchable):
    hit = api.get("/api/search", {"q": "reset"}).json()["results"][0]
    assert hit["message"] == "<script>alert(1)</script> connection reset"
    assert "<script>" not in hit["highlight"]
    assert "&lt;script&gt;" in hit["highlight"]
    assert "<mark>reset</mark>" in hit["highlight"]


def test_filters_combine(api, searchable):
    body = api.get("/api/search", {"q": "connection", "level": "error", "source": "nginx", "product": "billing"}).json()
    assert body["total"] == 6  # n in 10, 20, ..., 60
    assert {(hit["level"], hit["source"], hit["product"]) for hit in body["results"]} == {("ERROR", "nginx", "billing")}


def test_several_levels_are_comma_separated(api, searchable):
    assert api.get("/api/search", {"level": "ERROR,WARNING"}).json()["total"] == 13


def test_a_time_window_filters(api, searchable, now):
    body = api.get("/api/search", {"from": ago(now, minutes=10.5), "to": ago(now, minutes=4.5)}).json()
    assert body["total"] == 6


def test_pages_do_not_overlap(api, searchable):
    first = api.get("/api/search", {"q": "refused", "size": 20}).json()
    second = api.get("/api/search", {"q": "refused", "size": 20, "cursor": first["next_cursor"]}).json()["results"]
    first = first["results"]
    assert not {hit["id"] for hit in first} & {hit["id"] for hit in second}
    assert second[0]["message"] == "connection refused by upstream 21"


def test_a_cursor_walks_every_result_once(api, searchable):
    seen, params = [], {"q": "refused", "size": 25}
    while True:
        body = api.get("/api/search", params).json()
        seen += [hit["id"] for hit in body["results"]]
        if not body["next_cursor"]:
            break
        params = {"q": "refused", "size": 25, "cursor": body["next_cursor"]}
    assert len(seen) == len(set(seen)) == 60


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": 0}, "size"),
        ({"size": 10000}, "size"),
        ({"size": "ten"}, "size"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-45"}, "to"),
        ({"from": "2026-11-20T00:00:00Z", "to": "2026-11-10T00:00:00Z"}, "from"),
        ({"level": "LOUD"}, "level"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"q": "x" * 501}, "q"),
        ({"pattern_id": "XYZ"}, "pattern_id"),
        ({"pattern_id": "0" * 17}, "pattern_id"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api, search_engine, params, field):
    response = api.get("/api/search", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["detail"].startswith(f"{field}:")


def test_searches_are_cached_per_query_in_any_parameter_order(api, searchable):
    first = api.get("/api/search?q=refused&size=5&level=ERROR")
    same = api.get("/api/search?level=ERROR&size=5&q=refused")
    other = api.get("/api/search?q=refused&size=6&level=ERROR")
    assert (first["X-Cache"], same["X-Cache"], other["X-Cache"]) == ("MISS", "HIT", "MISS")
    assert first["X-Cache-Key"] == same["X-Cache-Key"] != other["X-Cache-Key"]
    assert first["X-Cache-Key"].startswith("cache:search:")


def test_a_form_that_sends_its_empty_fields_shares_the_entry_of_the_plain_search(api, searchable):
    """A client that sends every field of its form, filled or not, gets the entry of the search it means."""
    plain = api.get("/api/search?q=refused")
    form = api.get("/api/search?q=refused&level=&source=&product=&pattern_id=&from=&to=&size=&cursor=")
    assert (plain["X-Cache"], form["X-Cache"]) == ("MISS", "HIT")
    assert form["X-Cache-Key"] == plain["X-Cache-Key"]
    assert form.json() == plain.json() and form.json()["total"] == 60


def test_errors_are_not_cached(api, search_engine):
    assert api.get("/api/search", {"size": 0})["X-Cache"] == "MISS"
    assert api.get("/api/search", {"size": 0})["X-Cache"] == "MISS"


def test_computed_searches_are_remembered_for_warm_up(api, searchable):
    from dashboard.popularity import get_popular_searches

    api.get("/api/search", {"q": "refused"})
    api.get("/api/search", {"q": "refused"})  # a hit: not counted again
    api.get("/api/search", {"q": "reset"})
    api.get("/api/search", {"q": "reset", "size": 5})
    assert get_popular_searches(10)[0] in {"/api/search?q=reset", "/api/search?q=refused", "/api/search?q=reset&size=5"}
    assert len(get_popular_searches(10)) == 3


def test_an_empty_pattern_id_is_no_filter(api, searchable):
    everything = api.get("/api/search", {"q": ""}).json()["total"]
    assert everything > 0
    assert api.get("/api/search", {"pattern_id": ""}).json()["total"] == everything


@pytest.fixture
def identifiers(ingest):
    ingest(json_lines([
        {"level": "ERROR", "message": "java.lang.NullPointerException at org.apache.Foo.bar(Foo.java:42)"},
        {"level": "INFO", "message": "onStandStepChanged newStep=3 x86_64"},
        {"level": "INFO", "message": "Receiving block blk_-562725 src: /10.0.0.1:50010"},
        {"level": "WARNING", "message": "<img src=x onerror=alert(1)> in user_agent"},
        {"level": "INFO", "message": "no such value, but an error later"},
    ]))


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("pointer", "java.lang.NullPointerException"),
        ("NullPointerException", "java.lang.NullPointerException"),
        ("java.lang.NullPointerException", "java.lang.NullPointerException"),
        ("null pointer exception", "java.lang.NullPointerException"),
        ('"pointer exception"', "java.lang.NullPointerException"),
        ("step changed", "onStandStepChanged"),
        ("stand", "onStandStepChanged"),
        ("blk_-562725", "blk_-562725"),
        ("562725", "blk_-562725"),
        ("-562725", "blk_-562725"),  # `-` is a character, not a negation
        ("agent", "user_agent"),
        ("onerror", "onerror"),
    ],
)
def test_words_inside_identifiers_are_found(api, identifiers, q, found):
    body = api.get("/api/search", {"q": q}).json()
    assert [found in hit["message"] for hit in body["results"]] == [True], (q, body["results"])


def test_a_phrase_needs_its_words_in_order_and_an_identifier_query_its_parts_together(api, identifiers):
    assert api.get("/api/search", {"q": '"exception pointer"'}).json()["total"] == 0
    # The parts of an identifier must be adjacent: "value" and "error" apart on one line do not match it.
    assert api.get("/api/search", {"q": "ValueError"}).json()["total"] == 0
    assert api.get("/api/search", {"q": "value error"}).json()["total"] == 1


def test_a_highlight_is_escaped_html_whichever_field_marked_it(api, identifiers):
    (hit,) = api.get("/api/search", {"q": "onerror"}).json()["results"]
    assert hit["highlight"] == "&lt;img src=x <mark>onerror</mark>=alert(1)&gt; in user_agent"
    (hit,) = api.get("/api/search", {"q": "agent"}).json()["results"]
    assert hit["highlight"] == "&lt;img src=x onerror=alert(1)&gt; in user_<mark>agent</mark>"


def test_the_next_page_is_read_ahead_and_answered_from_the_cache_as_it_would_be_computed(api, searchable, settings):
    first = api.get("/api/search", {"q": "refused", "size": 20, "level": "INFO,ERROR"})
    second = api.get("/api/search", {"q": "refused", "size": 20, "level": "INFO,ERROR",
                                     "cursor": first.json()["next_cursor"]})
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    # The same page computed on its own, with nothing read ahead and nothing cached.
    settings.LOGDASH = {**getattr(settings, "LOGDASH", {}), "SEARCH_READ_AHEAD_PAGES": 0}
    invalidate_cache_type(CacheType.SEARCH)
    computed = api.get("/api/search", {"q": "refused", "size": 20, "level": "INFO,ERROR",
                                       "cursor": first.json()["next_cursor"]})
    assert computed["X-Cache"] == "MISS"
    assert second.json() == computed.json()
    assert second.json()["results"][0]["message"] == "connection refused by upstream 21"
    assert second.json()["total"] == 60 and second.json()["next_cursor"]


def test_the_last_page_has_no_page_read_ahead_after_it(api, searchable):
    first = api.get("/api/search", {"q": "refused", "size": 40}).json()
    last = api.get("/api/search", {"q": "refused", "size": 40, "cursor": first["next_cursor"]})
    assert last["X-Cache"] == "HIT"
    assert len(last.json()["results"]) == 20 and last.json()["next_cursor"] is None


def test_without_read_ahead_the_next_page_is_computed_when_asked(api, searchable, settings):
    settings.LOGDASH = {**getattr(settings, "LOGDASH", {}), "SEARCH_READ_AHEAD_PAGES": 0}
    first = api.get("/api/search", {"q": "refused", "size": 20}).json()
    assert api.get("/api/search", {"q": "refused", "size": 20, "cursor": first["next_cursor"]})["X-Cache"] == "MISS"


def test_an_upload_the_search_matches_makes_the_page_read_ahead_stale(api, searchable, ingest, now, user):
    first = api.get("/api/search", {"q": "refused", "size": 20}).json()
    ingest(json_lines([{"timestamp": ago(now, minutes=n + 0.5), "level": "INFO", "message": f"refused again {n}"}
                       for n in range(25, 30)]), owner=user)
    second = api.get("/api/search", {"q": "refused", "size": 20, "cursor": first["next_cursor"]})
    assert second["X-Cache"] == "MISS"
    assert second.json()["total"] == 65
    assert "refused again 25" in [hit["message"] for hit in second.json()["results"]]
