"""
Who sees which lines: search and the dashboard are global to every authenticated user (the original
design, written down in the README); `/api/user/*` answers only about the caller's own uploads.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads the rows the test commits


def test_user_b_sees_the_lines_user_a_uploaded_but_not_a_s_own_pages(worker_engine, users):
    alice, bob = token_client(users["user"]), token_client(users["other user"])
    lines = b"\n".join(b'{"level": "error", "message": "payment gateway timeout %d"}' % n for n in range(7))
    uploaded = alice.post("/api/upload?wait=60", {"file": SimpleUploadedFile("alice.jsonl", lines)},
                          format="multipart")
    assert uploaded.status_code == 201, uploaded.content

    search = bob.get("/api/search", {"q": "gateway"}).json()
    assert search["total"] == 7
    assert {hit["upload_id"] for hit in search["results"]} == {uploaded.json()["upload_id"]}
    dashboard = bob.get("/api/dashboard").json()
    assert (dashboard["total_logs"], dashboard["error_logs"], dashboard["files_uploaded"]) == (7, 7, 1)
    assert bob.get("/api/uploads").json()["results"][0]["owner"] == "alice"

    assert bob.get("/api/user/dashboard").json()["total_logs"] == 0
    assert alice.get("/api/user/dashboard").json()["total_logs"] == 7
    assert bob.get(f"/api/user/{users['user'].pk}").status_code == 403
    assert bob.get(f"/api/user/{users['other user'].pk}").json()["upload_stats"]["uploads"] == 0
