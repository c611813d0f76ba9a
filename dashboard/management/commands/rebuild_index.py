"""
`manage.py rebuild_index`: copy the lines of an older index version into the current one and move
the alias to it in one step, so a mapping or analysis change reaches lines indexed before it.

Run it once after deploying a new `INDEX_VERSION` and before the web workers start (they would
create the new index empty). Lines uploaded while it copies land in the old index and are not
copied: run it when no upload is in progress, or again (it copies only what is missing).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate_cache_type
from dashboard.client import get_client
from dashboard.conf import dashboard_settings
from dashboard.documents import get_index_template_body


class Command(BaseCommand):
    help = "Copy an older logdash-logs-v<N> index into the current version and point the alias at it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from-version", type=int, default=dashboard_settings.INDEX_VERSION - 1,
                            help="The version to copy from (default: the one before the current).")

    def handle(self, *args, from_version: int, **options) -> None:
        alias, target = dashboard_settings.INDEX_ALIAS, dashboard_settings.index_name
        source = f"{alias}-v{from_version}"
        if source == target:
            raise CommandError(f"--from-version {from_version} is the current version; name an older one.")
        client = get_client()
        if not client.indices.exists(index=source):
            self.stdout.write(f"No index {source}: nothing to copy.")
            return
        client.indices.put_index_template(name=alias, **get_index_template_body())
        if not client.indices.exists(index=target):
            client.indices.create(index=target)  # from the template: the new mapping and analysis
        result = client.reindex(source={"index": source}, dest={"index": target, "op_type": "create"},
                                conflicts="proceed", wait_for_completion=True, refresh=True)
        client.indices.update_aliases(actions=[
            {"remove": {"index": source, "alias": alias}},
            {"add": {"index": target, "alias": alias, "is_write_index": True}},
        ])
        for cache_type in (CacheType.SEARCH, CacheType.ANALYTICS, CacheType.DASHBOARD):
            invalidate_cache_type(cache_type)  # answers computed from the old index's analysis
        self.stdout.write(f"Copied {result.get('created', 0)} lines from {source} into {target} "
                          f"({result.get('version_conflicts', 0)} already there); {alias} now points at {target}. "
                          f"Delete {source} once you are satisfied.")
