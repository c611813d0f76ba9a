"""
The shapes of the cache API's requests and answers, for the OpenAPI schema (drf-spectacular).

The views build plain dicts; these serializers describe them and never run on a request.
Error responses are declared with a description only: the project's schema class gives them
its error body.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from cacheops.conf import CacheType

CACHE_UNAVAILABLE = OpenApiResponse(description="Redis is unreachable, so nothing was deleted (`cache_unavailable`).")
CACHE_TYPE_PARAMETER = OpenApiParameter(
    "cache_type", str, OpenApiParameter.PATH, enum=[member.value for member in CacheType],
    description="The cache type whose entries are deleted.",
)


class CounterSerializer(serializers.Serializer):
    hits = serializers.IntegerField()
    misses = serializers.IntegerField()
    errors = serializers.IntegerField(help_text="Requests served uncached because Redis failed.")
    stale = serializers.IntegerField(required=False, help_text="Expired entries served while being refreshed.")
    total_requests = serializers.IntegerField()
    hit_rate = serializers.FloatField(help_text="Percent, 2 decimals.")


class BreakerSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="closed, open or half-open.")
    consecutive_failures = serializers.IntegerField()


class CacheStatsSerializer(CounterSerializer):
    is_available = serializers.BooleanField()
    by_type = serializers.DictField(child=CounterSerializer(), help_text="The same counters per cache type.")
    scope = serializers.CharField(help_text="`all processes`, or `this process only` while Redis is unreachable.")
    max_staleness_seconds = serializers.FloatField(help_text="How far behind other processes' counts may be.")
    fill_lock_release_failures = serializers.IntegerField(
        help_text="Fill locks whose release failed (expired under a slow fill, Redis away), every process.")
    circuit_breaker = BreakerSerializer(help_text="This process's breaker.")


class CacheHealthSerializer(serializers.Serializer):
    healthy = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())


class CacheStatsResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    cache_stats = CacheStatsSerializer()
    health = CacheHealthSerializer()
    timestamp = serializers.DateTimeField()


class DeletedSerializer(serializers.Serializer):
    status = serializers.CharField()
    deleted = serializers.IntegerField(help_text="How many keys were removed.")


class InvalidatedTypeSerializer(DeletedSerializer):
    cache_type = serializers.ChoiceField(choices=[member.value for member in CacheType])


class PatternRequestSerializer(serializers.Serializer):
    pattern = serializers.CharField(help_text="A glob on logical keys naming a type, e.g. `cache:search:*`; "
                                              "only `*` and `?`, at most 4.")

    class Meta:
        ref_name = "CachePattern"  # a request body: the schema names it `CachePatternRequest`


class InvalidatedPatternSerializer(DeletedSerializer):
    pattern = serializers.CharField()
