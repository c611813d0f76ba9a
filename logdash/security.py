"""
Answers of the brute-force protection: a locked-out login gets the API's JSON error shape.

django-axes calls `lockout_response` (AXES_LOCKOUT_CALLABLE) once a username and address pair has
failed AXES_FAILURE_LIMIT times, on the token view, /login/ and the admin alike.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> JsonResponse:
    """429 with `{"error": "locked_out", "detail": ...}` and a Retry-After in seconds."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = JsonResponse({
        "error": "locked_out",
        "detail": (f"Too many failed logins for this account from this address ({settings.AXES_FAILURE_LIMIT}); "
                   f"try again in {max(1, seconds // 60)} minutes."),
    }, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
