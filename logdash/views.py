"""Project-level views: liveness, and the token login documented for the schema."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from logdash.clock import clock
from logdash.health import get_health

_SERVICE = inline_serializer("ServiceState", {"up": serializers.BooleanField(), "detail": serializers.CharField()})
_HEALTH = inline_serializer("Health", {
    "status": serializers.ChoiceField(choices=["ok", "degraded"]),
    "down": serializers.ListField(child=serializers.CharField(), help_text="The services that did not answer."),
    "services": serializers.DictField(child=_SERVICE, help_text="database, redis and search_engine."),
    "timestamp": serializers.DateTimeField(),
})

_TOKEN = inline_serializer("Token", {
    "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`."),
})


class HealthView(APIView):
    """200 when Redis, the search engine and the database answer; 503 naming what is down."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiResponse(_HEALTH, "Every service answers."),
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


class TokenView(ObtainAuthToken):
    """DRF's token login, unchanged; annotated because DRF's view would document its input as its output."""

    @extend_schema(request=AuthTokenSerializer, responses=_TOKEN, auth=[])
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)
