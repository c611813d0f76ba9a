"""
A 100 MB upload, the size limit's default, through Django's WSGI handler: every line indexed,
and the file streamed from the request to the engine, never held whole in memory.

Marked `slow` (100 MB into the engine takes a minute or two): `make test-slow` runs it.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path

import pytest
from django.test.client import ClientHandler, RequestFactory
from rest_framework.authtoken.models import Token

from dashboard import client as search_client
from dashboard.conf import dashboard_settings
from dashboard.models import Upload
from dashboard.queries import upload_lines_query

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

LEVELS = ("INFO", "WARN", "ERROR", "DEBUG")


class ResidentMemoryPeak:
    """The peak growth of this process's resident memory while the block runs, sampled every 20 ms.

    tracemalloc would be exact but makes a million-line upload several times slower; holding the
    file whole would show as growth of at least its size either way.
    """

    def __enter__(self) -> ResidentMemoryPeak:
        self.baseline = self.peak = _resident_bytes()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, _resident_bytes())

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _resident_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def _resident_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def write_upload_body(path: Path, boundary: str, limit: int) -> int:
    """Write a multipart body whose file is a log of just under `limit` bytes; return its line count."""
    lines = 0
    written = 0
    with path.open("wb") as body:
        body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.log\"\r\n"
                   "Content-Type: text/plain\r\n\r\n".encode())
        chunk: list[bytes] = []
        while True:
            # About 1 KB a line, as a log with request dumps in it: a hundred thousand lines fill 100 MB.
            details = " ".join(f"item-{(lines + i) % 997}={(lines * i) % 10007}" for i in range(60))
            # Day after day, as logs come: 4,000 lines a day over 25 days (daily partitions).
            line = (f"2026-11-{1 + (lines // 4000) % 27:02d} {lines % 24:02d}:{lines % 60:02d}:{lines % 59:02d},"
                    f"{lines % 1000:03d} {LEVELS[lines % 4]} [worker-{lines % 8}] "
                    f"org.example.billing.Ledger: settled order {lines}: {details}\n").encode()
            if written + len(line) > limit - 1024:
                break
            chunk.append(line)
            written += len(line)
            lines += 1
            if len(chunk) == 10_000:
                body.write(b"".join(chunk))
                chunk.clear()
        body.write(b"".join(chunk))
        body.write(f"\r\n--{boundary}--\r\n".encode())
    return lines


def test_a_100_mb_upload_is_indexed_whole_in_bounded_memory(django_user_model, search_engine, tmp_path,
                                                            jobs_in_process):
    """Storing the upload and its job (run in this process, so one process holds both) stay in bounded memory."""
    limit = dashboard_settings.UPLOAD_MAX_BYTES
    boundary = uuid.uuid4().hex
    path = tmp_path / "body"
    lines = write_upload_body(path, boundary, limit)
    user = django_user_model.objects.create_user("uploader")
    token = Token.objects.create(user=user).key
    with path.open("rb") as stream:
        environ = RequestFactory()._base_environ(
            PATH_INFO="/api/upload", QUERY_STRING="wait=3600", REQUEST_METHOD="POST",
            HTTP_AUTHORIZATION=f"Token {token}",
            CONTENT_TYPE=f"multipart/form-data; boundary={boundary}", CONTENT_LENGTH=str(path.stat().st_size),
            **{"wsgi.input": stream},
        )
        with ResidentMemoryPeak() as memory:
            response = ClientHandler(enforce_csrf_checks=False)(environ)
    body = json.loads(response.content)
    assert response.status_code == 201, body
    assert (body["lines_read"], body["lines_indexed"], body["lines_unparsed"]) == (lines, lines, 0)
    assert body["detected_format"] == "log4j"
    upload = Upload.objects.get(pk=body["upload_id"])
    assert upload.status == Upload.Status.COMPLETE and upload.lines_indexed == lines
    search_client.refresh()
    indexed = upload_lines_query(upload.pk).extra(size=0, track_total_hits=True)
    assert search_client.execute(indexed).hits.total.value == lines
    size = path.stat().st_size
    print(f"{size / 2**20:.0f} MB, {lines} lines indexed; resident memory grew by {memory.growth / 2**20:.0f} MB")
    assert memory.growth < size / 4, (
        f"the process grew by {memory.growth / 2**20:.0f} MB for a {size / 2**20:.0f} MB upload")
