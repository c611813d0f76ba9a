"""
SQLite shared by gunicorn workers and job processes (`make run` without DATABASE_URL): WAL, write
transactions that take their lock when they begin, and a database that stays locked answered 503.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from dashboard.models import Upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="these settings are SQLite's; DATABASE_URL names another"),
]


def test_the_database_file_is_in_wal_mode():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_two_transactions_that_read_then_write_at_once_both_commit():
    """A deferred transaction that read before another wrote cannot write at all ("database is locked")."""
    errors: list[Exception] = []

    def read_then_write(name: str) -> None:
        try:
            with transaction.atomic():
                get_user_model().objects.count()
                time.sleep(0.3)
                get_user_model().objects.create(username=name)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read_then_write, args=(f"writer-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert set(get_user_model().objects.values_list("username", flat=True)) == {"writer-0", "writer-1"}


def test_a_database_that_stays_locked_is_a_503_and_the_upload_keeps_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    api = APIClient()
    api.force_authenticate(get_user_model().objects.create_user("alice", password="pw"))
    holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    connection.ensure_connection()
    connection.connection.execute("PRAGMA busy_timeout = 200")
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than a request waits
        response = api.post("/api/upload", {"file": SimpleUploadedFile("app.log", b"one line\n")}, format="multipart")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waits = int(connection.settings_dict["OPTIONS"]["timeout"] * 1000)
        connection.connection.execute(f"PRAGMA busy_timeout = {waits}")
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["error"] == "database_unavailable"
    assert "database is locked" in body["detail"]
    assert Upload.objects.count() == 0
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
