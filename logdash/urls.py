"""URL routes of logdash."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from logdash.views import HealthView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/token", obtain_auth_token, name="api-token"),
    path("api/health", HealthView.as_view(), name="health"),
    path("api/cache/", include("cacheops.urls")),
    path("api/", include("dashboard.urls")),
    path("", include("dashboard.page_urls")),
]

handler404 = "logdash.exceptions.json_not_found"
handler500 = "logdash.exceptions.json_server_error"
