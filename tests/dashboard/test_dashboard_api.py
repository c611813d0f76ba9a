"""GET /api/dashboard: the seven KPIs, computed by the real engine and served from the real cache."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.dashboard.conftest import ago, json_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_logs(ingest, user, now):
    """12 lines whose KPIs are known: 4 today, 3 errors and above, spread over 10 days."""
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    minutes_today = max(1, int((now - today_start).total_seconds() // 60))
    lines = [
        {"timestamp": ago(now, minutes=minutes_today * fraction), "level": level, "message": f"today {index}"}
        for index, (fraction, level) in enumerate([(0.1, "INFO"), (0.2, "ERROR"), (0.3, "WARNING"), (0.4, "INFO")])
    ]
    lines += [
        {"timestamp": ago(now, days=2), "level": "CRITICAL", "message": "two days ago"},
        {"timestamp": ago(now, days=2, hours=1), "level": "INFO", "message": "two days ago"},
        {"timestamp": ago(now, days=5), "level": "error", "message": "five days ago"},
        {"timestamp": ago(now, days=5, hours=2), "level": "debug", "message": "five days ago"},
        {"timestamp": ago(now, days=9), "level": "INFO", "message": "nine days ago"},
        {"timestamp": ago(now, days=9), "level": "INFO", "message": "nine days ago"},
        {"timestamp": ago(now, days=10), "level": "WARN", "message": "ten days ago"},
        {"timestamp": ago(now, days=10), "level": "INFO", "message": "ten days ago"},
    ]
    return ingest(json_lines(lines), filename="known.jsonl", owner=user)


def test_the_kpis_are_exact(api, known_logs, now):
    response = api.get("/api/dashboard")
    assert response.status_code == 200
    body = response.json()
    assert body["total_logs"] == 12
    assert body["logs_today"] == 4
    assert body["error_logs"] == 3
    assert body["logs_by_level"] == {"INFO": 6, "ERROR": 2, "WARNING": 2, "CRITICAL": 1, "DEBUG": 1}
    assert body["files_uploaded"] == 1
    assert body["time_zone"] == "UTC"
    recent = body["recent_logs"]
    assert len(recent) == 10
    assert [entry["timestamp"] for entry in recent] == sorted((entry["timestamp"] for entry in recent), reverse=True)
    assert recent[0]["message"] == "today 0"


def test_every_one_of_the_last_seven_days_is_present(api, known_logs, now):
    per_day = api.get("/api/dashboard").json()["logs_per_day"]
    today = timezone.localtime(now).date()
    assert [entry["date"] for entry in per_day] == [str(today - timedelta(days=n)) for n in range(6, -1, -1)]
    counts = {entry["date"]: entry["count"] for entry in per_day}
    assert counts[str(today)] == 4
    assert sum(counts.values()) == 4 + 2 + 2  # the lines of 9 and 10 days ago are outside the week
    assert 0 in counts.values()


def test_an_empty_engine_answers_zeros_not_an_error(api, search_engine):
    body = api.get("/api/dashboard").json()
    assert body["total_logs"] == 0
    assert body["recent_logs"] == []
    assert len(body["logs_per_day"]) == 7


def test_a_repeat_is_a_hit_with_the_same_body(api, known_logs):
    first = api.get("/api/dashboard")
    second = api.get("/api/dashboard")
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first["X-Cache-Key"] == second["X-Cache-Key"]
    assert first["X-Cache-Key"].startswith("cache:dashboard:")
    assert first.content == second.content


def test_the_dashboard_is_shared_between_users(client_for, user, other_user, known_logs):
    assert client_for(user).get("/api/dashboard")["X-Cache"] == "MISS"
    assert client_for(other_user).get("/api/dashboard")["X-Cache"] == "HIT"


def test_anonymous_requests_are_refused_even_when_cached(api, client_for, known_logs):
    api.get("/api/dashboard")
    response = client_for(None).get("/api/dashboard")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_an_upload_invalidates_the_dashboard(api, known_logs, ingest, user, now):
    api.get("/api/dashboard")
    assert api.get("/api/dashboard")["X-Cache"] == "HIT"
    ingest(json_lines([{"timestamp": ago(now, minutes=1), "level": "ERROR", "message": "new"}]), owner=user)
    response = api.get("/api/dashboard")
    assert response["X-Cache"] == "MISS"
    assert response.json()["total_logs"] == 13
    assert response.json()["files_uploaded"] == 2


def test_an_unreachable_engine_is_a_503_naming_it(api, settings):
    from logdash.services import free_port

    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{free_port()}"
    response = api.get("/api/dashboard")
    assert response.status_code == 503
    assert response.json()["error"] == "search_unavailable"
    assert response["X-Cache"] == "MISS"
