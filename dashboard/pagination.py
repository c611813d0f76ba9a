"""
One way to page every list of the API: `?size=<n>&cursor=<token>` in, `{results, next_cursor}` out.

The token is opaque and travels in the body, never as a URL: a URL built from the request's Host
header points at the wrong place behind a proxy, and a client should not have to parse one. A
client pages by sending `next_cursor` back unchanged as `cursor` until it is null. Lists may carry
more fields beside those two (search's `total`, the patterns' `total_lines`).

Tokens are base64 (URL-safe) of a JSON list of integers: search puts the sort values of the page's
last hit there (the engine's `search_after`), the patterns list its offset, and the database lists
DRF's cursor (position and offset) in `CursorPage`. A token that is not one of ours is a 400 naming
`cursor`, decided before anything is queried.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib import parse

from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response

CURSOR_PARAM = "cursor"
CURSOR_MAX_CHARS = 200
NOT_A_CURSOR = "Not a cursor returned by this API: pass `next_cursor` of the previous page unchanged."
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def encode_token(values: list[int]) -> str:
    """The opaque `next_cursor` for these integers."""
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a cursor holds")


def decode_token(token: str, length: int) -> tuple[int, ...]:
    """The `length` 64-bit integers in `token`, exactly as `encode_token` wrote them, else a ValidationError."""
    if len(token) > CURSOR_MAX_CHARS:
        raise serializers.ValidationError(NOT_A_CURSOR)
    try:
        values = json.loads(base64.urlsafe_b64decode(token.encode("ascii")), parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise serializers.ValidationError(NOT_A_CURSOR) from exc
    if not (isinstance(values, list) and len(values) == length
            and all(type(value) is int and _LONG_MIN <= value <= _LONG_MAX for value in values)):
        raise serializers.ValidationError(NOT_A_CURSOR)
    return tuple(values)


def cursor_field() -> serializers.CharField:
    """The `cursor` query parameter every list declares."""
    return serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="`next_cursor` of the previous page, unchanged; omit for the first page.")


def next_cursor_field() -> serializers.CharField:
    """The `next_cursor` every page answers."""
    return serializers.CharField(allow_null=True,
                                 help_text="Send as `cursor` for the next page; null on the last page.")


class CursorPage(CursorPagination):
    """
    DRF's cursor pagination (stable under inserts, no COUNT query) for the database lists, with the
    cursor in the body as a token instead of absolute `next`/`previous` URLs. Subclasses set `ordering`.
    """

    page_size = 50
    page_size_query_param = "size"
    max_page_size = 200
    cursor_query_param = CURSOR_PARAM

    def paginate_queryset(self, queryset, request, view=None):
        size = request.query_params.get(self.page_size_query_param)
        if size not in (None, "") and not (size.isdigit() and 1 <= int(size) <= self.max_page_size):
            raise ValidationError({"size": [f"{size[:40]!r} is not a page size: give a whole number from 1 to "
                                            f"{self.max_page_size}."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:  # DRF's answer to a cursor it cannot read: bad input, so a 400 naming it
            raise ValidationError({CURSOR_PARAM: [NOT_A_CURSOR]}) from exc

    def decode_cursor(self, request) -> Cursor | None:
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        if len(token) > CURSOR_MAX_CHARS:
            raise NotFound(NOT_A_CURSOR)
        return super().decode_cursor(request)

    def encode_cursor(self, cursor: Cursor) -> str:
        """The token alone (DRF would return the whole URL): the same query string DRF encodes, base64."""
        tokens = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        return base64.b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")

    def get_paginated_response(self, data) -> Response:
        return Response({"results": data, "next_cursor": self.get_next_link()})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results", "next_cursor"],
            "properties": {
                "results": schema,
                "next_cursor": {"type": "string", "nullable": True,
                                "description": "Send as `cursor` for the next page; null on the last page."},
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "`next_cursor` of the previous page, unchanged; omit for the first page.",
             "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Items per page, 1 to {self.max_page_size} (default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]


class NewestFirst(CursorPage):
    ordering = ("-created_at", "-id")


class ByName(CursorPage):
    ordering = ("name",)
