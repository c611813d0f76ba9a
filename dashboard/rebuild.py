"""
`rebuild_index`: copy every partition into a new mapping version, then swap the read alias at once.

Each partition `…-v{old}-{day}` is reindexed into `…-v{new}-{day}`, made from the current index
template; an index from before partitions (`…-v1`) is split into daily partitions on the way.
Queries read the old version until one `_aliases` request moves the alias to the new partitions
(no moment shows both or neither); the old ones are then deleted. Run it when no upload is in
flight: lines uploaded during the copy would stay in the old version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from elasticsearch_dsl import A, Search

from dashboard import client
from dashboard.conf import dashboard_settings
from dashboard.documents import get_index_template_body
from dashboard.partitions import Partition, partition_name


class RebuildError(RuntimeError):
    """The copy did not hold every line: the alias was left on the old version."""


@dataclass
class RebuildReport:
    old_version: int | None
    new_version: int
    partitions: list[str] = field(default_factory=list)
    lines: int = 0


def _days_in(index: str) -> list[datetime]:
    """The UTC days an index without a day in its name holds lines of."""
    search = Search(index=index).extra(size=0)
    search.aggs.bucket("days", A("date_histogram", field="@timestamp", calendar_interval="day", time_zone="UTC",
                                 min_doc_count=1))
    response = client.execute(search)
    return [datetime.fromtimestamp(bucket.key / 1000, tz=UTC) for bucket in response.aggregations.days.buckets]


def _copy(source: str, dest: str, query: dict | None = None) -> None:
    client.create_partition(dest, read=False)
    body_source: dict = {"index": source}
    if query:
        body_source["query"] = query
    with client.search_errors():
        client.get_client().options(request_timeout=3600).reindex(
            source=body_source, dest={"index": dest}, refresh=True, wait_for_completion=True)


def rebuild_index(*, version: int | None = None, keep_old: bool = False) -> RebuildReport:
    """Rebuild every partition under a new version; return what was built. Raise `RebuildError` on a short copy."""
    es = client.get_client()
    alias = dashboard_settings.INDEX_ALIAS
    with client.search_errors():
        es.indices.put_index_template(name=alias, **get_index_template_body())
    old: list[Partition] = client.list_partitions()
    old_version = max((p.version for p in old), default=None)
    new_version = version or max(dashboard_settings.INDEX_VERSION, (old_version or 0) + 1)
    if old_version is not None and new_version <= old_version:
        raise RebuildError(f"version {new_version} is not newer than the current version {old_version}; "
                           "pick a larger one (or none, for the next).")
    report = RebuildReport(old_version, new_version)
    made: set[str] = set()
    for partition in old:
        if partition.day is not None:
            dest = partition_name(partition.day, version=new_version)
            _copy(partition.name, dest)
            made.add(dest)
            continue
        for day in _days_in(partition.name):
            dest = partition_name(day.date(), version=new_version)
            end = day + timedelta(days=1)
            _copy(partition.name, dest, {"range": {"@timestamp": {"gte": day.isoformat(), "lt": end.isoformat()}}})
            made.add(dest)
    report.partitions = sorted(made)
    if old:
        copied = client.count(Search(index=",".join(report.partitions))) if made else 0
        held = client.count(Search(index=alias))
        if copied != held:
            raise RebuildError(f"the new version holds {copied} lines, the alias {held}; the alias still reads the "
                               f"old version. Delete {alias}-v{new_version}-* and run rebuild_index again.")
        report.lines = copied
    actions = [{"remove": {"index": p.name, "alias": alias}} for p in old]
    actions += [{"add": {"index": name, "alias": alias}} for name in report.partitions]
    if actions:
        with client.search_errors():
            es.indices.update_aliases(actions=actions)
    if not keep_old:
        client.drop_partitions(p.name for p in old)
    return report
