"""
The admin's "Cache" page (/admin/cacheops/cache/), for staff: stats total and per type, a chart
of the hit rate over time (from the samples of cacheops.history) and per-type bars, both drawn
server-side as SVG, a key browser (SCAN pages, filtered by type), and invalidation of a type, a
pattern or everything, each behind a confirmation page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from cacheops.browse import get_key_page
from cacheops.charts import make_hit_rate_chart, make_type_bars
from cacheops.conf import CacheType, cacheops_settings
from cacheops.exceptions import CacheUnavailable, InvalidPattern
from cacheops.history import get_samples, record_sample_if_due
from cacheops.invalidation import clear_all, invalidate_cache_type, invalidate_pattern
from cacheops.keys import make_namespace_pattern, make_type_pattern, validate_pattern
from cacheops.models import Cache
from cacheops.stats import get_cache_health, get_cache_stats

KEYS_PER_PAGE = 50


@admin.register(Cache)
class CacheAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        # The changelist's name, so the admin index links "Cache" to this page.
        return [path("", self.admin_site.admin_view(self.cache_view), name="cacheops_cache_changelist")]

    def cache_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse("Staff only.", status=403)
        if request.method == "POST":
            return self._post(request)
        return TemplateResponse(request, "admin/cacheops/cache.html", self._page_context(request))

    def _page_context(self, request: HttpRequest) -> dict[str, Any]:
        stats = get_cache_stats()
        type_filter = request.GET.get("type", "")
        context = {
            **self.admin_site.each_context(request),
            "title": "Response cache",
            "opts": self.model._meta,
            "stats": stats,
            "health": get_cache_health(stats),
            "cache_types": [member.value for member in CacheType],
            "type_filter": type_filter,
            "keys": [],
            "next_cursor": 0,
            "type_bars": make_type_bars(stats),
            "sample_interval": cacheops_settings.STATS_SAMPLE_INTERVAL,
            **_history_context(),
        }
        pattern = make_namespace_pattern()
        if type_filter in context["cache_types"]:
            pattern = make_type_pattern(CacheType(type_filter))
        try:
            page = get_key_page(pattern, _int(request.GET.get("cursor")), KEYS_PER_PAGE)
            context.update(keys=page.keys, next_cursor=page.next_cursor)
        except CacheUnavailable:
            context["keys_error"] = "Redis is unreachable: keys cannot be listed."
        return context

    def _post(self, request: HttpRequest) -> HttpResponse:
        action, target = _describe(request.POST)
        if action is None:
            messages.error(request, target)
            return HttpResponseRedirect(request.path)
        if request.POST.get("confirm") != "yes":
            context = {**self.admin_site.each_context(request), "title": "Are you sure?", "opts": self.model._meta,
                       "target": target, "fields": request.POST.items()}
            return TemplateResponse(request, "admin/cacheops/confirm.html", context)
        try:
            deleted = action()
        except InvalidPattern as exc:
            messages.error(request, str(exc))
        except CacheUnavailable:
            messages.error(request, "Redis is unreachable: nothing was invalidated.")
        else:
            messages.success(request, f"Invalidated {target}: {deleted} key{pluralize(deleted)} deleted.")
        return HttpResponseRedirect(reverse("admin:cacheops_cache_changelist"))


def _history_context() -> dict[str, Any]:
    # The page offers a sample too: the chart fills even where no flusher runs (a quiet site).
    record_sample_if_due()
    try:
        samples = get_samples()
    except CacheUnavailable:
        return {"chart": None, "samples": 0, "chart_error": "Redis is unreachable: no history to draw."}
    return {"chart": make_hit_rate_chart(samples), "samples": len(samples)}


def _describe(data: Any) -> tuple[Any, str]:
    """Return (the deletion to run, what it deletes), or (None, why the request is refused)."""
    action = data.get("action")
    if action == "invalidate_type":
        try:
            cache_type = CacheType.parse(data.get("cache_type"))
        except ValueError as exc:
            return None, str(exc)
        description = f"every {cache_type.value!r} entry"
        return (lambda: invalidate_cache_type(cache_type, purge=True, raise_errors=True)), description
    if action == "invalidate_pattern":
        pattern = data.get("pattern", "")
        try:
            validate_pattern(pattern)
        except InvalidPattern as exc:
            return None, str(exc)
        return (lambda: invalidate_pattern(pattern, raise_errors=True)), f"the entries matching {pattern!r}"
    if action == "clear_all":
        return (lambda: clear_all(raise_errors=True)), "every cached response"
    return None, f"Unknown action {action!r}."


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
