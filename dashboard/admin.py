"""Uploads and products in the Django admin."""

from django.contrib import admin

from dashboard.models import Product, Upload


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner_team", "upload_count", "updated_at"]
    search_fields = ["name", "slug", "owner_team"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="uploads")
    def upload_count(self, product: Product) -> int:
        return product.uploads.count()


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "product", "status", "detected_format", "lines_read", "lines_indexed",
                    "lines_unparsed", "created_at"]
    list_filter = ["status", "detected_format", "product"]
    search_fields = ["filename", "owner__username"]
    readonly_fields = [field.name for field in Upload._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
