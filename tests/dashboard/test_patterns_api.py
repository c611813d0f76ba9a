"""Patterns at ingestion (every line's `pattern` and `pattern_id`) and GET /api/analytics/patterns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from elasticsearch_dsl import Search

from dashboard import client
from dashboard.conf import dashboard_settings
from dashboard.models import LogPattern
from dashboard.pagination import encode_token
from dashboard.patterns.accuracy import grouping_accuracy, load_structured
from dashboard.patterns.store import PatternAssigner
from tests.dashboard.conftest import json_lines

pytestmark = pytest.mark.django_db

# Pinned instants: nothing here depends on when the test runs.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def _lines_of(upload_id: int) -> dict[int, dict]:
    """Every indexed line of an upload, by line number, read straight from the engine."""
    search = Search(index=dashboard_settings.INDEX_ALIAS).filter("term", upload_id=upload_id).extra(size=10_000)
    return {hit.line_number: hit.to_dict() for hit in client.execute(search)}


@pytest.fixture
def event_logs(ingest, product):
    lines = []
    for n in range(6):
        lines.append({"timestamp": _at(n), "level": "ERROR", "logger": "db",
                      "message": f"deadlock detected on row {1000 + n} of table orders"})
    for n, user in enumerate(["ann", "bob", "cid", "dan"]):
        lines.append({"timestamp": _at(10 + n), "level": "WARNING" if n % 2 else "INFO", "logger": "auth",
                      "message": f"session opened for user {user} by sshd"})
    lines.append({"timestamp": _at(20), "level": "INFO", "logger": "api", "message": "cache warmed"})
    return ingest(json_lines(lines), product=product)


def test_every_search_result_carries_its_pattern_and_id(api, event_logs):
    results = api.get("/api/search", {"q": "session", "size": 10}).json()["results"]
    assert len(results) == 4
    assert {entry["pattern"] for entry in results} == {"session opened for user <*> by sshd"}
    assert len({entry["pattern_id"] for entry in results}) == 1
    deadlocks = api.get("/api/search", {"q": "deadlock"}).json()["results"]
    assert {entry["pattern"] for entry in deadlocks} == {"deadlock detected on row <*> of table orders"}
    assert deadlocks[0]["pattern_id"] != results[0]["pattern_id"]


def test_an_early_line_shows_the_template_its_event_generalised_to(api, ingest, product):
    line = {"timestamp": _at(0), "level": "INFO", "message": "backup of volume ann finished cleanly"}
    early = ingest(json_lines([line]), product=product)
    ingest(json_lines([{**line, "message": "backup of volume bob finished cleanly"}]), product=product)
    # The first upload's line was indexed before `ann` was known to be a variable...
    indexed = _lines_of(early.pk)[1]
    assert indexed["pattern"] == "backup of volume ann finished cleanly"
    # ...and keeps its id; the API shows the template that id has now.
    shown = api.get("/api/search", {"pattern_id": indexed["pattern_id"]}).json()
    assert shown["total"] == 2
    assert {entry["pattern"] for entry in shown["results"]} == {"backup of volume <*> finished cleanly"}


def test_patterns_list_counts_first_and_last_seen_levels_and_an_example(api, event_logs):
    response = api.get("/api/analytics/patterns")
    assert response.status_code == 200
    body = response.json()
    assert body["total_lines"] == 11 and body["next_cursor"] is None
    assert [(item["pattern"], item["count"]) for item in body["results"]] == [
        ("deadlock detected on row <*> of table orders", 6),
        ("session opened for user <*> by sshd", 4),
        ("cache warmed", 1),
    ]
    sessions = body["results"][1]
    assert sessions["levels"] == {"INFO": 2, "WARNING": 2}
    assert sessions["first_seen"] == "2026-03-02T08:10:00Z" and sessions["last_seen"] == "2026-03-02T08:13:00Z"
    assert sessions["example"]["message"] == "session opened for user dan by sshd"
    assert sessions["product"] == "billing"


def test_patterns_list_is_filtered_like_search_and_paginated(api, event_logs):
    def patterns(**params):
        return [item["pattern"] for item in api.get("/api/analytics/patterns", params).json()["results"]]

    assert patterns(level="WARNING") == ["session opened for user <*> by sshd"]
    assert patterns(source="api") == ["cache warmed"]
    assert patterns(product="other") == []
    assert patterns(**{"from": _at(9), "to": _at(12)}) == ["session opened for user <*> by sshd"]
    assert patterns(q="deadlock") == ["deadlock detected on row <*> of table orders"]
    first = api.get("/api/analytics/patterns", {"size": 2}).json()
    second = api.get("/api/analytics/patterns", {"size": 2, "cursor": first["next_cursor"]}).json()
    assert first["next_cursor"] and second["next_cursor"] is None
    assert [item["count"] for item in first["results"] + second["results"]] == [6, 4, 1]
    past_the_window = api.get("/api/analytics/patterns", {"size": 100, "cursor": encode_token([1000])})
    assert past_the_window.status_code == 400 and list(past_the_window.json()["fields"]) == ["cursor"]
    for bad in ("not-a-cursor", encode_token([-1]), encode_token([1, 2])):
        response = api.get("/api/analytics/patterns", {"cursor": bad})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["cursor"], bad


def test_patterns_list_is_cached_as_analytics_and_refreshed_by_an_upload(api, event_logs, ingest, product):
    first = api.get("/api/analytics/patterns")
    assert first["X-Cache"] == "MISS" and first["X-Cache-Key"].startswith("cache:analytics:")
    assert api.get("/api/analytics/patterns")["X-Cache"] == "HIT"
    ingest(json_lines([{"timestamp": _at(30), "level": "INFO", "message": "cache warmed"}]), product=product)
    again = api.get("/api/analytics/patterns")
    assert again["X-Cache"] == "MISS"
    assert {item["pattern"]: item["count"] for item in again.json()["results"]}["cache warmed"] == 2


def test_repeating_an_upload_reuses_every_pattern_id(ingest, product, loghub_dir):
    content = (loghub_dir / "OpenSSH_2k.log").read_bytes()
    first = _lines_of(ingest(content, filename="OpenSSH_2k.log", product=product).pk)
    second = _lines_of(ingest(content, filename="OpenSSH_2k.log", product=product).pk)
    assert len(first) == len(second) == 2000
    assert {n: line["pattern_id"] for n, line in second.items()} == {n: line["pattern_id"] for n, line in first.items()}
    assert LogPattern.objects.filter(product="billing").count() == len({line["pattern_id"] for line in first.values()})


def test_uploaded_lines_group_like_their_hand_labelled_events(ingest, loghub_dir):
    """Through the real parsers and engine, pattern ids group OpenSSH's lines as Loghub labels them."""
    _, events = load_structured(loghub_dir / "OpenSSH_2k.log_structured.csv")
    lines = _lines_of(ingest((loghub_dir / "OpenSSH_2k.log").read_bytes(), filename="OpenSSH_2k.log").pk)
    predicted = [lines[n]["pattern_id"] for n in range(1, len(events) + 1)]
    by_text = [lines[n]["pattern"] for n in range(1, len(events) + 1)]
    assert grouping_accuracy(events, predicted) >= 0.9
    assert grouping_accuracy(predicted, by_text) <= 1.0  # text may be narrower on early lines; ids decide


def test_two_workers_learning_one_product_at_once_converge(db):
    def assign(assigner: PatternAssigner, *messages: str) -> list[dict[str, str]]:
        return [fields for _, fields in assigner.assign(SimpleNamespace(message=message) for message in messages)]

    first, second = PatternAssigner("shop"), PatternAssigner("shop")  # both start before either stores anything
    a = assign(first, "payment 17 declined for card of ann in 3 ms", "refund 4 sent")
    b = assign(second, "payment 17 declined for card of bob in 3 ms", "payment 2 declined for card of bob in 9 ms")
    # The second worker met the event under another user, found the first's template and took its id.
    assert a[0]["pattern_id"] == b[0]["pattern_id"] == b[1]["pattern_id"]
    assert b[0]["pattern"] == "payment <*> declined for card of <*> in <*> ms"
    stored = LogPattern.objects.get(product="shop", pattern_id=a[0]["pattern_id"])
    assert stored.template == "payment <*> declined for card of <*> in <*> ms"
    assert LogPattern.objects.filter(product="shop").count() == 2
    later = assign(PatternAssigner("shop"), "payment 9 declined for card of cid in 8 ms")
    assert later == [{"pattern": stored.template, "pattern_id": a[0]["pattern_id"]}]
