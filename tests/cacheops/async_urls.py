"""Async Django views under cache_response, served by uvicorn in tests/cacheops/test_async_views.py.

DRF has no async APIView, so these are plain `async def` Django views. `TokenUserMiddleware`
finds the user from a DRF token without blocking the loop (`request.auser`), as an async
project would, so per-user keys name real users.
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.urls import path
from rest_framework.authtoken.models import Token

from cacheops.conf import CacheType
from cacheops.decorators import cache_response

CALLS = {"count": 0}


def _computed(request, **extra) -> dict:
    CALLS["count"] += 1
    return {"call": CALLS["count"], **extra}


class TokenUserMiddleware:
    """`Authorization: Token <key>` names the user, looked up with the async ORM."""

    async_capable, sync_capable = True, False

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    async def __call__(self, request):
        header = request.headers.get("Authorization", "")

        async def auser():
            if not header.startswith("Token "):
                return AnonymousUser()
            token = await Token.objects.select_related("user").filter(key=header[6:]).afirst()
            return token.user if token else AnonymousUser()

        request.auser = auser
        return await self.get_response(request)


@cache_response(CacheType.DASHBOARD, query_params=("x",))
async def shared(request):
    return JsonResponse(_computed(request, x=request.GET.get("x", "")))


@cache_response(CacheType.USER, per_user=True, query_params=(), scopes=lambda request: [f"user:{request.user.pk}"])
async def mine(request):
    return JsonResponse(_computed(request, user=request.user.get_username()))


@cache_response(CacheType.SEARCH, query_params=())
async def varies(request):
    """Forgot per_user: its answer names the caller and says Vary: Authorization."""
    response = JsonResponse(_computed(request, authorization=request.headers.get("Authorization", "")))
    response["Vary"] = "Authorization"
    return response


urlpatterns = [
    path("async/shared", shared),
    path("async/mine", mine),
    path("async/varies", varies),
]
