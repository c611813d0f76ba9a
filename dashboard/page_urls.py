"""Routes of the browser pages (the dashboard, its no-JavaScript upload, login, logout), mounted at the site root."""

from django.urls import path

from dashboard import pages

app_name = "pages"

urlpatterns = [
    path("", pages.DashboardPageView.as_view(), name="home"),
    path("upload/", pages.UploadPageView.as_view(), name="upload"),
    path("upload/<int:pk>/", pages.UploadJobPageView.as_view(), name="upload-job"),
    path("login/", pages.PageLoginView.as_view(), name="login"),
    path("logout/", pages.PageLogoutView.as_view(), name="logout"),
]
