"""
The cache API for operators: stats, and invalidation by type, by pattern, or everything.

Staff only (DRF's IsAdminUser: 401 anonymous, 403 non-staff). `clear-all` is staff too, like
the rest: it deletes nothing but cached copies, so its worst effect is a slower minute, and the
admin page that offers the same button is staff-only as well. Bad input raises ValidationError
naming the field, so the project's exception handler answers 400 with
`{"error": "invalid", "detail": ..., "fields": {...}}`; an unreachable Redis is a 503.
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cacheops.conf import CacheType
from cacheops.exceptions import CacheUnavailable, InvalidPattern
from cacheops.invalidation import clear_all, invalidate_cache_type, invalidate_pattern
from cacheops.openapi import (
    CACHE_TYPE_PARAMETER,
    CACHE_UNAVAILABLE,
    CacheStatsResponseSerializer,
    DeletedSerializer,
    InvalidatedPatternSerializer,
    InvalidatedTypeSerializer,
    PatternRequestSerializer,
)
from cacheops.stats import get_cache_health, get_cache_stats
from logdash.clock import clock


class CacheServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "cache_unavailable"
    default_detail = "Redis is unreachable, so nothing was invalidated; retry when /api/health reports Redis up."


def _deleting(action: Callable[[], int]) -> int:
    try:
        return action()
    except CacheUnavailable as exc:
        raise CacheServiceUnavailable() from exc


class CacheAdminView(APIView):
    permission_classes = [IsAdminUser]


class CacheStatsView(CacheAdminView):
    """Hits, misses and errors of every process, per type, with health flags."""

    @extend_schema(operation_id="getCacheStats", responses=CacheStatsResponseSerializer)
    def get(self, request: Request) -> Response:
        stats = get_cache_stats()
        return Response({
            "status": "success",
            "cache_stats": stats,
            "health": get_cache_health(stats),
            "timestamp": clock.now().isoformat(),
        })


class InvalidateTypeView(CacheAdminView):
    """Delete every cached response of one type."""

    @extend_schema(operation_id="invalidateCacheType", request=None, parameters=[CACHE_TYPE_PARAMETER],
                   responses={200: InvalidatedTypeSerializer, 503: CACHE_UNAVAILABLE})
    def post(self, request: Request, cache_type: str) -> Response:
        try:
            parsed = CacheType.parse(cache_type)
        except ValueError as exc:
            raise ValidationError({"cache_type": [str(exc)]}) from exc
        deleted = _deleting(lambda: invalidate_cache_type(parsed, purge=True, raise_errors=True))
        return Response({"status": "success", "cache_type": parsed.value, "deleted": deleted})


class InvalidatePatternView(CacheAdminView):
    """Delete the cached responses matching `{"pattern": "cache:search:*"}`."""

    @extend_schema(operation_id="invalidateCachePattern", request=PatternRequestSerializer,
                   responses={200: InvalidatedPatternSerializer, 503: CACHE_UNAVAILABLE})
    def post(self, request: Request) -> Response:
        data = request.data
        if not hasattr(data, "get") or data.get("pattern") is None:
            raise ValidationError({"pattern": ['This field is required: send {"pattern": "cache:search:*"}.']})
        pattern = data["pattern"]
        try:
            deleted = _deleting(lambda: invalidate_pattern(pattern, raise_errors=True))
        except InvalidPattern as exc:
            raise ValidationError({"pattern": [str(exc)]}) from exc
        return Response({"status": "success", "pattern": pattern, "deleted": deleted})


class ClearAllView(CacheAdminView):
    """Delete every cached response (`cache:*`); other keys in the same Redis stay."""

    @extend_schema(operation_id="clearCache", request=None, responses={200: DeletedSerializer, 503: CACHE_UNAVAILABLE})
    def post(self, request: Request) -> Response:
        deleted = _deleting(lambda: clear_all(raise_errors=True))
        return Response({"status": "success", "deleted": deleted})
