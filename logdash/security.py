"""
The brute-force protection's client address and its answer to a locked-out login.

django-axes calls `lockout_response` (AXES_LOCKOUT_CALLABLE) once a username and address pair has
failed AXES_FAILURE_LIMIT times, on the token view, /login/ and the admin alike, and `client_ip`
(AXES_CLIENT_IP_CALLABLE) to learn the address: the same one DRF's throttle keys on (NUM_PROXIES).
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


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or behind LOGDASH_TRUSTED_PROXIES proxies the forwarded one.

    Each trusted proxy appends the address it got the request from to X-Forwarded-For, so the entry
    LOGDASH_TRUSTED_PROXIES from the right is the client as our outermost proxy saw it; entries to its
    left are whatever the client wrote. This is DRF's `get_ident` rule, so lockouts and throttling agree.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = settings.LOGDASH_TRUSTED_PROXIES
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote
