"""Files waiting in storage for their job: the sweep of files no upload names (`manage.py recover_uploads`)."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from dashboard.models import Upload
from dashboard.stored_files import UPLOADS_FOLDER, delete_stored_file, remove_orphaned_files, storage_name
from logdash.clock import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored(filename: str, *, age_seconds: float) -> str:
    """A file stored as an upload's would be, last modified `age_seconds` ago by the product's clock."""
    name = default_storage.save(storage_name(filename), ContentFile(b"a line\n"))
    moment = clock.time() - age_seconds
    os.utime(default_storage.path(name), (moment, moment))
    return name


def folders(media) -> set[str]:
    return {path.name for path in (media / UPLOADS_FOLDER).iterdir()}


def test_a_file_no_upload_names_goes_once_older_than_the_stale_age(media, settings):
    settings.LOGDASH = {"UPLOAD_STALE_SECONDS": 600}
    orphan = stored("orphan.log", age_seconds=601)
    young = stored("young.log", age_seconds=590)  # may be a submission whose row is not written yet
    named = stored("waiting.log", age_seconds=7200)
    Upload.objects.create(filename="waiting.log", size_bytes=7, status=Upload.Status.QUEUED, stored_file=named)

    assert remove_orphaned_files() == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(young) and default_storage.exists(named)
    assert folders(media) == {young.split("/")[1], named.split("/")[1]}  # the orphan's folder went with it
    assert remove_orphaned_files() == 0


def test_an_empty_folder_goes_once_older_than_the_stale_age(media, settings):
    """Folders emptied before they went with their files; a young one may be a submission's, about to get its file."""
    settings.LOGDASH = {"UPLOAD_STALE_SECONDS": 600}
    (media / UPLOADS_FOLDER).mkdir()
    for folder, age in (("old", 601), ("young", 590)):
        (media / UPLOADS_FOLDER / folder).mkdir()
        moment = clock.time() - age
        os.utime(media / UPLOADS_FOLDER / folder, (moment, moment))
    assert remove_orphaned_files() == 0
    assert folders(media) == {"young"}


def test_recover_uploads_reports_the_files_it_deleted(media):
    stored("orphan.log", age_seconds=2 * 3600)
    out = io.StringIO()
    call_command("recover_uploads", stdout=out)
    assert "deleted 1 stored files that no upload names" in out.getvalue()
    assert folders(media) == set()


def test_nothing_stored_yet_is_nothing_to_do(media):
    assert remove_orphaned_files() == 0


def test_deleting_a_stored_file_removes_its_folder_and_keeps_the_others(media):
    first, second = stored("a.log", age_seconds=0), stored("a.log", age_seconds=0)
    delete_stored_file(first)
    assert folders(media) == {second.split("/")[1]}


def test_a_storage_that_fails_does_not_stop_the_start_up(media, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("the bucket did not answer")

    monkeypatch.setattr(default_storage, "listdir", refuse)
    err = io.StringIO()
    call_command("recover_uploads", stdout=io.StringIO(), stderr=err)
    assert "Stored files not swept: the bucket did not answer" in err.getvalue()
