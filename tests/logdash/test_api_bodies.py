"""One body type per operation (issue 18 item 2): JSON everywhere, multipart for the upload only.

The upload's refusals of other bodies (form-encoded, JSON, broken multipart) are in
tests/reliability/test_bad_input.py.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

JSON_WRITES = [
    ("post", "/api/auth/token", {"username": "operator", "password": "pw"}, 200),
    ("post", "/api/products", {"name": "Billing", "slug": "billing"}, 201),
    ("post", "/api/formats", {"name": "pipe-app", "pattern": r"(?P<timestamp>\S+ \S+) \| (?P<message>.*)",
                              "timestamp_layout": "%Y-%m-%d %H:%M:%S", "timezone": "UTC",
                              "example": "2026-03-01 10:00:00 | started"}, 201),
    ("post", "/api/cache/invalidate-pattern", {"pattern": "cache:search:*"}, 200),
]


@pytest.fixture
def staff_api(django_user_model, settings) -> APIClient:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never in production
    staff = django_user_model.objects.create_user("operator", "ops@example.com", "pw", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    return client


@pytest.mark.parametrize(("method", "path", "body", "status"), JSON_WRITES, ids=[row[1] for row in JSON_WRITES])
def test_json_bodies_are_read(staff_api, method, path, body, status):
    response = getattr(staff_api, method)(path, body, format="json")
    assert response.status_code == status, response.content


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
@pytest.mark.parametrize(("method", "path", "body", "status"), JSON_WRITES, ids=[row[1] for row in JSON_WRITES])
def test_form_bodies_are_refused_with_415_naming_json(staff_api, method, path, body, status, form):
    if form == "multipart":
        response = getattr(staff_api, method)(path, body, format="multipart")
    else:
        encoded = "&".join(f"{name}={value}" for name, value in body.items())
        response = staff_api.generic(method.upper(), path, encoded, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415, response.content
    error = response.json()
    assert error["error"] == "unsupported_media_type"
    sent = "multipart/form-data" if form == "multipart" else "application/x-www-form-urlencoded"
    assert sent in error["detail"] and error["detail"].endswith("Send the body as application/json.")

