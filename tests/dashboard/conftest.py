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
from logdash import celery_app
from logdash.clock import clock
from tests.celery_worker import point_app_at, purge_queue
from tests.conftest import TEST_QUEUE


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
def worker_engine(celery_worker, worker_engine_url, settings) -> str:
    """The workers' engine clone, emptied, for a test whose uploads a worker indexes; returns its URL.

    A worker process cannot follow a per-test clone (`search_engine`), so the test reads the clone the
    workers write to, without the lines of earlier tests.
    """
    from dashboard import client as search_client
    from dashboard.conf import dashboard_settings

    settings.ELASTICSEARCH_URL = worker_engine_url
    search_client.get_client().indices.delete(index=f"{dashboard_settings.INDEX_ALIAS}*", ignore_unavailable=True,
                                              allow_no_indices=True)
    return worker_engine_url


@pytest.fixture
def idle_queue(_services):
    """Jobs sent during the test wait in a queue no worker reads."""
    queue = f"{TEST_QUEUE}-idle"
    point_app_at(celery_app, celery_app.conf.broker_url, queue)
    yield queue
    purge_queue(celery_app, queue)
    point_app_at(celery_app, celery_app.conf.broker_url, TEST_QUEUE)


def run_job_here(upload_id: int) -> Upload:
    """Run an upload's job in this process (eager), for tests of failure paths under this test's settings."""
    from dashboard.tasks import ingest_upload

    ingest_upload.apply((upload_id,))
    return Upload.objects.get(pk=upload_id)


@pytest.fixture
def now(ticking_clock) -> datetime:
    """The instant the product clock is pinned at (noon UTC, running): fixtures place lines relative to it."""
    return clock.now()


def ago(now: datetime, **delta: float) -> str:
    return (now - timedelta(**delta)).isoformat()
