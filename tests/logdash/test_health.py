"""GET /api/health."""

import pytest
from django.test.utils import override_settings

from logdash.services import free_port


@pytest.mark.django_db
def test_health_is_200_when_every_service_answers(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert {name for name, state in body["services"].items() if state["up"]} == {"database", "redis", "search_engine"}


@pytest.mark.django_db
def test_health_is_503_naming_the_search_engine_when_it_is_down(client):
    with override_settings(ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}"):
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["search_engine"]


@pytest.mark.django_db
def test_health_is_503_naming_redis_when_it_is_down(client, settings):
    caches_setting = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches_setting["default"]["LOCATION"] = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = caches_setting
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]
