"""URL routes of logdash."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from logdash.metrics import metrics_view
from logdash.views import HealthView, TokenView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/token", TokenView.as_view(), name="api-token"),
    path("api/health", HealthView.as_view(), name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/cache/", include("cacheops.urls")),
    path("api/", include("dashboard.urls")),
    path("", include("dashboard.page_urls")),
]

handler404 = "logdash.exceptions.json_not_found"
handler500 = "logdash.exceptions.json_server_error"
