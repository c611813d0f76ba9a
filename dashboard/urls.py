"""Routes of the log API, mounted under /api/ (no trailing slashes, as in the spec)."""

from django.urls import path

from dashboard import views

product_list = views.ProductViewSet.as_view({"get": "list", "post": "create"})
product_detail = views.ProductViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
format_list = views.LogFormatViewSet.as_view({"get": "list", "post": "create"})
format_detail = views.LogFormatViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("dashboard", views.DashboardView.as_view(), name="dashboard"),
    path("search", views.SearchView.as_view(), name="search"),
    path("analytics/trends", views.TrendsView.as_view(), name="trends"),
    path("analytics/patterns", views.PatternsView.as_view(), name="patterns"),
    path("upload", views.UploadView.as_view(), name="upload"),
    path("uploads", views.UploadListView.as_view(), name="uploads"),
    path("uploads/<int:pk>", views.UploadDetailView.as_view(), name="upload-detail"),
    path("user/dashboard", views.UserDashboardView.as_view(), name="user-dashboard"),
    path("user/me", views.CurrentUserView.as_view(), name="current-user"),
    path("user/<int:user_id>", views.UserProfileView.as_view(), name="user-profile"),
    path("products", product_list, name="product-list"),
    path("products/<int:pk>", product_detail, name="product-detail"),
    path("formats", format_list, name="format-list"),
    path("formats/<int:pk>", format_detail, name="format-detail"),
]
