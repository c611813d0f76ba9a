"""Validation of request parameters and the shapes of products and uploads."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from dashboard.conf import dashboard_settings
from dashboard.ingest import LEVELS
from dashboard.models import Product, Upload
from dashboard.queries import SearchCriteria


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "slug", "description", "owner_team", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class UploadSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True, default=None)
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Upload
        fields = ["id", "filename", "size_bytes", "detected_format", "status", "lines_read", "lines_indexed",
                  "lines_unparsed", "error", "owner", "product", "created_at", "completed_at"]
        read_only_fields = fields


class UploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="A text log file, plain or gzip.")
    product = serializers.SlugRelatedField(
        slug_field="slug", queryset=Product.objects.all(), required=False, allow_null=True,
        help_text="Slug of the product these logs belong to.",
    )


def encode_cursor(sort_values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> tuple:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise serializers.ValidationError("Not a cursor returned by this API (`next_cursor`).") from exc
    if not isinstance(values, list) or not all(isinstance(value, int | float | str) for value in values):
        raise serializers.ValidationError("Not a cursor returned by this API (`next_cursor`).")
    return tuple(values)


class LogFilterSerializer(serializers.Serializer):
    """The filters search and the patterns list share."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    level = serializers.CharField(required=False, allow_blank=True, default="",
                                  help_text="One level or several separated by commas, e.g. ERROR,CRITICAL.")
    source = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    product = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    to = serializers.DateTimeField(required=False, allow_null=True, default=None)
    page = serializers.IntegerField(required=False, min_value=1, default=1)

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


class SearchParamsSerializer(LogFilterSerializer):
    pattern_id = serializers.RegexField(r"^[0-9a-f]{1,16}$", required=False, allow_blank=True, default="",
                                        help_text="Only lines of this pattern (`pattern_id` of a result or of "
                                                  "/api/analytics/patterns).")
    size = serializers.IntegerField(required=False, min_value=1, max_value=dashboard_settings.SEARCH_MAX_SIZE,
                                    default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="`next_cursor` of the previous page, for pages beyond the window.")

    def validate_cursor(self, value: str) -> tuple | None:
        return decode_cursor(value) if value else None

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        offset = (attrs["page"] - 1) * attrs["size"]
        if attrs["cursor"] is None and offset + attrs["size"] > dashboard_settings.SEARCH_MAX_WINDOW:
            raise serializers.ValidationError({"page": (
                f"page {attrs['page']} with size {attrs['size']} goes past the first "
                f"{dashboard_settings.SEARCH_MAX_WINDOW} results; follow `next_cursor` to read deeper."
            )})
        attrs["offset"] = offset
        return attrs

    def to_criteria(self) -> SearchCriteria:
        data = self.validated_data
        return replace(super().to_criteria(), size=data["size"], offset=0 if data["cursor"] else data["offset"],
                       search_after=data["cursor"])


class PatternsParamsSerializer(LogFilterSerializer):
    size = serializers.IntegerField(required=False, min_value=1, max_value=dashboard_settings.SEARCH_MAX_SIZE,
                                    default=20)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        limit = dashboard_settings.PATTERNS_MAX_WINDOW
        if attrs["page"] * attrs["size"] > limit:
            raise serializers.ValidationError({"page": (
                f"page {attrs['page']} with size {attrs['size']} goes past the {limit} most frequent patterns; "
                "narrow the filters instead."
            )})
        return attrs


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class TrendsParamsSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=dashboard_settings.TRENDS_MAX_DAYS,
                                    default=7)
