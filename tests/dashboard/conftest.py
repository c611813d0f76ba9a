"""Fixtures of the dashboard tests: users, API clients, and log files indexed into a fresh engine clone."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from rest_framework.test import APIClient

from dashboard.indexing import ingest_file, start_upload
from dashboard.models import Product, Upload
from logdash.clock import clock
from tests.conftest import run_job_here  # noqa: F401 (the dashboard tests import it from here)


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "pw")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("operator", "ops@example.com", "pw", is_staff=True)


def _client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api(user) -> APIClient:
    return _client_for(user)


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    return _client_for


@pytest.fixture
def product(db) -> Product:
    return Product.objects.create(name="Billing", slug="billing", owner_team="payments")


def json_lines(entries: list[dict]) -> bytes:
    return "\n".join(json.dumps(entry) for entry in entries).encode()


@pytest.fixture
def ingest(search_engine, db, django_capture_on_commit_callbacks) -> Callable[..., Upload]:
    """Index bytes as one upload, the way POST /api/upload does (commit hooks included); return the Upload."""

    def ingest_bytes(content: bytes, *, filename: str = "app.log", owner=None, product=None) -> Upload:
        upload = start_upload(filename=filename, size_bytes=len(content), owner_id=owner.pk if owner else None,
                              product_id=product.pk if product else None)
        with django_capture_on_commit_callbacks(execute=True):
            ingest_file(upload, io.BytesIO(content))
        upload.refresh_from_db()
        return upload

    return ingest_bytes


@pytest.fixture
def now(ticking_clock) -> datetime:
    """The instant the product clock is pinned at (noon UTC, running): fixtures place lines relative to it."""
    return clock.now()


def ago(now: datetime, **delta: float) -> str:
    return (now - timedelta(**delta)).isoformat()
