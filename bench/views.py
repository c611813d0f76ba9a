"""The views compared: the floor, our cache_response, drf-extensions, cache_page, and the real dashboard uncached."""

from __future__ import annotations

import time
import zlib

from django.http import HttpResponse
from django_redis import get_redis_connection
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_extensions.cache.decorators import cache_response as drf_extensions_cache_response

from cacheops.conf import CacheType
from cacheops.decorators import cache_response
from dashboard.views import DashboardView
from logdash.authentication import CachedTokenAuthentication

FLOOR_KEY = "bench:floor"


def make_payload() -> dict:
    """About 8 KB of JSON shaped like the dashboard's recent logs."""
    entries = [
        {"id": f"{upload}-{line}", "timestamp": f"2026-11-28T09:{line % 60:02d}:00+00:00", "level": "ERROR",
         "source": "api", "host": "api-2", "process": str(4000 + line), "product": "billing",
         "message": f"payment provider returned 502 for order {98000 + line}", "upload_id": upload,
         "line_number": line}
        for upload in (1, 2) for line in range(16)
    ]
    return {"total_logs": 30000, "logs_today": 812, "error_logs": 2950, "recent_logs": entries}


PAYLOAD = make_payload()


# As long as the reference design's uncached dashboard took.
SLOW_MISS_SECONDS = 0.6


class _Open(APIView):
    """No authentication or permission work: every variant pays the same DRF dispatch and nothing more."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def floor(request):
    """The physical limit of a hit: one Redis GET, one zlib decompress, the bytes."""
    body = zlib.decompress(get_redis_connection("default").get(FLOOR_KEY))
    return HttpResponse(body, content_type="application/json")


class DrfFloor(_Open):
    """The floor behind APIView's dispatch: what any DRF view pays before a cache decorator runs."""

    def get(self, request):
        return floor(request)


class Ours(_Open):
    @cache_response(CacheType.DASHBOARD, query_params=())
    def get(self, request):
        return Response(PAYLOAD)


class OursTokenDatabase(APIView):
    """Ours behind `Authorization: Token`, read from the database on every request (DRF's TokenAuthentication)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @cache_response(CacheType.DASHBOARD, query_params=(), shared=True)
    def get(self, request):
        return Response(PAYLOAD)


class OursTokenCached(OursTokenDatabase):
    """The same with logdash's token table (logdash/authentication.py), what the API uses."""

    authentication_classes = [CachedTokenAuthentication]

    @cache_response(CacheType.DASHBOARD, query_params=(), shared=True)
    def get(self, request):
        return Response(PAYLOAD)


class SlowMiss(_Open):
    """A miss that waits on a slow search engine: what sits in a worker while hits queue behind it."""

    def get(self, request):
        time.sleep(SLOW_MISS_SECONDS)
        return Response(PAYLOAD)


class DrfExtensions(_Open):
    @drf_extensions_cache_response(timeout=300)
    def get(self, request):
        return Response(PAYLOAD)


class Plain(_Open):
    """Wrapped by Django's cache_page in bench/urls.py."""

    def get(self, request):
        return Response(PAYLOAD)


class UncachedDashboard(DashboardView, _Open):
    """The real /api/dashboard with the cache taken off: what every miss costs."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    get = DashboardView.get.__wrapped__
