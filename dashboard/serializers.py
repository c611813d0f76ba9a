"""Validation of request parameters and the shapes of products and uploads."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from dashboard import queries
from dashboard.conf import dashboard_settings
from dashboard.ingest import LEVELS
from dashboard.models import LogFormat, Product, Upload
from dashboard.pagination import NOT_A_CURSOR, cursor_field, decode_token, encode_token
from dashboard.queries import SearchCriteria


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "slug", "description", "owner_team", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class CurrentUserSerializer(serializers.Serializer):
    """Who is calling: `GET /api/user/me` and the `user` of the token reply."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="get_username", read_only=True)
    # One type, not EmailField: a blank-allowing email is `oneOf` in the schema, `(string | string)` in TypeScript.
    email = serializers.CharField(read_only=True, help_text="Empty when the user has none.")
    is_staff = serializers.BooleanField(read_only=True, help_text="May write products and formats and run the "
                                                                  "cache operations: show the staff controls.")

    class Meta:
        ref_name = "CurrentUser"


# The honest report of an upload: what was asked, what was decided, how much of the file was read.
REPORT_FIELDS = ["requested_format", "timezone", "layout_description", "layout_pattern", "timestamp_share",
                 "level_share", "unmatched_lines"]


class UploadSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True, default=None, allow_null=True)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Upload
        fields = ["id", "filename", "size_bytes", "detected_format", "status", "lines_read", "lines_indexed",
                  "lines_unparsed", "lines_future", "lines_expired", "error", "owner", "product", "created_at",
                  "completed_at", *REPORT_FIELDS]
        read_only_fields = fields


class UploadJobSerializer(UploadSerializer):
    """An upload and its job's progress: the answer of POST /api/upload and GET /api/uploads/<id>."""

    upload_id = serializers.IntegerField(source="pk", read_only=True, help_text="The same as `id`.")
    url = serializers.SerializerMethodField(help_text="Where to follow the job: GET it until `status` is "
                                                      "complete or failed.")
    percent = serializers.SerializerMethodField(help_text="Share of the file's bytes read, 0 to 100.")
    lines_per_second = serializers.SerializerMethodField(help_text="Lines read per second since the job started.")

    class Meta(UploadSerializer.Meta):
        fields = ["id", "upload_id", "url", "filename", "status", "size_bytes", "bytes_read", "percent",
                  "lines_read", "lines_indexed", "lines_unparsed", "lines_future", "lines_expired", "lines_per_second",
                  "detected_format", "error", "error_code", "attempts", "owner", "product", "created_at",
                  "started_at", "progress_at", "completed_at", *REPORT_FIELDS]
        read_only_fields = fields

    def get_url(self, upload: Upload) -> str:
        from django.urls import reverse

        path = reverse("upload-detail", kwargs={"pk": upload.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_percent(self, upload: Upload) -> float:
        if upload.status == Upload.Status.COMPLETE:
            return 100.0
        if upload.size_bytes <= 0:
            return 0.0
        share = min(100.0, 100.0 * upload.bytes_read / upload.size_bytes)
        # Read to the end is not done yet: the last batch is still being indexed.
        return round(min(share, 99.9) if upload.status == Upload.Status.PROCESSING else share, 1)

    def get_lines_per_second(self, upload: Upload) -> float | None:
        end = upload.completed_at or upload.progress_at
        if not (upload.started_at and end) or end <= upload.started_at:
            return None
        return round(upload.lines_read / (end - upload.started_at).total_seconds(), 1)


class UploadWaitSerializer(serializers.Serializer):
    """The query of POST /api/upload."""

    wait = serializers.FloatField(required=False, min_value=0, max_value=3600,
                                  help_text="Seconds to wait for the job to end (at most UPLOAD_MAX_WAIT_SECONDS): "
                                            "the summary then comes in the answer (201), else it is a 202.")


class UploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="A text log file, plain or gzip.")
    product = serializers.SlugRelatedField(
        slug_field="slug", queryset=Product.objects.all(), required=False, allow_null=True,
        help_text="Slug of the product these logs belong to.",
    )
    format = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                   help_text="Name of a declared or named format to use instead of detecting one.")
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64, default="",
                                     help_text="IANA zone (e.g. Europe/Paris) of times written without one.")

    class Meta:
        ref_name = "UploadLog"  # a request body: the schema names it `UploadLogRequest`, as its operation

    def validate(self, attrs: dict) -> dict:
        from dashboard.ingest.formats.declared import FormatDeclarationError
        from dashboard.log_formats import parse_options

        try:
            attrs["options"] = parse_options(attrs.get("format", ""), attrs.get("timezone", ""))
        except FormatDeclarationError as exc:
            field = "timezone" if exc.field == "timezone" else "format"
            raise serializers.ValidationError({field: [str(exc)]}) from exc
        return attrs


