"""Routes of the log API, mounted under /api/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from dashboard import views

router = SimpleRouter(trailing_slash="/?")
router.register("products", views.ProductViewSet, basename="product")

urlpatterns = [
    path("dashboard", views.DashboardView.as_view(), name="dashboard"),
    path("search", views.SearchView.as_view(), name="search"),
    path("analytics/trends", views.TrendsView.as_view(), name="trends"),
    path("upload", views.UploadView.as_view(), name="upload"),
    path("uploads", views.UploadListView.as_view(), name="uploads"),
    path("user/dashboard", views.UserDashboardView.as_view(), name="user-dashboard"),
    path("user/<int:user_id>", views.UserProfileView.as_view(), name="user-profile"),
    *router.urls,
]
