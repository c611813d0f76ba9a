"""`manage.py recover_uploads`: mark uploads a dead process left `processing` as failed, removing their lines.

Run it when the app starts and no upload can be in flight (`make run` does, before serving).
"""

from typing import Any

from django.core.management.base import BaseCommand

from dashboard.exceptions import SearchUnavailable
from dashboard.indexing import mark_interrupted_uploads


class Command(BaseCommand):
    help = "Mark uploads interrupted by a stopped server as failed and remove their partial lines."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = mark_interrupted_uploads()
        except SearchUnavailable as exc:
            self.stderr.write(f"Uploads not recovered: {exc.detail}")
            return
        if count:
            self.stdout.write(f"Uploads: marked {count} interrupted uploads as failed.")
