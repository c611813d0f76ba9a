"""Routes of the cache API; the project mounts them under `api/cache/`."""

from django.urls import path

from cacheops import views

app_name = "cacheops"

urlpatterns = [
    path("stats", views.CacheStatsView.as_view(), name="stats"),
    path("invalidate/<str:cache_type>", views.InvalidateTypeView.as_view(), name="invalidate-type"),
    path("invalidate-pattern", views.InvalidatePatternView.as_view(), name="invalidate-pattern"),
    path("clear-all", views.ClearAllView.as_view(), name="clear-all"),
]
