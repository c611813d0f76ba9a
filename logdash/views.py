"""Project-level views: liveness."""

from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from logdash.health import get_health


class HealthView(APIView):
    """200 when Redis, the search engine and the database answer; 503 naming what is down."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        services = get_health()
        down = [name for name, state in services.items() if not state["up"]]
        body = {
            "status": "ok" if not down else "degraded",
            "down": down,
            "services": services,
            "timestamp": timezone.now().isoformat(),
        }
        return Response(body, status=503 if down else 200)
