"""The date-sensitive reports give the same answers at any hour, in UTC and in a zone far from it.

"Logs today", the 7-day histogram and trends' error rate per day count calendar days of
TIME_ZONE. The clock is pinned just after midnight, in the small hours and just before
midnight; lines are placed on the local calendar, so the expected counts never change.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.dashboard.conftest import json_lines

pytestmark = pytest.mark.django_db

LOCAL_DAY = datetime(2026, 3, 10).date()


@pytest.mark.parametrize("time_zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("local_time", [time(0, 0, 30), time(3, 0), time(23, 59, 30)])
def test_today_yesterday_and_the_histogram_follow_the_local_calendar(api, ingest, settings, time_zone, local_time):
    settings.TIME_ZONE = time_zone
    zone = ZoneInfo(time_zone)
    instant = datetime.combine(LOCAL_DAY, local_time, tzinfo=zone)
    yesterday_noon = datetime.combine(LOCAL_DAY - timedelta(days=1), time(12), tzinfo=zone)
    last_second_of_the_day_before = datetime.combine(LOCAL_DAY - timedelta(days=2), time(23, 59, 59), tzinfo=zone)
    lines = [
        {"timestamp": (instant - timedelta(seconds=20)).isoformat(), "level": level, "message": "now-ish"}
        for level in ("ERROR", "INFO", "INFO")
    ] + [
        {"timestamp": yesterday_noon.isoformat(), "level": level, "message": "yesterday"}
        for level in ("ERROR", "ERROR")
    ] + [{"timestamp": last_second_of_the_day_before.isoformat(), "level": "INFO", "message": "the day before"}]

    with time_machine.travel(instant, tick=False):
        ingest(json_lines(lines))
        dashboard = api.get("/api/dashboard").json()
        trends = api.get("/api/analytics/trends", {"days": 7}).json()

    assert dashboard["time_zone"] == time_zone
    assert dashboard["logs_today"] == 3
    days = [(day["date"], day["count"]) for day in dashboard["logs_per_day"]]
    assert days[-3:] == [(str(LOCAL_DAY - timedelta(days=2)), 1), (str(LOCAL_DAY - timedelta(days=1)), 2),
                         (str(LOCAL_DAY), 3)]
    rates = [(day["date"], day["total"], day["errors"]) for day in trends["error_rate_per_day"]]
    assert len(rates) == 7
    assert rates[-3:] == [(str(LOCAL_DAY - timedelta(days=2)), 1, 0), (str(LOCAL_DAY - timedelta(days=1)), 2, 2),
                          (str(LOCAL_DAY), 3, 1)]
    assert trends["total_logs"] == 6
