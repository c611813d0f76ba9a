"""
No tables: `Cache` is an unmanaged placeholder so the Django admin lists a "Cache" page
(/admin/cacheops/cache/) under this app, with the staff-only view in cacheops/admin.py.
"""

from django.db import models


class Cache(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "cache"
        verbose_name_plural = "cache"

    def __str__(self) -> str:
        return "Response cache"
