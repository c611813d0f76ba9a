"""Uploads and products in the Django admin, with their counts."""

from django.contrib import admin
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest

from dashboard.models import LogFormat, Product, Upload


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_team", "retention_days", "upload_count", "lines_indexed", "updated_at"]
    search_fields = ["name", "slug", "owner_team"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        # Counted in the changelist's one query, not one query per row.
        complete = Q(uploads__status=Upload.Status.COMPLETE)
        return super().get_queryset(request).annotate(
            upload_total=Count("uploads", distinct=True),
            lines_total=Sum("uploads__lines_indexed", filter=complete),
        )

    @admin.display(description="uploads", ordering="upload_total")
    def upload_count(self, product: Product) -> int:
        return product.upload_total

    @admin.display(description="lines indexed", ordering="lines_total")
    def lines_indexed(self, product: Product) -> int:
        return product.lines_total or 0


class RunningJobFilter(admin.SimpleListFilter):
    """Uploads whose job is queued or processing: what the workers have to do."""

    title = "job"
    parameter_name = "job"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [("running", "Running (queued or processing)"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset):
        running = [Upload.Status.QUEUED, Upload.Status.PROCESSING]
        if self.value() == "running":
            return queryset.filter(status__in=running)
        if self.value() == "ended":
            return queryset.exclude(status__in=running)
        return queryset


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "product", "status", "progress", "detected_format", "lines_read",
                    "lines_indexed", "lines_unparsed", "lines_future", "lines_expired", "attempts", "created_at",
                    "progress_at"]
    list_filter = [RunningJobFilter, "status", "detected_format", "product", "cleanup_pending"]
    list_select_related = ["owner", "product"]
    search_fields = ["filename", "owner__username"]
    readonly_fields = [field.name for field in Upload._meta.fields]
    fieldsets = [
        (None, {"fields": ["filename", "owner", "product", "size_bytes", "status", "error", "error_code",
                           "created_at", "completed_at"]}),
        ("Job", {"fields": ["stored_file", "attempts", "bytes_read", "started_at", "progress_at"]}),
        ("Lines", {"fields": ["detected_format", "lines_read", "lines_indexed", "lines_unparsed", "lines_future",
                              "lines_expired"]}),
        ("What the parse decided", {"fields": ["requested_format", "timezone", "layout_description",
                                               "layout_pattern", "timestamp_share", "level_share",
                                               "unmatched_lines"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="progress")
    def progress(self, upload: Upload) -> str:
        from dashboard.serializers import UploadJobSerializer

        return f"{UploadJobSerializer().get_percent(upload):.0f} %"

    # Deleting an upload here deletes its lines from the index too (dashboard.signals.upload_deleted),
    # for the delete page and the "delete selected" action alike (both delete row by row).

@admin.register(LogFormat)
class LogFormatAdmin(admin.ModelAdmin):
    """Declared formats; the model's `clean` refuses one that does not compile or read its example."""

    list_display = ["name", "timestamp_layout", "timezone", "updated_at"]
    search_fields = ["name", "pattern", "description"]
