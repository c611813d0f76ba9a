"""`manage.py rebuild_index`: move every line to a new mapping version (after a change to `LogEntry`)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate
from dashboard.client import SearchUnavailable
from dashboard.rebuild import RebuildError, rebuild_index


class Command(BaseCommand):
    help = ("Reindex every time partition into a new mapping version from the current index template, "
            "then swap the read alias to it in one step and delete the old partitions.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to-version", type=int, dest="to_version",
                            help="The new version number (default: the next one).")
        parser.add_argument("--keep-old", action="store_true", help="Keep the old partitions (off the alias).")

    def handle(self, *args: Any, to_version: int | None = None, keep_old: bool = False, **options: Any) -> None:
        try:
            report = rebuild_index(version=to_version, keep_old=keep_old)
        except (RebuildError, SearchUnavailable) as exc:
            raise CommandError(f"Index not rebuilt: {getattr(exc, 'detail', exc)}") from exc
        # Answers computed from the old version's mapping and analysis (words inside identifiers, say).
        invalidate(types=[CacheType.SEARCH, CacheType.ANALYTICS, CacheType.DASHBOARD])
        self.stdout.write(f"Rebuilt {report.lines} lines from version {report.old_version} into version "
                          f"{report.new_version}: {len(report.partitions)} partitions; the alias reads them now.")
