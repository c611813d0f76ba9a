"""Invalidate what a product change affects, once the change is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate_cache_type
from dashboard.models import Product


def invalidate_products() -> None:
    invalidate_cache_type(CacheType.PRODUCT)
    invalidate_cache_type(CacheType.ANALYTICS)


@receiver(post_save, sender=Product, dispatch_uid="dashboard.product_saved")
@receiver(post_delete, sender=Product, dispatch_uid="dashboard.product_deleted")
def product_changed(**kwargs: Any) -> None:
    """A product's name or slug shows in product lists and in the per-product volumes."""
    transaction.on_commit(invalidate_products)
