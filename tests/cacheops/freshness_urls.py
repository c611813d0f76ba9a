"""A slow view that counts its computations and can be told to fail: for stampede and stale tests."""

from __future__ import annotations

import threading
import time

from django.urls import path
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cacheops.conf import CacheType
from cacheops.decorators import cache_response


class Backend:
    """What the slow view depends on: how long it takes, whether it fails, how often it ran."""

    lock = threading.Lock()
    computations = 0
    delay = 0.0
    failing = False

    @classmethod
    def reset(cls) -> None:
        cls.computations, cls.delay, cls.failing = 0, 0.0, False


class BackendDown(APIException):
    status_code = 503
    default_code = "search_unavailable"
    default_detail = "The backend is down."


class SlowView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @cache_response(CacheType.DASHBOARD)
    def get(self, request):
        if Backend.failing:
            raise BackendDown()
        time.sleep(Backend.delay)
        with Backend.lock:
            Backend.computations += 1
            number = Backend.computations
        return Response({"computation": number})


urlpatterns = [path("slow", SlowView.as_view())]
