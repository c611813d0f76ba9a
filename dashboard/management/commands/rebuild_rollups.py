"""`manage.py rebuild_rollups`: recount the dashboard's per-day rollups from the lines in the engine.

Needed after changing TIME_ZONE (rollup days are local days) and once after upgrading, for uploads
made before rollups existed. Run it when no upload is in flight.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dashboard.client import SearchUnavailable
from dashboard.rollups import rebuild_from_lines


class Command(BaseCommand):
    help = "Recount the per-day rollups the dashboard reads from the log lines in the search engine."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = rebuild_from_lines()
        except SearchUnavailable as exc:
            raise CommandError(f"Rollups not rebuilt: {exc.detail}") from exc
        self.stdout.write(f"Rollups: wrote {rows} rows from the lines.")
