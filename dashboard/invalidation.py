"""
The dashboard's cache keys and invalidation rules: which entries a change makes stale.

Every key is built by `cacheops.keys.make_cache_key` (so CACHEOPS KEY_PREFIX leads) and every
invalidation is a generation bump (`cacheops.invalidation.invalidate`): O(1) and one Redis
round trip whatever the number of entries, never a SCAN. The answers about one user depend on
that user's scope (`user:{id}`), so a change of the user or an upload of theirs makes exactly
their entries stale and leaves every other user's cached.

    change                          stale
    an upload (done, failed, gone)  dashboard, analytics and search types; the uploader's scope
    a user saved                    that user's scope (who-am-I, profile, own dashboard)
    a product saved or deleted      product and analytics types
"""

from __future__ import annotations

from typing import Any

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate
from cacheops.keys import make_cache_key

UPLOAD_AFFECTS = (CacheType.DASHBOARD, CacheType.ANALYTICS, CacheType.SEARCH)
PRODUCT_AFFECTS = (CacheType.PRODUCT, CacheType.ANALYTICS)


def user_scope(user_id: object) -> str:
    """The generation scope of the answers about one user."""
    return f"user:{user_id}"


def _profile_user_id(request: Any) -> object:
    return request.parser_context["kwargs"]["user_id"]


def profile_key(request: Any, digest: str) -> str:
    """`cache:user:profile:{id}` for the plain JSON answer; other renderings and queries get the digest."""
    user_id = _profile_user_id(request)
    if request.accepted_renderer.format == "json" and not request.META.get("QUERY_STRING"):
        return make_cache_key(CacheType.USER, "profile", user_id)
    return make_cache_key(CacheType.USER, "profile", user_id, digest)


def profile_scopes(request: Any) -> list[str]:
    """A profile depends on the user it shows, whoever asks (the user or staff)."""
    return [user_scope(_profile_user_id(request))]


def current_user_key(request: Any, digest: str) -> str:
    return make_cache_key(CacheType.USER, request.user.pk, "me", digest)


def user_dashboard_key(request: Any, digest: str) -> str:
    return make_cache_key(CacheType.USER, request.user.pk, "dashboard", digest)


def own_scopes(request: Any) -> list[str]:
    """The caller's own answers (who-am-I, own dashboard) depend on the caller."""
    return [user_scope(request.user.pk)]


def invalidate_after_upload(owner_id: int | None) -> None:
    """New (or removed) lines change the dashboard, the trends, the searches and the uploader's own answers."""
    invalidate(types=UPLOAD_AFFECTS, scopes=[user_scope(owner_id)] if owner_id is not None else [])


def invalidate_user(user_id: int) -> None:
    """A user's username, email or staff flag shows in who-am-I and the profile."""
    invalidate(scopes=[user_scope(user_id)])


def invalidate_products() -> None:
    """A product's name or slug shows in product lists and in the per-product volumes."""
    invalidate(types=PRODUCT_AFFECTS)
