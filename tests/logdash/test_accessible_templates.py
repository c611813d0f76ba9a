"""The browsable API and Swagger UI pages: language, viewport and a named format dropdown (issue 21)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader_client(client: Client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_user("reader", password="s3cret-pw"))
    return client


def test_browsable_api_declares_its_language_and_viewport(reader_client: Client) -> None:
    response = reader_client.get("/api/products", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    html = response.content.decode()
    assert re.search(r'<html lang="en">', html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "logdash/browsable-api.css" in html


def test_browsable_api_format_dropdown_has_a_name(reader_client: Client) -> None:
    html = reader_client.get("/api/products", HTTP_ACCEPT="text/html").content.decode()

    toggle = re.search(r'<button[^>]*dropdown-toggle[^>]*>', html)
    assert toggle, "the format dropdown is rendered"
    assert 'aria-label="Format of the GET request"' in toggle.group(0)


def test_swagger_ui_declares_its_language(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
