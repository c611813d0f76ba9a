"""Small views to exercise cache_response: DRF APIView, viewset actions, @api_view and plain Django."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.utils.cache import patch_vary_headers
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer, StaticHTMLRenderer
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from cacheops.conf import CacheType
from cacheops.decorators import cache_response
from cacheops.prefetch import Prefetched, attach_prefetched

CALLS = {"count": 0}


def _computed(request, **extra) -> dict:
    CALLS["count"] += 1
    return {"call": CALLS["count"], "query": dict(request.query_params.lists()), **extra}


class EchoView(APIView):
    """Open to anyone: counts how often it really runs."""

    permission_classes = [AllowAny]

    @cache_response(CacheType.DASHBOARD)
    def get(self, request, *args, **kwargs):
        status = int(request.query_params.get("status", "200"))
        if request.query_params.get("invalid"):
            raise ValidationError({"invalid": ["refused"]})
        response = Response(_computed(request), status=status)
        if request.query_params.get("cookie"):
            response.set_cookie("flavour", "oat")
        if request.query_params.get("private"):
            response["Cache-Control"] = "private, max-age=60"
        if request.query_params.get("big"):
            response.data["padding"] = "log line " * 500
        return response

    def post(self, request, *args, **kwargs):
        return Response({"posted": True})


class PrivateView(APIView):
    permission_classes = [IsAuthenticated]

    @cache_response(CacheType.DASHBOARD, shared=True)
    def get(self, request):
        return Response(_computed(request))


class PerUserView(APIView):
    permission_classes = [IsAuthenticated]

    @cache_response(CacheType.USER, per_user=True)
    def get(self, request):
        return Response(_computed(request, user=request.user.username))


def profile_key(request, digest) -> str:
    return f"cache:user:profile:{request.parser_context['kwargs']['user_id']}"


def digest_key(request, digest) -> str:
    return f"cache:analytics:trends:{digest}"


def bad_key(request, digest) -> str:
    return "sessions:steal"


class ProfileView(APIView):
    permission_classes = [AllowAny]

    @cache_response(CacheType.USER, ttl=42, key_func=profile_key)
    def get(self, request, user_id):
        return Response(_computed(request, user_id=user_id))


class TrendsView(APIView):
    permission_classes = [AllowAny]

    @cache_response(CacheType.ANALYTICS, key_func=digest_key)
    def get(self, request):
        return Response(_computed(request))


class BadKeyView(APIView):
    permission_classes = [AllowAny]

    @cache_response(CacheType.USER, key_func=bad_key)
    def get(self, request):
        return Response(_computed(request))


class ProductViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]

    @cache_response(CacheType.PRODUCT)
    def list(self, request):
        return Response(_computed(request))

    @cache_response(CacheType.PRODUCT)
    def retrieve(self, request, pk=None):
        return Response(_computed(request, pk=pk))


class PageParams(serializers.Serializer):
    q = serializers.CharField(required=False, default="")
    page = serializers.IntegerField(required=False, default=1)
    # Blank is not absent here: `?order=` asks for no order, no `order` for the newest first.
    order = serializers.CharField(required=False, allow_blank=True, default="newest")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(required=False)  # a name only get_fields knows
        return fields


class DeclaredView(APIView):
    """Declares its parameters by serializer; answers with what it saw."""

    permission_classes = [AllowAny]

    @cache_response(CacheType.SEARCH, query_params=PageParams)
    def get(self, request):
        return Response(_computed(request, path=request.get_full_path()))


class ReadsNothingView(APIView):
    permission_classes = [AllowAny]

    @cache_response(CacheType.DASHBOARD, query_params=())
    def get(self, request):
        return Response(_computed(request))


class PersonalJSONRenderer(JSONRenderer):
    """JSON that names its reader (say, a greeting): it declares itself per user."""

    cacheops_per_user = True


class SharedHTMLRenderer(StaticHTMLRenderer):
    """HTML with nothing of the request in it: it declares itself shareable."""

    cacheops_per_user = False


class PersonalView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [PersonalJSONRenderer]

    @cache_response(CacheType.DASHBOARD, query_params=())
    def get(self, request):
        return Response(_computed(request, user=request.user.username))


class SharedHTMLView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [SharedHTMLRenderer]

    @cache_response(CacheType.DASHBOARD, shared=True, query_params=())
    def get(self, request):
        CALLS["count"] += 1
        return Response(f"<p>call {CALLS['count']}</p>")


def team_scopes(request) -> list[str]:
    return [f"team:{request.query_params.get('team', 'none')}", "region:eu-1"]


@api_view(["GET"])
@permission_classes([AllowAny])
@cache_response(CacheType.ANALYTICS, shared=True, query_params=("team",), scopes=team_scopes)
def team_report(request):
    return Response(_computed(request))


@api_view(["GET"])
@permission_classes([AllowAny])
@cache_response(CacheType.ANALYTICS, shared=True, query_params=("team", "page"), scopes=team_scopes)
def team_pages(request):
    """A page of a team's report, the next page read ahead, and (wrongly) another team's first page."""
    CALLS["count"] += 1
    team, page = request.query_params.get("team", "none"), int(request.query_params.get("page", "1"))
    return attach_prefetched(Response({"team": team, "page": page, "call": CALLS["count"]}), [
        Prefetched(f"page={page + 1}&team={team}", {"team": team, "page": page + 1, "read_ahead_by": CALLS["count"]}),
        Prefetched(f"team={team}-other&page=1", {"team": f"{team}-other", "page": 1}),
    ])


@api_view(["GET"])
@permission_classes([AllowAny])
@cache_response(CacheType.SEARCH)
def search(request):
    return Response(_computed(request))


@cache_response(CacheType.SEARCH)
def plain(request):
    CALLS["count"] += 1
    return JsonResponse({"call": CALLS["count"]})


@cache_response(CacheType.SEARCH)
def plain_text(request):
    CALLS["count"] += 1
    return HttpResponse(f"call {CALLS['count']}", content_type="text/plain; charset=utf-8")


class AuthenticatedView(APIView):
    """Authenticated by DRF, answers with the caller's name, and declares neither per_user nor shared."""

    permission_classes = [IsAuthenticated]

    @cache_response(CacheType.USER, query_params=())
    def get(self, request):
        return Response(_computed(request, user=request.user.username))


@cache_response(CacheType.SEARCH, query_params=())
def whoami(request):
    """A plain view that answers per Authorization header, and says so in Vary, as Django asks."""
    CALLS["count"] += 1
    response = JsonResponse({"call": CALLS["count"], "authorization": request.META.get("HTTP_AUTHORIZATION", "")})
    patch_vary_headers(response, ["Authorization"])
    return response


router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")

urlpatterns = [
    path("echo", EchoView.as_view()),
    path("private", PrivateView.as_view()),
    path("mine", PerUserView.as_view()),
    path("profile/<int:user_id>", ProfileView.as_view()),
    path("trends", TrendsView.as_view()),
    path("bad-key", BadKeyView.as_view()),
    path("search", search),
    path("team-report", team_report),
    path("team-pages", team_pages),
    path("declared", DeclaredView.as_view()),
    path("reads-nothing", ReadsNothingView.as_view()),
    path("personal", PersonalView.as_view()),
    path("shared-html", SharedHTMLView.as_view()),
    path("plain", plain),
    path("plain-text", plain_text),
    path("authenticated", AuthenticatedView.as_view()),
    path("whoami", whoami),
    path("", include(router.urls)),
]
