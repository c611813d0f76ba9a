"""GET /api/analytics/trends."""

from datetime import timedelta

import pytest

from tests.dashboard.conftest import ago, json_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def trend_logs(ingest, now, product):
    # Yesterday's lines are spread over hours before yesterday noon, whatever the hour the test runs at.
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    noon = midnight - timedelta(hours=12)
    lines = []
    for n in range(8):
        lines.append({"timestamp": ago(noon, minutes=n), "level": "ERROR", "logger": "db",
                      "message": f"deadlock detected on row {1000 + n}"})
    for n in range(3):
        lines.append({"timestamp": ago(noon, hours=2, minutes=n), "level": "CRITICAL", "logger": "worker",
                      "message": f"worker {n} killed: out of memory"})
    for n in range(9):
        lines.append({"timestamp": ago(noon, hours=3, minutes=n), "level": "INFO", "logger": "api",
                      "message": "ok"})
    lines.append({"timestamp": ago(now, days=40), "level": "ERROR", "logger": "db", "message": "old"})
    ingest(json_lines(lines), product=product)


def test_trends_report_error_rate_top_patterns_and_volumes(api, trend_logs):
    response = api.get("/api/analytics/trends", {"days": 7})
    assert response.status_code == 200
    body = response.json()
    assert body["days"] == 7
    assert len(body["error_rate_per_day"]) == 7
    yesterday = body["error_rate_per_day"][-2]
    assert (yesterday["total"], yesterday["errors"], yesterday["error_rate"]) == (20, 11, 55.0)
    top = body["top_error_messages"]
    assert [(item["pattern"], item["count"]) for item in top] == [
        ("deadlock detected on row <*>", 8), ("worker <*> killed: out of memory", 3)
    ]
    search = api.get("/api/search", {"pattern_id": top[1]["pattern_id"]}).json()
    assert sorted(entry["message"] for entry in search["results"]) == [f"worker {n} killed: out of memory"
                                                                      for n in range(3)]
    assert top[0]["example"].startswith("deadlock detected on row")
    assert {item["source"]: item["count"] for item in body["volume_per_source"]} == {"db": 8, "api": 9, "worker": 3}
    assert body["volume_per_product"] == [{"product": "billing", "count": 20}]


def test_the_window_follows_days(api, trend_logs):
    assert api.get("/api/analytics/trends", {"days": 60}).json()["total_logs"] == 21
    assert api.get("/api/analytics/trends", {"days": 1}).json()["total_logs"] == 0


@pytest.mark.parametrize("days", [0, 91, -3, "week"])
def test_days_out_of_range_is_a_400(api, search_engine, days):
    response = api.get("/api/analytics/trends", {"days": days})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["days"]


def test_trends_are_cached_under_the_analytics_key(api, trend_logs):
    first = api.get("/api/analytics/trends", {"days": 7})
    second = api.get("/api/analytics/trends", {"days": 7})
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first["X-Cache-Key"].startswith("cache:analytics:")
    assert api.get("/api/analytics/trends", {"days": 8})["X-Cache-Key"] != first["X-Cache-Key"]
