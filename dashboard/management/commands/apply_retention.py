"""`manage.py apply_retention`: drop the lines past LOGDASH_RETENTION_DAYS (or a product's retention).

Safe to run at any time and as often as wished (a second run removes nothing); the periodic job
calls the same `dashboard.retention.apply_retention`.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dashboard.client import SearchUnavailable
from dashboard.retention import apply_retention


class Command(BaseCommand):
    help = "Remove the log lines older than the retention (global or per product) and their rollups; print what went."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = apply_retention()
        except SearchUnavailable as exc:
            raise CommandError(f"Retention not applied: {exc.detail}") from exc
        for line in report.lines():
            self.stdout.write(line)
