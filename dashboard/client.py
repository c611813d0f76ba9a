"""
The one module that talks to the search engine.

It builds the Elasticsearch client from settings on first use, switches it to plain
`application/json` for osmem through the transport's node class, and translates errors:
an unreachable, overloaded or failing engine (transport errors, 429, 5xx) is
`SearchUnavailable` (try again later); an engine that refuses a request (any other 4xx) is
`SearchRefused`, logged with the engine's reason, because every query is built here and
validated input never makes a bad one. Both are `dashboard.exceptions`, not HTTP answers:
views map them (503 `search_unavailable`, 500 `search_refused`) without the engine's text.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from elastic_transport import ApiError, TransportError, Urllib3HttpNode
from elasticsearch import Elasticsearch, helpers
from elasticsearch import exceptions as es_exceptions
from elasticsearch_dsl import Search
from elasticsearch_dsl.response import Response

from dashboard.conf import dashboard_settings
from dashboard.documents import get_index_template_body
from dashboard.exceptions import SearchRefused, SearchUnavailable
from dashboard.metrics import timed_search_query
from dashboard.partitions import Partition, covering, parse_partition, partition_name, utc_day
from logdash.clock import clock

logger = logging.getLogger(__name__)

_COMPATIBLE_MIMETYPE = re.compile(r"application/vnd\.elasticsearch\+([\w-]+);\s*compatible-with=\d+")
_client: Elasticsearch | None = None
_client_lock = threading.Lock()


class PlainJsonNode(Urllib3HttpNode):
    """A node that sends plain `application/json`, for OpenSearch-compatible engines such as osmem.

    The elasticsearch 8 client always asks for `compatible-with=8` media types, which osmem
    refuses with 406 on requests with a body.
    """

    def perform_request(self, method: str, target: str, body: bytes | None = None, headers: Any = None, **kwargs: Any):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if headers.get(name):
                    headers[name] = _COMPATIBLE_MIMETYPE.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)


def parse_hosts(url: str) -> list[str]:
    """ELASTICSEARCH_URL as a list of node URLs: one URL or a comma-separated list (checked in settings.py)."""
    return [host.strip() for host in url.split(",") if host.strip()]


def make_client(url: str, *, flavor: str, timeout: float, max_retries: int = 1, retry_on_timeout: bool = False,
                **options: Any) -> Elasticsearch:
    """Build a client for the node(s) in `url`; `flavor` 'osmem' switches to the plain-JSON node class.

    With several nodes the transport sends each request to the next live node (round robin) and
    retries a failed one (connection error, a 502/503/504, a timeout with `retry_on_timeout`) on
    another, up to `max_retries` times; a failed node rests for `dead_node_backoff_factor` seconds,
    doubling, before it is tried again. `options` are the Elasticsearch client's own (api_key,
    ca_certs, sniff_on_start...).
    """
    options.update(request_timeout=timeout, max_retries=max_retries, retry_on_timeout=retry_on_timeout)
    if flavor == "osmem":
        options["node_class"] = PlainJsonNode
    return Elasticsearch(parse_hosts(url), **options)


def client_options() -> dict[str, Any]:
    """The production options of the client, from settings (docs/scaling.md)."""
    options: dict[str, Any] = {
        "max_retries": dashboard_settings.ELASTICSEARCH_MAX_RETRIES,
        "retry_on_timeout": dashboard_settings.ELASTICSEARCH_RETRY_ON_TIMEOUT,
        "dead_node_backoff_factor": dashboard_settings.ELASTICSEARCH_DEAD_NODE_BACKOFF,
    }
    if dashboard_settings.ELASTICSEARCH_API_KEY:
        options["api_key"] = dashboard_settings.ELASTICSEARCH_API_KEY
    if dashboard_settings.ELASTICSEARCH_CA_CERTS:
        options["ca_certs"] = dashboard_settings.ELASTICSEARCH_CA_CERTS
    if not dashboard_settings.ELASTICSEARCH_VERIFY_CERTS:
        options["verify_certs"] = False
    if dashboard_settings.ELASTICSEARCH_SNIFF_ON_START:
        options["sniff_on_start"] = True
    if dashboard_settings.ELASTICSEARCH_SNIFF_ON_NODE_FAILURE:
        options["sniff_on_node_failure"] = True
    return options


def get_client() -> Elasticsearch:
    """Return the process-wide client, built from settings on first use."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                if not dashboard_settings.ELASTICSEARCH_URL:
                    raise SearchUnavailable("no search engine is configured: set ELASTICSEARCH_URL")
                _client = make_client(
                    dashboard_settings.ELASTICSEARCH_URL,
                    flavor=dashboard_settings.ELASTICSEARCH_FLAVOR,
                    timeout=float(dashboard_settings.ELASTICSEARCH_TIMEOUT),
                    **client_options(),
                )
    return _client


