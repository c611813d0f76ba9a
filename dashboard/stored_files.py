"""
The files uploads wait in for their job: their names in Django's default storage, and their removal.

Each upload's file has a folder of its own, `uploads/<random>/<safe name>`, so two uploads of one
name never meet. The job deletes the file when it ends (`dashboard.jobs`); `remove_orphaned_files`
finds those that no upload names any more.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

from dashboard.conf import dashboard_settings
from dashboard.models import Upload
from logdash.clock import clock

UPLOADS_FOLDER = "uploads"


def storage_name(filename: str) -> str:
    """A name of its own in storage for an uploaded file: `uploads/<random>/<safe name>`."""
    safe = get_valid_filename(filename.rsplit("/", 1)[-1])[:100] or "upload.log"
    return f"{UPLOADS_FOLDER}/{uuid.uuid4().hex}/{safe}"


def delete_stored_file(name: str) -> None:
    """Delete a stored file, and its folder where the storage has folders; OSError if the file stays."""
    default_storage.delete(name)
    remove_empty_folder(name.rsplit("/", 1)[0])


def remove_orphaned_files() -> int:
    """Delete the stored files no upload names, once older than UPLOAD_STALE_SECONDS; return how many.

    A web process killed between storing a file and recording its upload (or while removing both
    after the broker refused the job) leaves a file that nothing will read or delete. A younger
    file may belong to a submission still under way (the file is stored before its row), so it
    waits for a later run. Emptied folders go too.
    """
    cutoff = clock.now() - timedelta(seconds=dashboard_settings.UPLOAD_STALE_SECONDS)
    named = set(Upload.objects.exclude(stored_file="").values_list("stored_file", flat=True))
    try:
        folders, _ = default_storage.listdir(UPLOADS_FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for folder in folders:
        path = f"{UPLOADS_FOLDER}/{folder}"
        try:
            _, files = default_storage.listdir(path)
        except FileNotFoundError:  # its job ended and removed it meanwhile
            continue
        if not files:  # left by a file deleted before folders went with their files, or one being stored
            remove_empty_folder(path, modified_before=cutoff.timestamp())
        for filename in files:
            name = f"{path}/{filename}"
            try:
                if name in named or default_storage.get_modified_time(name) > cutoff:
                    continue
            except FileNotFoundError:  # its job ended and deleted it (and its folder) meanwhile
                continue
            delete_stored_file(name)
            removed += 1
    return removed


def remove_empty_folder(name: str, *, modified_before: float | None = None) -> None:
    """Remove a folder of the default storage if it is a local, empty one (object stores have no folders).

    With `modified_before` (Unix seconds), only a folder last changed before then: a younger one may be
    a submission's, made a moment before its file.
    """
    try:
        local = default_storage.path(name)
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):  # not empty after all (a file stored meanwhile), or already gone
        if modified_before is None or os.path.getmtime(local) < modified_before:
            os.rmdir(local)
