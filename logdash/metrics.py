"""
`GET /metrics`: Prometheus exposition of the cache, search and ingestion metrics.

Under gunicorn every worker writes its metrics into PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode, turned on by that environment variable; `make run` sets it) and the worker
that answers the scrape sums them; without it the process's own registry is served. The cache's
request counters come from `cacheops.collectors.CacheStatsCollector`, read from Redis at scrape time.

Who may read it (metrics name endpoints and volumes, so they are not public):
- a direct connection from METRICS_ALLOWED_IPS (default loopback only: a Prometheus or an agent on
  the same host). A request that came through a proxy (X-Forwarded-For, X-Real-IP or Forwarded
  present) never qualifies by address: behind nginx every client would look local;
- `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set (Prometheus' `authorization`
  scrape option), from anywhere;
- a logged-in staff user (the admin session), for a person looking.
Anyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from cacheops.collectors import CacheStatsCollector

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Serve every metric in the Prometheus text format (OpenMetrics when the scraper asks for it)."""
    if not may_read_metrics(request):
        return HttpResponse("Forbidden: /metrics is for scrapers on METRICS_ALLOWED_IPS, holders of METRICS_TOKEN "
                            "and staff.\n", status=403, content_type="text/plain")
    encoder, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
    return HttpResponse(encoder(make_registry()), content_type=content_type)


def make_registry() -> CollectorRegistry:
    """Return a registry of every metric: all workers' (multiprocess) or this process's, plus the cache counters."""
    registry = CollectorRegistry()
    # First: it flushes this process's pending cache latencies into the histograms collected next.
    registry.register(CacheStatsCollector())
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(REGISTRY)  # a registry is a collector: serve the default one inside ours
    return registry


def may_read_metrics(request: HttpRequest) -> bool:
    """Apply the access rule of the module docstring."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(request.META.get("HTTP_AUTHORIZATION", "").encode(), f"Bearer {token}".encode()):
        return True
    if any(header in request.META for header in _PROXY_HEADERS):
        return False
    return _is_allowed_address(request.META.get("REMOTE_ADDR", ""))


def _is_allowed_address(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in _allowed_networks(tuple(settings.METRICS_ALLOWED_IPS)))


@lru_cache(maxsize=4)
def _allowed_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS={','.join(entries)!r}: {exc}. Give addresses or networks such as 10.0.0.0/8."
        ) from exc
