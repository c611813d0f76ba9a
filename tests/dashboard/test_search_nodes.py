"""Several search-engine nodes in ELASTICSEARCH_URL: a request that fails on a dead node is retried on another."""

from __future__ import annotations

import pytest
from django.test import override_settings
from elasticsearch_dsl import Search

from dashboard import client as search_client
from dashboard.client import SearchUnavailable, parse_hosts
from dashboard.conf import dashboard_settings
from logdash.services import start_search_engine


def _counts(times: int) -> list[object]:
    """`times` counts of the index, each an int or the SearchUnavailable it raised."""
    results: list[object] = []
    for _ in range(times):
        try:
            results.append(search_client.count(Search(index=dashboard_settings.INDEX_ALIAS)))
        except SearchUnavailable as exc:
            results.append(exc)
    return results


def test_the_url_may_list_several_nodes():
    assert parse_hosts(" http://a:9200, https://b:9200 ,") == ["http://a:9200", "https://b:9200"]


def test_a_request_is_retried_on_the_other_node_when_one_dies(search_engine):
    second = start_search_engine()
    nodes = f"{second.url},{search_engine}"
    try:
        with override_settings(ELASTICSEARCH_URL=nodes, ELASTICSEARCH_MAX_RETRIES=1,
                               ELASTICSEARCH_DEAD_NODE_BACKOFF=30.0):
            assert _counts(4) == [0, 0, 0, 0]  # both alive: requests go round robin
            second.stop()  # the process dies; the client still lists it
            assert _counts(6) == [0] * 6
    finally:
        second.stop()


def test_without_retries_the_dead_node_fails_requests(search_engine):
    second = start_search_engine()
    second.stop()
    with override_settings(ELASTICSEARCH_URL=f"{second.url},{search_engine}", ELASTICSEARCH_MAX_RETRIES=0):
        results = _counts(4)
    assert any(isinstance(result, SearchUnavailable) for result in results), results
    assert 0 in results  # the live node still answers its share


@pytest.mark.parametrize("setting, value, option", [
    ("ELASTICSEARCH_API_KEY", "a2V5OnNlY3JldA==", "api_key"),
    ("ELASTICSEARCH_SNIFF_ON_START", True, "sniff_on_start"),
    ("ELASTICSEARCH_VERIFY_CERTS", False, "verify_certs"),
])
def test_production_options_come_from_settings(setting, value, option):
    with override_settings(**{setting: value}):
        assert search_client.client_options()[option] == value
