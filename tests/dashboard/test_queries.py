"""The queries are pure: check what they ask the engine for, without an engine."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dashboard import queries
from dashboard.queries import SearchCriteria

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def test_dashboard_query_asks_for_every_kpi_in_one_request():
    body = queries.dashboard_query(now=NOW, tz=UTC, tz_name="UTC").to_dict()
    assert body["size"] == 10
    assert body["track_total_hits"] is True
    assert body["sort"][0] == {"@timestamp": {"order": "desc"}}
    aggs = body["aggs"]
    assert aggs["today"]["filter"] == {"range": {"@timestamp": {"gte": "2026-11-28T00:00:00+00:00"}}}
    assert aggs["errors"]["filter"] == {"terms": {"level": ["ERROR", "CRITICAL"]}}
    histogram = aggs["last_days"]["aggs"]["per_day"]["date_histogram"]
    assert histogram["min_doc_count"] == 0
    assert histogram["extended_bounds"] == {"min": "2026-11-22", "max": "2026-11-28"}
    assert "query" not in body


def test_dashboard_days_follow_the_configured_time_zone():
    late_evening_utc = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # already the 29th in Paris
    body = queries.dashboard_query(now=late_evening_utc, tz=PARIS, tz_name="Europe/Paris").to_dict()
    assert body["aggs"]["today"]["filter"]["range"]["@timestamp"]["gte"] == "2026-11-29T00:00:00+01:00"
    assert body["aggs"]["last_days"]["aggs"]["per_day"]["date_histogram"]["time_zone"] == "Europe/Paris"


def test_user_dashboard_is_restricted_to_the_owner():
    body = queries.dashboard_query(now=NOW, tz=UTC, tz_name="UTC", owner_id=42).to_dict()
    assert body["query"] == {"bool": {"filter": [{"term": {"owner_id": 42}}]}}


def test_search_query_matches_all_words_and_highlights():
    body = queries.search_query(SearchCriteria(q="connection refused", size=5, offset=10)).to_dict()
    def term(word: str) -> dict:
        return {"bool": {"minimum_should_match": 1, "should": [
            {"match": {"message": {"query": word, "operator": "and", "zero_terms_query": "all"}}},
            {"match_phrase": {"message.words": {"query": word, "zero_terms_query": "all"}}},
        ]}}

    assert body["query"] == {"bool": {"must": [term("connection"), term("refused")]}}
    assert body["highlight"] == {
        "encoder": "html", "pre_tags": ["<mark>"], "post_tags": ["</mark>"],
        "fields": {"message": {"number_of_fragments": 0}, "message.words": {"number_of_fragments": 0}},
    }
    assert (body["from"], body["size"]) == (10, 5)


def test_a_quoted_phrase_is_one_term_in_order_in_both_fields():
    query = queries.text_query('"connection refused" upstream -').to_dict()
    phrase, word, dash = query["bool"]["must"]
    # `-` is a character, not a negation; it has no words, so the engine leaves it out (zero_terms_query).
    assert dash["bool"]["should"][1] == {"match_phrase": {"message.words": {"query": "-", "zero_terms_query": "all"}}}
    assert phrase["bool"]["should"] == [
        {"match_phrase": {"message": {"query": "connection refused", "zero_terms_query": "all"}}},
        {"match_phrase": {"message.words": {"query": "connection refused", "zero_terms_query": "all"}}},
    ]
    assert word["bool"]["should"][0]["match"]["message"]["query"] == "upstream"


def test_search_filters_are_filters_not_scoring_queries():
    criteria = SearchCriteria(level=("ERROR", "CRITICAL"), source="sshd", product="billing",
                              date_from=datetime(2026, 11, 1, tzinfo=UTC), date_to=NOW)
    body = queries.search_query(criteria).to_dict()
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"level": ["ERROR", "CRITICAL"]}},
        {"term": {"source": "sshd"}},
        {"term": {"product": "billing"}},
        {"range": {"@timestamp": {"gte": "2026-11-01T00:00:00+00:00", "lte": "2026-11-28T09:30:00+00:00"}}},
    ]
    assert "highlight" not in body


def test_deep_pages_use_search_after_with_a_unique_sort():
    body = queries.search_query(SearchCriteria(size=20, search_after=(1795817887056, 3, 17))).to_dict()
    assert body["search_after"] == [1795817887056, 3, 17]
    assert "from" not in body or body["from"] == 0
    assert [next(iter(clause)) for clause in body["sort"]] == ["@timestamp", "upload_id", "line_number"]


def test_trends_query_covers_exactly_the_requested_days():
    body = queries.trends_query(days=30, now=NOW, tz=UTC, tz_name="UTC").to_dict()
    assert body["query"]["bool"]["filter"] == [{"range": {"@timestamp": {
        "gte": "2026-10-30T00:00:00+00:00", "lt": "2026-11-29T00:00:00+00:00"}}}]
    assert body["size"] == 0
    assert body["aggs"]["per_day"]["date_histogram"]["extended_bounds"]["min"] == "2026-10-30"
    assert body["aggs"]["errors"]["aggs"]["top_patterns"]["terms"] == {"field": "pattern_id", "size": 10}
    assert set(body["aggs"]) == {"per_day", "errors", "by_source", "by_product"}


def test_upload_lines_query_selects_one_upload():
    assert queries.upload_lines_query(7).to_dict() == {"query": {"bool": {"filter": [{"term": {"upload_id": 7}}]}}}
