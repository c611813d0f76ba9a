"""
One JSON error shape for the whole API.

Every error body is `{"error": code, "detail": message, "fields": {...}}`, where `fields`
(present for validation errors only) maps each bad field to why it was refused.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def _first_message(fields: dict[str, Any]) -> str:
    for name, problems in fields.items():
        problem = problems[0] if isinstance(problems, list) and problems else problems
        if isinstance(problem, dict):
            return _first_message(problem)
        return f"{name}: {problem}" if name != "non_field_errors" else str(problem)
    return "Invalid input."


def json_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: DRF's own handling, reshaped; anything unexpected becomes a JSON 500."""
    # DRF answers Django's Http404 (get_object_or_404) and PermissionDenied through its own
    # exceptions; translate them here too, so their bodies get the same shape and code.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, DatabaseOperationalError):
        # A locked or unreachable database passes: the client should try again, not report a bug.
        logger.warning("The database did not answer in %s: %s", context.get("view").__class__.__name__, exc)
        return Response({"error": "database_unavailable",
                         "detail": f"The database did not answer ({exc}); try again in a few seconds."},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        return Response(
            {"error": "server_error", "detail": "An unexpected error occurred; it has been logged."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        fields = response.data
        response.data = {"error": "invalid", "detail": _first_message(fields), "fields": fields}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"error": "invalid", "detail": " ".join(map(str, response.data))}
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = {"error": "unsupported_media_type", "detail": _unsupported_media_type(exc, context)}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"error": codes if isinstance(codes, str) else "error", "detail": str(exc.detail)}
    return response


def _unsupported_media_type(exc: exceptions.UnsupportedMediaType, context: dict[str, Any]) -> str:
    """DRF's message plus what to send instead: each operation reads one body type."""
    view = context.get("view")
    accepted = [parser.media_type for parser in view.get_parsers()] if view is not None else []
    if not accepted:
        return str(exc.detail)
    return f"{exc.detail} Send the body as {' or '.join(accepted)}."


def json_not_found(request, exception=None) -> JsonResponse:
    return JsonResponse({"error": "not_found", "detail": f"No such page: {request.path}"}, status=404)


def json_server_error(request) -> JsonResponse:
    return JsonResponse(
        {"error": "server_error", "detail": "An unexpected error occurred; it has been logged."}, status=500
    )
