"""
The dashboard page people look at in a browser, and its session login and logout.

The page is a server-rendered shell: the KPIs, search and uploads come from the same cached
JSON API the Angular client reads (`/api/...`, session auth), so a person and a script see one
truth and the page costs Elasticsearch nothing on a cache hit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView, View

from dashboard.conf import dashboard_settings
from dashboard.ingest import LEVELS
from dashboard.models import Product, Upload
from dashboard.serializers import UploadJobSerializer
from dashboard.views import UploadView

# Where logdash/urls.py mounts dashboard.urls. The page's script builds every API URL from
# this one root, so the API can be moved without touching the JavaScript.
API_ROOT = "/api/"


class ContentSecurityPolicyMixin:
    """Send LOGDASH_CONTENT_SECURITY_POLICY with the page: `default-src 'self'`, no inline script.

    The templates hold no inline script or style (the page's settings travel in a
    `json_script` data block, which is never executed), so a script injected into a page runs nowhere.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        if settings.LOGDASH_CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.LOGDASH_CONTENT_SECURITY_POLICY)
        return response


@method_decorator(ensure_csrf_cookie, name="dispatch")
class DashboardPageView(ContentSecurityPolicyMixin, LoginRequiredMixin, TemplateView):
    """The KPIs, charts, search and upload form; anonymous visitors are sent to the login page."""

    template_name = "dashboard/index.html"
    login_url = reverse_lazy("pages:login")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["levels"] = LEVELS
        context["products"] = Product.objects.only("slug", "name")  # the upload form works without JavaScript
        context["page_config"] = {"apiRoot": API_ROOT, "levels": list(LEVELS), "loginUrl": str(self.login_url)}
        return context


class UploadPageView(ContentSecurityPolicyMixin, LoginRequiredMixin, View):
    """The dashboard's upload form without JavaScript: the same upload as POST /api/upload, answered as a page.

    The request goes through UploadView itself (session authentication with its CSRF check, the size limit,
    the concurrency limit, validation, ingestion), so the two can never disagree; only the answer differs:
    the summary, or the error with the form to try again, instead of JSON.
    """

    login_url = reverse_lazy("pages:login")
    http_method_names = ["get", "post"]
    template_name = "dashboard/upload_result.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self._context(None, None))

    def post(self, request: HttpRequest) -> HttpResponse:
        api_response = UploadView.as_view(default_wait=dashboard_settings.UPLOAD_PAGE_WAIT_SECONDS)(request)
        data = api_response.data if isinstance(api_response.data, dict) else {}
        if api_response.status_code == 202:  # still running: follow it on its own page
            return redirect("pages:upload-job", pk=data["id"])
        if api_response.status_code in (200, 201):
            return render(request, self.template_name, self._context(data, None), status=200)
        error = data.get("detail") or "The upload failed."
        if not isinstance(error, str):
            error = str(error)
        return render(request, self.template_name, self._context(None, error), status=api_response.status_code)

    @staticmethod
    def _context(result: dict[str, Any] | None, error: str | None) -> dict[str, Any]:
        summary = []
        if result:
            summary = [
                ("Format", result.get("detected_format")), ("Lines read", result.get("lines_read")),
                ("Indexed", result.get("lines_indexed")), ("Unparsed", result.get("lines_unparsed")),
                ("Status", result.get("status")),
            ]
        running = bool(result) and result.get("status") in (Upload.Status.QUEUED, Upload.Status.PROCESSING)
        return {"result": result, "summary": summary, "error": error, "running": running,
                "products": Product.objects.only("slug", "name")}


class UploadJobPageView(ContentSecurityPolicyMixin, LoginRequiredMixin, View):
    """An upload's job without JavaScript: its progress, reloaded every 2 s while it runs, then its summary."""

    login_url = reverse_lazy("pages:login")
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        upload = get_object_or_404(Upload.objects.select_related("owner", "product"), pk=pk)
        data = UploadJobSerializer(upload).data
        error = upload.error if upload.status == Upload.Status.FAILED else None
        context = UploadPageView._context(None if error else data, error)
        return render(request, UploadPageView.template_name, context)


class PageLoginView(ContentSecurityPolicyMixin, auth_views.LoginView):
    """Log a person in with a session; already logged-in people go straight to the dashboard."""

    template_name = "dashboard/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("pages:home")


class PageLogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django requires) and come back to the login page."""

    next_page = reverse_lazy("pages:login")
