"""Invalidate what a product or user change affects, once committed; delete a deleted upload's lines from the index."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dashboard.exceptions import SearchUnavailable
from dashboard.invalidation import invalidate_after_upload, invalidate_products, invalidate_user
from dashboard.models import Product, Upload


@receiver(post_save, sender=Product, dispatch_uid="dashboard.product_saved")
@receiver(post_delete, sender=Product, dispatch_uid="dashboard.product_deleted")
def product_changed(**kwargs: Any) -> None:
    """A product's name or slug shows in product lists and in the per-product volumes."""
    transaction.on_commit(invalidate_products)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="dashboard.user_saved")
def user_changed(instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None,
                 **kwargs: Any) -> None:
    """A new username, email or staff flag shows at once in who-am-I (the client's staff controls follow it).

    A login's save of `last_login` alone changes nothing shown and costs no Redis call.
    """
    if created or raw or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    user_id = instance.pk
    transaction.on_commit(lambda: invalidate_user(user_id))


@receiver(post_delete, sender=Upload, dispatch_uid="dashboard.upload_deleted")
def upload_deleted(instance: Upload, **kwargs: Any) -> None:
    """Deleting an upload (admin, shell, API) deletes its lines from the index, then the answers that counted them.

    The lines go at once, inside the delete's transaction: if the engine cannot delete them, the error
    rolls the delete back, so no upload disappears while its lines stay searchable.
    """
    from dashboard.indexing import remove_upload_lines

    if not remove_upload_lines(instance.pk):
        raise SearchUnavailable(f"The lines of upload {instance.pk} could not be deleted from the search engine; "
                                "the upload is kept. Try again in a moment.")
    transaction.on_commit(lambda: invalidate_after_upload(instance.owner_id))
