"""`manage.py rebuild_index`: lines of a v1 index (no `message.words`) become findable by identifier parts."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from dashboard.client import get_client
from dashboard.conf import dashboard_settings

pytestmark = pytest.mark.django_db


def test_a_v1_index_is_copied_into_the_current_version_and_the_alias_moves(search_engine, api):
    client, alias = get_client(), dashboard_settings.INDEX_ALIAS
    old = f"{alias}-v{dashboard_settings.INDEX_VERSION - 1}"
    fields = {"message": {"type": "text"}, "@timestamp": {"type": "date"}, "upload_id": {"type": "long"},
              "line_number": {"type": "integer"}}
    client.indices.create(index=old, mappings={"properties": fields}, aliases={alias: {"is_write_index": True}})
    for n, message in enumerate(["job 1 failed: ValueError: invalid literal", "all good"]):
        client.index(index=alias, id=f"1-{n}", document={"message": message, "@timestamp": "2026-11-01T00:00:00Z",
                                                         "upload_id": 1, "line_number": n}, refresh=True)
    assert api.get("/api/search", {"q": "error"}).json()["total"] == 0  # v1 knows no words inside identifiers

    out = io.StringIO()
    call_command("rebuild_index", stdout=out)
    assert f"Rebuilt 2 lines from version {dashboard_settings.INDEX_VERSION - 1} into version " \
           f"{dashboard_settings.INDEX_VERSION}" in out.getvalue()
    assert list(client.indices.get_alias(name=alias)) == [f"{alias}-v{dashboard_settings.INDEX_VERSION}-2026.11.01"]
    body = api.get("/api/search", {"q": "error"}).json()
    assert [hit["highlight"] for hit in body["results"]] == ["job 1 failed: Value<mark>Error</mark>: invalid literal"]


def test_a_version_that_is_not_newer_is_refused(search_engine, ingest):
    ingest(b'{"level": "INFO", "message": "one line", "timestamp": "2026-11-01T00:00:00Z"}\n')
    with pytest.raises(CommandError, match="not newer than the current version"):
        call_command("rebuild_index", to_version=dashboard_settings.INDEX_VERSION)
