"""Who may read /metrics: direct loopback (or METRICS_ALLOWED_IPS), the bearer token, staff; nobody else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

pytestmark = pytest.mark.django_db

REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def get(client, **extra):
    return client.get("/metrics", **extra)


def test_loopback_may_scrape_in_the_prometheus_format(client):
    response = get(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert b"# TYPE cacheops_requests_total counter" in response.content


def test_openmetrics_when_the_scraper_asks_for_it(client):
    response = get(client, HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.endswith(b"# EOF\n")


def test_other_addresses_are_refused(client):
    response = get(client, **REMOTE)
    assert response.status_code == 403 and b"METRICS_ALLOWED_IPS" in response.content


def test_a_proxied_request_never_qualifies_by_address(client):
    """Behind nginx every client arrives from 127.0.0.1: the forwarding header gives it away."""
    assert get(client, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert get(client, HTTP_FORWARDED="for=203.0.113.9").status_code == 403


def test_allowed_networks_are_a_setting(client, settings):
    settings.METRICS_ALLOWED_IPS = ["203.0.113.0/24"]
    assert get(client, **REMOTE).status_code == 200
    assert get(client).status_code == 403  # loopback is no longer listed


def test_a_bad_network_is_a_configuration_error(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="METRICS_ALLOWED_IPS"):
        get(client)


def test_the_bearer_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert get(client, HTTP_AUTHORIZATION="Bearer s3cret", **REMOTE).status_code == 200
    assert get(client, HTTP_AUTHORIZATION="Bearer wrong", **REMOTE).status_code == 403


def test_staff_may_look_from_anywhere_other_users_may_not(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader"))
    assert get(client, **REMOTE).status_code == 403
    client.force_login(django_user_model.objects.create_user("operator", is_staff=True))
    assert get(client, **REMOTE).status_code == 200


def test_only_safe_methods(client):
    assert client.post("/metrics").status_code == 405
