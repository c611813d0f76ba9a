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
    gate: threading.Event | None = None  # when set to an Event, computations wait for it
    uncacheable = False  # answer with Cache-Control: no-store
    started = 0  # computations begun

    @classmethod
    def reset(cls) -> None:
        if cls.gate is not None:
            cls.gate.set()  # never leave a refresh thread blocked behind a test
        cls.computations, cls.delay, cls.failing, cls.gate = 0, 0.0, False, None
        cls.uncacheable, cls.started = False, 0


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
        with Backend.lock:
            Backend.started += 1
        time.sleep(Backend.delay)
        if Backend.gate is not None:
            Backend.gate.wait(10)
        with Backend.lock:
            Backend.computations += 1
            number = Backend.computations
        headers = {"Cache-Control": "no-store"} if Backend.uncacheable else None
        return Response({"computation": number}, headers=headers)


urlpatterns = [path("slow", SlowView.as_view())]