def reset_client() -> None:
    """Forget the client so the next call builds one from the current settings."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
        _client = None


@receiver(setting_changed)
def _reset_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("ELASTICSEARCH_"):
        reset_client()


@contextmanager
def search_errors() -> Iterator[None]:
    """Translate transport and engine errors into `SearchUnavailable`, logging the original."""
    try:
        yield
    except (TransportError, ConnectionError) as exc:
        logger.error("[SEARCH ERROR] search engine unreachable: %s", exc)
        raise SearchUnavailable(f"search engine unreachable: {exc}") from exc
    except es_exceptions.NotFoundError:
        raise
    except ApiError as exc:
        if 400 <= exc.status_code < 500 and exc.status_code not in (408, 429):
            logger.error("[SEARCH ERROR] search engine refused a request (%s, our bug): %s", exc.status_code, exc)
            raise SearchRefused(f"search engine refused a request ({exc.status_code}): {exc}") from exc
        logger.error("[SEARCH ERROR] search engine failed to answer (%s): %s", exc.status_code, exc)
        raise SearchUnavailable(f"search engine failed to answer ({exc.status_code}): {exc}") from exc


def ping() -> tuple[bool, str]:
    """Tell whether the search engine answers, with a short reason when it does not."""
    if not dashboard_settings.ELASTICSEARCH_URL:
        return False, "not configured: set ELASTICSEARCH_URL"
    try:
        get_client().options(request_timeout=2).info()
    except (TransportError, ApiError, ConnectionError) as exc:
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok"


def execute(search: Search) -> Response:
    """Run a `Search` built by `dashboard.queries`; errors become `SearchUnavailable`.

    On an engine that has no index yet (nothing uploaded), the index is created and the
    search answers empty rather than 404.
    """
    with timed_search_query(), search_errors():
        try:
            return search.using(get_client()).execute()
        except es_exceptions.NotFoundError:
            ensure_index()
            return search.using(get_client()).execute()


def ensure_index() -> str:
    """Create the index template, and a first partition behind the alias if it has none; return the alias.

    Every partition is made from the template, so a field added to it reaches the partitions made
    after; existing partitions learn it here (adding fields is allowed).
    """
    client = get_client()
    alias = dashboard_settings.INDEX_ALIAS
    with search_errors():
        client.indices.put_index_template(name=alias, **get_index_template_body())
        existing = list_partitions()
        if not existing:
            create_partition(partition_name(utc_day(clock.now()), version=dashboard_settings.INDEX_VERSION))
        else:
            client.indices.put_mapping(index=alias, **get_index_template_body()["template"]["mappings"])
    return alias


def list_partitions() -> list[Partition]:
    """The partitions behind the read alias (none before the first upload)."""
    with search_errors():
        try:
            names = get_client().indices.get_alias(name=dashboard_settings.INDEX_ALIAS).body
        except es_exceptions.NotFoundError:
            return []
    return [partition for partition in map(parse_partition, names) if partition is not None]


def create_partition(name: str, *, read: bool = True) -> None:
    """Create a partition from the template, behind the read alias unless `read` is False; existing is fine."""
    aliases = {dashboard_settings.INDEX_ALIAS: {}} if read else {}
    with search_errors():
        try:
            get_client().indices.create(index=name, aliases=aliases)
        except es_exceptions.BadRequestError as exc:
            if "already_exists" not in str(exc) and "already exists" not in str(exc):
                raise


class PartitionRouter:
    """Names the partition of each line of one upload, creating partitions (behind the alias) on first use.

    The lines go to the version the alias reads now (the newest behind it), so after
    `rebuild_index` swapped the alias, uploads write the new version.
    """

    def __init__(self) -> None:
        partitions = list_partitions()
        self.version = max((p.version for p in partitions), default=dashboard_settings.INDEX_VERSION)
        self._ready = {p.name for p in partitions}

    def index_for(self, moment: datetime) -> str:
        name = partition_name(utc_day(moment), version=self.version)
        if name not in self._ready:
            create_partition(name)
            self._ready.add(name)
        return name


def within(search: Search, start: datetime | None, end: datetime | None) -> Search:
    """`search` restricted to the partitions that may hold lines from `start` to `end` (exclusive).

    With no partition in range the alias is kept: the query's own time filter then answers empty.
    """
    if start is None and end is None:
        return search
    names = covering(list_partitions(), start, end)
    return search.index().index(*names) if names else search


def drop_partitions(names: Iterable[str]) -> None:
    """Delete whole partitions (retention, or the old version after `rebuild_index`)."""
    names = list(names)
    with search_errors():
        for start in range(0, len(names), 50):  # keep the request line short
            get_client().indices.delete(index=",".join(names[start:start + 50]), ignore_unavailable=True)


def document_count() -> int:
    """How many lines the engine holds, across every partition."""
    return count(Search(index=dashboard_settings.INDEX_ALIAS).extra(track_total_hits=True))


def bulk_index(documents: Iterable[dict[str, Any]], *, chunk_size: int) -> int:
    """Index `documents` (each with `_id` and `_source`) in bulk requests; return how many were indexed.

    A document without `_index` goes to the partition of its `@timestamp` (now, if it has none).
    Any document the engine refuses fails the whole call, so a caller can roll back.
    """
    router: PartitionRouter | None = None

    def routed(document: dict[str, Any]) -> dict[str, Any]:
        nonlocal router
        if "_index" in document:
            return document
        router = router or PartitionRouter()
        stamp = document["_source"].get("@timestamp")
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else clock.now()
        return {"_index": router.index_for(moment), **document}

    actions = (routed(document) for document in documents)
    with search_errors():
        try:
            indexed, _ = helpers.bulk(get_client().options(request_timeout=bulk_timeout()), actions,
                                      chunk_size=chunk_size, max_chunk_bytes=20 * 1024 * 1024)
        except helpers.BulkIndexError as exc:
            first = exc.errors[0] if exc.errors else {}
            statuses = {item.get("status", 500) for error in exc.errors for item in error.values()
                        if isinstance(item, dict)}
            if statuses and all(400 <= code < 500 and code != 429 for code in statuses):
                # Every field of a document is typed by us: a refused document is our bug, not an outage.
                logger.error("[SEARCH ERROR] search engine refused %d log lines (our bug); first: %s",
                             len(exc.errors), first)
                raise SearchRefused(f"search engine refused {len(exc.errors)} log lines; first: {first}") from exc
            raise SearchUnavailable(f"search engine did not index {len(exc.errors)} log lines; first: {first}") from exc
    return indexed


def bulk_timeout() -> float:
    """The seconds one bulk request may take (ELASTICSEARCH_BULK_TIMEOUT), never less than a query's."""
    return max(float(dashboard_settings.ELASTICSEARCH_BULK_TIMEOUT), float(dashboard_settings.ELASTICSEARCH_TIMEOUT))


def delete_matching(search: Search) -> int:
    """Delete every document `search` matches; return how many."""
    with search_errors():
        response = search.using(get_client()).params(refresh=True, conflicts="proceed").delete()
    return int(response.to_dict().get("deleted", 0))


def count(search: Search) -> int:
    """How many documents `search` matches (0 when there is no index yet)."""
    with search_errors():
        try:
            return int(search.using(get_client()).count())
        except es_exceptions.NotFoundError:
            return 0


def fetch_lines(search: Search, *, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many lines `search` selects, and the sources of up to `limit` of them (none when there are more)."""
    response = execute(search.extra(size=0))
    total = response.hits.total.value
    if total == 0 or total > limit:
        return total, []
    return total, [hit.to_dict() for hit in execute(search[:limit])]


def refresh() -> None:
    """Make what was just indexed visible to searches."""
    with search_errors():
        get_client().indices.refresh(index=dashboard_settings.INDEX_ALIAS)
