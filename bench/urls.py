from django.urls import include, path
from django.views.decorators.cache import cache_page

from bench import views

urlpatterns = [
    path("bench/floor", views.floor),
    path("bench/drf-floor", views.DrfFloor.as_view()),
    path("bench/ours", views.Ours.as_view()),
    path("bench/ours-token-database", views.OursTokenDatabase.as_view()),
    path("bench/ours-token-cached", views.OursTokenCached.as_view()),
    path("bench/slow-miss", views.SlowMiss.as_view()),
    path("bench/drf-extensions", views.DrfExtensions.as_view()),
    path("bench/cache-page", cache_page(300)(views.Plain.as_view())),
    path("bench/dashboard-uncached", views.UncachedDashboard.as_view()),
    path("", include("logdash.urls")),
]
