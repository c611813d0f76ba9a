"""The admin Cache page's history: samples kept in Redis (one per interval, bounded), and its SVG charts."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from cacheops import charts, history, stats
from cacheops.history import Sample, get_samples, record_sample_if_due
from cacheops.resilience import breaker

pytestmark = pytest.mark.django_db

PAGE = "/admin/cacheops/cache/"
INTERVAL = 300
T0 = 1_800_000_000 // INTERVAL * INTERVAL  # the start of an interval


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_one_sample_per_interval_whoever_offers_it():
    stats.record_field(stats.make_field("search", stats.HIT))
    stats.recorder.flush()
    assert record_sample_if_due(now=T0 + 10)
    assert not record_sample_if_due(now=T0 + 200)  # same interval: another worker already wrote it
    assert record_sample_if_due(now=T0 + INTERVAL + 1)
    samples = get_samples()
    assert [sample.ts for sample in samples] == [T0, T0 + INTERVAL]
    assert samples[0].counts == {"search:hits": 1}


def test_the_list_keeps_the_last_samples_only(redis_connection, cache):
    with override_settings(CACHEOPS={"STATS_SAMPLES": 3}):
        for n in range(5):
            assert record_sample_if_due(now=T0 + n * INTERVAL)
    assert [sample.ts for sample in get_samples()] == [T0 + n * INTERVAL for n in (2, 3, 4)]
    assert redis_connection.llen(cache.make_key(history.samples_key())) == 3


def test_no_sample_while_the_breaker_is_open_and_no_exception_while_redis_is_down(redis_down):
    assert not record_sample_if_due(now=T0)  # Redis unreachable: swallowed
    for _ in range(5):
        breaker.record_failure()
    assert not record_sample_if_due(now=T0 + INTERVAL)


def test_a_damaged_item_is_skipped(redis_connection, cache):
    record_sample_if_due(now=T0)
    redis_connection.rpush(cache.make_key(history.samples_key()), b"not json")
    assert [sample.ts for sample in get_samples()] == [T0]


def test_intervals_are_differences_and_survive_a_reset():
    samples = [
        Sample(T0, {"dashboard:hits": 10, "dashboard:misses": 10}),
        Sample(T0 + 300, {"dashboard:hits": 19, "dashboard:misses": 11, "search:stale": 0}),
        Sample(T0 + 600, {"dashboard:hits": 19, "dashboard:misses": 11}),
        Sample(T0 + 900, {"dashboard:hits": 1, "dashboard:errors": 1}),  # the counters were reset
    ]
    assert charts.get_intervals(samples) == [
        charts.Interval(T0 + 300, 10, 90.0),
        charts.Interval(T0 + 600, 0, None),
        charts.Interval(T0 + 900, 2, 50.0),
    ]


def test_the_line_breaks_where_there_was_no_traffic():
    samples = [Sample(T0 + n * 300, {"user:hits": hits, "user:misses": 1}) for n, hits in enumerate([0, 1, 2, 2, 3, 4])]
    chart = charts.make_hit_rate_chart(samples)
    assert len(chart.lines) == 2 and len(chart.dots) == 4 and len(chart.bars) == 5
    assert charts.make_hit_rate_chart(samples[:1]) is None


def test_the_page_draws_the_hit_rate_chart_and_the_type_bars(staff_client):
    record_sample_if_due(now=T0)
    for outcome in (stats.HIT, stats.HIT, stats.HIT, stats.MISS):
        stats.record_field(stats.make_field("dashboard", outcome))
    stats.recorder.flush()
    record_sample_if_due(now=T0 + INTERVAL)
    stats.record_field(stats.make_field("search", stats.ERROR))
    stats.recorder.flush()
    record_sample_if_due(now=T0 + 2 * INTERVAL)
    page = staff_client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    chart = re.search(r'<svg id="hit-rate-chart".*?</svg>', html, re.S).group(0)
    assert "<polyline" in chart and "75.0 % hit rate" in chart and "0.0 % hit rate" in chart
    bars = re.search(r'<svg id="type-bars".*?</svg>', html, re.S).group(0)
    assert "dashboard: 3 hits" in bars and "dashboard: 1 miss<" in bars and "search: 1 error<" in bars
    assert "75.0 % hit rate, 4 requests" in bars and "no requests" in bars
    assert "<script" not in chart + bars


def test_the_page_itself_offers_a_sample_and_explains_an_empty_chart(staff_client):
    html = staff_client.get(PAGE).content.decode()
    assert "Not enough history yet" in html and 'id="type-bars"' in html
    assert len(get_samples()) == 1


def test_the_page_renders_without_redis(staff_client, redis_down):
    html = staff_client.get(PAGE).content.decode()
    assert "no history to draw" in html


def test_anonymous_and_non_staff_never_see_the_chart(client, user):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 302 and "hit-rate-chart" not in response.content.decode()
