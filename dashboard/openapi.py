"""
The shapes of the log API's answers, for the OpenAPI schema only.

The read views return the dicts built in `dashboard.reports` (a cache hit serialises nothing),
so these serializers describe those dicts; they never run on a request.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

SEARCH_UNAVAILABLE = OpenApiResponse(
    description="The search engine is unreachable and nothing cached can answer (`search_unavailable`)."
)
PAYLOAD_TOO_LARGE = OpenApiResponse(
    description="The upload is over LOGDASH_UPLOAD_MAX_BYTES (`payload_too_large`)."
)
TOO_MANY_UPLOADS = OpenApiResponse(
    description="The caller already has LOGDASH_UPLOAD_MAX_CONCURRENT_PER_USER uploads in progress "
                "(`too_many_uploads`)."
)


class LogEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    timestamp = serializers.DateTimeField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    host = serializers.CharField()
    process = serializers.CharField()
    product = serializers.CharField()
    message = serializers.CharField(help_text="Cut to LIST_MESSAGE_CHARS characters, ending in \u2026 when cut.")
    truncated = serializers.BooleanField(help_text="The message (or the line it came from) was cut.")
    pattern = serializers.CharField(help_text="The message's template: its variable parts as `<*>`.")
    pattern_id = serializers.CharField(help_text="Stable id of the template: the same event keeps it across "
                                                 "uploads of a product. Filter search with `pattern_id`.")
    upload_id = serializers.IntegerField(allow_null=True)
    line_number = serializers.IntegerField(allow_null=True)
    highlight = serializers.CharField(required=False, help_text="Search only: the message, HTML-escaped, with "
                                                                "the matches in <mark>...</mark>.")


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    total_logs = serializers.IntegerField()
    logs_today = serializers.IntegerField(help_text="Since midnight in `time_zone`.")
    error_logs = serializers.IntegerField(help_text="ERROR and above.")
    logs_by_level = serializers.DictField(child=serializers.IntegerField())
    recent_logs = LogEntrySerializer(many=True, help_text="The 10 most recent.")
    logs_per_day = DayCountSerializer(many=True, help_text="The last 7 days, every day present.")
    files_uploaded = serializers.IntegerField()
    time_zone = serializers.CharField()
    generated_at = serializers.DateTimeField()


class SearchResultsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    size = serializers.IntegerField()
    results = LogEntrySerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for the next page; null at "
                                                                   "the end.")


class ErrorRateDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    total = serializers.IntegerField()
    errors = serializers.IntegerField()
    error_rate = serializers.FloatField(help_text="Percent, 2 decimals.")


class TopErrorSerializer(serializers.Serializer):
    pattern = serializers.CharField(help_text="The template of these lines: variable parts as `<*>`.")
    pattern_id = serializers.CharField()
    count = serializers.IntegerField()
    example = serializers.CharField(help_text="Cut like a log entry's message.")
    source = serializers.CharField()
    last_seen = serializers.DateTimeField(allow_null=True)


class SourceVolumeSerializer(serializers.Serializer):
    source = serializers.CharField()
    count = serializers.IntegerField()


class ProductVolumeSerializer(serializers.Serializer):
    product = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class TrendsSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    time_zone = serializers.CharField()
    total_logs = serializers.IntegerField()
    error_rate_per_day = ErrorRateDaySerializer(many=True)
    top_error_messages = TopErrorSerializer(many=True)
    volume_per_source = SourceVolumeSerializer(many=True)
    volume_per_product = ProductVolumeSerializer(many=True)
    generated_at = serializers.DateTimeField()


class PatternExampleSerializer(serializers.Serializer):
    message = serializers.CharField()
    level = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    timestamp = serializers.DateTimeField(allow_null=True)


class PatternSerializer(serializers.Serializer):
    pattern_id = serializers.CharField(help_text="Stable id; `/api/search?pattern_id=...` lists its lines.")
    pattern = serializers.CharField(help_text="The template: variable parts as `<*>`.")
    product = serializers.CharField(help_text="Product of the example line (empty: none).")
    count = serializers.IntegerField(help_text="Lines of this pattern among those the filters select.")
    first_seen = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    levels = serializers.DictField(child=serializers.IntegerField(), help_text="Lines per level.")
    example = PatternExampleSerializer(help_text="The most recent line of the pattern.")


class PatternsPageSerializer(serializers.Serializer):
    total_lines = serializers.IntegerField(help_text="Lines the filters select, over every pattern.")
    page = serializers.IntegerField()
    size = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = PatternSerializer(many=True, help_text="Most frequent first.")


class UploadStatsSerializer(serializers.Serializer):
    uploads = serializers.IntegerField()
    complete = serializers.IntegerField()
    failed = serializers.IntegerField()
    lines_indexed = serializers.IntegerField()
    last_upload_at = serializers.DateTimeField(allow_null=True)


class UserProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(help_text="Empty when the user has none.")  # one type, not `format: email` | blank
    is_staff = serializers.BooleanField()
    date_joined = serializers.DateTimeField()
    upload_stats = UploadStatsSerializer()