class LogFormatSerializer(serializers.ModelSerializer):
    """A declared format; refused (400) when it does not compile or does not read its example."""

    class Meta:
        model = LogFormat
        fields = ["id", "name", "pattern", "timestamp_layout", "timezone", "example", "description", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        from dashboard.ingest.formats.declared import FormatDeclarationError

        merged = {field: getattr(self.instance, field) for field in self.Meta.fields if self.instance}
        merged.update(attrs)
        candidate = LogFormat(**{key: merged.get(key, "") for key in
                                 ("name", "pattern", "timestamp_layout", "timezone", "example")})
        try:
            candidate.compile().check(candidate.example)
        except FormatDeclarationError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        return attrs


# A search cursor is the sort values of a page's last hit (queries.SORT_NEWEST_FIRST): the timestamp in
# epoch milliseconds, the upload id and the line number, each a 64-bit integer. Anything else is refused
# (dashboard.pagination): the engine answered a tampered one (`[1]`, `[NaN,1,1]`) with an error that became a 503.
CURSOR_LENGTH = len(queries.SORT_NEWEST_FIRST)


def encode_cursor(sort_values: list) -> str:
    return encode_token(sort_values)


def decode_cursor(cursor: str) -> tuple[int, ...]:
    """The sort values in `cursor`, checked to be exactly what `encode_cursor` makes of a page's last hit."""
    return decode_token(cursor, CURSOR_LENGTH)


class LogFilterSerializer(serializers.Serializer):
    """The filters search and the patterns list share."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    level = serializers.CharField(required=False, allow_blank=True, default="",
                                  help_text="One level or several separated by commas, e.g. ERROR,CRITICAL.")
    source = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    product = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    to = serializers.DateTimeField(required=False, allow_null=True, default=None)
    cursor = cursor_field()

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so the field is added by name.
        fields["from"] = serializers.DateTimeField(required=False, allow_null=True, default=None)
        return fields

    def validate_level(self, value: str) -> tuple[str, ...]:
        levels = tuple(dict.fromkeys(part.strip().upper() for part in value.split(",") if part.strip()))
        unknown = [level for level in levels if level not in LEVELS]
        if unknown:
            raise serializers.ValidationError(f"Unknown level {unknown[0]!r}; use one of {', '.join(LEVELS)}.")
        return levels

    def validate(self, attrs: dict) -> dict:
        date_from, date_to = attrs.get("from"), attrs.get("to")
        if date_from and date_to and date_from > date_to:
            raise serializers.ValidationError({"from": f"`from` ({date_from.isoformat()}) is after `to` "
                                                       f"({date_to.isoformat()})."})
        return attrs

    def to_criteria(self) -> SearchCriteria:
        data = self.validated_data
        return SearchCriteria(
            q=data["q"].strip(), level=data["level"], source=data["source"], product=data["product"],
            date_from=_aware(data.get("from")), date_to=_aware(data.get("to")),
            pattern_id=data.get("pattern_id", ""),
        )


_PATTERN_ID = re.compile(r"[0-9a-f]{1,16}")


class SettingBoundedIntegerField(serializers.IntegerField):
    """An integer whose largest value is a dashboard setting, read for each serializer, never frozen at import.

    DRF copies a serializer's declared fields for every instance by calling the constructor again,
    so the bound is the setting's value when the request is validated (and when the schema is built).
    """

    def __init__(self, *, max_setting: str, **kwargs: Any) -> None:
        super().__init__(max_value=getattr(dashboard_settings, max_setting), **kwargs)


class SearchParamsSerializer(LogFilterSerializer):
    # A CharField checked in validate_pattern_id, not a RegexField: a pattern on a field that may be blank
    # becomes `oneOf: [string with pattern, empty string]` in the schema, `(string | string)` in TypeScript.
    pattern_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=16,
                                       help_text="Only lines of this pattern (`pattern_id` of a result or of "
                                                 "/api/analytics/patterns): up to 16 hex digits.")
    size = SettingBoundedIntegerField(max_setting="SEARCH_MAX_SIZE", required=False, min_value=1, default=20)

    def validate_pattern_id(self, value: str) -> str:
        if value and not _PATTERN_ID.fullmatch(value):
            raise serializers.ValidationError("A pattern id is up to 16 hex digits (0-9, a-f), as `pattern_id` "
                                              "of a result or of /api/analytics/patterns.")
        return value

    def validate_cursor(self, value: str) -> tuple | None:
        return decode_cursor(value) if value else None

    def to_criteria(self) -> SearchCriteria:
        data = self.validated_data
        return replace(super().to_criteria(), size=data["size"], offset=0, search_after=data["cursor"])


class PatternsParamsSerializer(LogFilterSerializer):
    size = SettingBoundedIntegerField(max_setting="SEARCH_MAX_SIZE", required=False, min_value=1, default=20)

    def validate_cursor(self, value: str) -> int:
        """A patterns cursor is the offset of the page's first pattern."""
        if not value:
            return 0
        (offset,) = decode_token(value, 1)
        if offset < 0:
            raise serializers.ValidationError(NOT_A_CURSOR)
        return offset

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        limit = dashboard_settings.PATTERNS_MAX_WINDOW
        if attrs["cursor"] + attrs["size"] > limit:
            raise serializers.ValidationError({"cursor": (
                f"This page ends past the {limit} most frequent patterns; narrow the filters instead."
            )})
        return attrs


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class TrendsParamsSerializer(serializers.Serializer):
    days = SettingBoundedIntegerField(max_setting="TRENDS_MAX_DAYS", required=False, min_value=1, default=7)
