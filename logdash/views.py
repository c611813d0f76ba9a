"""Project-level views: liveness, and the token login documented for the schema."""

import logging

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from cacheops.resilience import DRIVER_ERRORS
from dashboard.serializers import CurrentUserSerializer
from logdash.clock import clock
from logdash.health import get_health

logger = logging.getLogger(__name__)

_SERVICE = inline_serializer("ServiceState", {"up": serializers.BooleanField(), "detail": serializers.CharField()})
_HEALTH = inline_serializer("Health", {
    "status": serializers.ChoiceField(choices=["ok", "degraded"]),
    "down": serializers.ListField(child=serializers.CharField(), help_text="The services that did not answer."),
    "services": serializers.DictField(child=_SERVICE, help_text="database, redis and search_engine."),
    "timestamp": serializers.DateTimeField(),
})

_TOKEN = inline_serializer("Token", {
    "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`."),
    "user": CurrentUserSerializer(),  # who logged in, as `GET /api/user/me` answers
})


class HealthView(APIView):
    """200 when Redis, the search engine and the database answer; 503 naming what is down."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="getHealth", responses={200: OpenApiResponse(_HEALTH, "Every service answers."),
                              503: OpenApiResponse(_HEALTH, "A service is down: `down` names it.")})
    def get(self, request: Request) -> Response:
        services = get_health()
        down = [name for name, state in services.items() if not state["up"]]
        body = {
            "status": "ok" if not down else "degraded",
            "down": down,
            "services": services,
            "timestamp": clock.now().isoformat(),
        }
        return Response(body, status=503 if down else 200)


class LoginRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, letting logins through while its counters' store (Redis) is unreachable.

    Refusing every login during a Redis outage would take the whole API down with the cache.
    Guessing passwords stays bounded: django-axes keeps its failure counts in the database.
    """

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except DRIVER_ERRORS as exc:
            logger.warning("The login rate limit is not applied: its counters in Redis are unreachable (%s). "
                           "django-axes still locks out repeated failures.", exc)
            return True


class TokenView(ObtainAuthToken):
    """DRF's token login, rate-limited per client address (throttle scope `login`, LOGDASH_LOGIN_RATE).

    django-axes also locks a username and address pair out after AXES_FAILURE_LIMIT failures; both
    answer 429. Only POST is throttled: a GET (405) costs nothing and readiness probes use it.
    """

    parser_classes = [JSONParser]  # ObtainAuthToken also reads forms; the API takes JSON bodies only
    throttle_classes = [LoginRateThrottle]
    throttle_scope = "login"

    def get_throttles(self) -> list:
        return super().get_throttles() if self.request.method == "POST" else []

    def get_serializer_context(self) -> dict:
        # authenticate() gets Django's request, not DRF's wrapper: django-axes marks a lockout on the
        # request its middleware reads (`axes_locked_out`), which a mark on the wrapper never reaches.
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(operation_id="obtainAuthToken", request=AuthTokenSerializer, auth=[], responses={
        200: _TOKEN,
        400: OpenApiResponse(description="Wrong username or password, or a field missing (`invalid`)."),
        429: OpenApiResponse(description="Too many logins from this address (`throttled`), or too many failed "
                                         "ones for this username (`locked_out`); see Retry-After."),
    })
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "user": CurrentUserSerializer(user).data})
