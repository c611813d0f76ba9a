"""`manage.py recover_uploads`: finish what a stopped server or worker left behind.

- an upload left `processing` by a process that ingested it in place (`ingest_logs`) is marked failed
  and its lines removed;
- an upload whose job still waits in storage (`queued`, or `processing` by a worker that died) has its
  job sent again: a job delivered twice runs once (dashboard/jobs.py), so this is safe while workers run;
- a stored file that no upload names (its web process was killed while storing it) is deleted once older
  than UPLOAD_STALE_SECONDS.

Run it when the app starts (`make run` does, before serving).
"""

from typing import Any

from django.core.management.base import BaseCommand

from dashboard.exceptions import SearchUnavailable
from dashboard.indexing import mark_interrupted_uploads
from dashboard.stored_files import remove_orphaned_files
from dashboard.submission import BrokerUnavailable, requeue_waiting_jobs


class Command(BaseCommand):
    help = ("Mark uploads interrupted by a stopped server as failed, delete stored files no upload names, and "
            "send again the jobs of stored uploads.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = mark_interrupted_uploads()
        except SearchUnavailable as exc:
            self.stderr.write(f"Uploads not recovered: {exc.detail}")
            count = 0
        if count:
            self.stdout.write(f"Uploads: marked {count} interrupted uploads as failed.")
        try:
            orphans = remove_orphaned_files()
        except Exception as exc:  # any storage's own error: the app must still start
            self.stderr.write(f"Stored files not swept: {exc}. They are swept at the next start.")
            orphans = 0
        if orphans:
            self.stdout.write(f"Uploads: deleted {orphans} stored files that no upload names.")
        try:
            requeued = requeue_waiting_jobs()
        except BrokerUnavailable as exc:
            self.stderr.write(f"Jobs not sent again: {exc}")
            return
        if requeued:
            self.stdout.write(f"Uploads: sent the jobs of {requeued} stored uploads again.")
