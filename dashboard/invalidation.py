"""
The dashboard's cache keys and invalidation rules: which entries a change makes stale.

Every key is built by `cacheops.keys.make_cache_key` (so CACHEOPS KEY_PREFIX leads) and every
invalidation is a generation bump (`cacheops.invalidation.invalidate`): O(1) and one Redis
round trip whatever the number of entries, never a SCAN. The answers about one user depend on
that user's scope (`user:{id}`), so a change of the user or an upload of theirs makes exactly
their entries stale and leaves every other user's cached.

    change                          stale
    an upload indexed               dashboard and analytics types; the uploader's scope; the
                                    searches its lines can match (`LineCoverage`, below)
    an upload failed or removed     dashboard, analytics and search types; the uploader's scope
    a user saved                    that user's scope (who-am-I, profile, own dashboard)
    a product saved or deleted      product and analytics types

Searches are invalidated in the manner of surrogate keys. A cached search depends on the
scopes `lines:{product}:{level}:{day}` its filters name (`all` where it has none), and an
indexed upload bumps every scope its lines fall in, each with `all` in its place too. So an
upload of product A's INFO and ERROR lines of one day leaves product B's searches cached, A's
searches filtered on WARNING, and A's searches of other days; it can never leave a search cached
that one of its lines matches, because such a line falls in one of that search's scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cacheops.conf import CacheType
from cacheops.invalidation import invalidate
from cacheops.keys import make_cache_key
from dashboard.ingest.levels import LEVELS

UPLOAD_AFFECTS = (CacheType.DASHBOARD, CacheType.ANALYTICS, CacheType.SEARCH)
INDEXED_UPLOAD_AFFECTS = (CacheType.DASHBOARD, CacheType.ANALYTICS)
PRODUCT_AFFECTS = (CacheType.PRODUCT, CacheType.ANALYTICS)

# The scope value standing for "no filter on this": never a level, a day, or (in practice) a product slug;
# were a product named so, its searches would only be invalidated more often, never less.
ANY = "all"
# A search over a longer window depends on all days: more scopes per hit would cost more than they save.
MAX_SCOPED_DAYS = 14


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


def lines_scope(product: str, level: str, day: str) -> str:
    """The scope of the lines of one product, level and UTC day (`ANY` for "whichever")."""
    return f"lines:{product or ANY}:{level or ANY}:{day or ANY}"


@dataclass
class LineCoverage:
    """Where an upload's lines fall: its product, and each level and UTC day seen (collected while indexing)."""

    product: str = ""
    levels: set[str] = field(default_factory=set)
    days: set[str] = field(default_factory=set)

    def add(self, level: str | None, moment: datetime) -> None:
        self.levels.add(level or "")
        self.days.add(moment.astimezone(UTC).date().isoformat())

    def scopes(self) -> list[str]:
        """Every search scope a line of the upload falls in, with `ANY` for each dimension too."""
        products = {ANY, self.product} if self.product else {ANY}
        levels = {ANY} | {level for level in self.levels if level in LEVELS}
        days = {ANY} | self.days
        return sorted(lines_scope(product, level, day) for product in products for level in levels for day in days)


def search_scopes(request: Any) -> list[str]:
    """The scopes a search depends on, from its filters: product, levels, and the UTC days of its window.

    Read from the raw query (this runs on every hit, before the view validates anything); what
    cannot be read is treated as no filter, which only makes the entry depend on more.
    """
    params = request.query_params
    product = params.get("product", "").strip()
    levels = [part.strip().upper() for part in params.get("level", "").split(",") if part.strip()]
    if not levels or any(level not in LEVELS for level in levels):
        levels = [ANY]
    days = _window_days(params.get("from"), params.get("to")) or [ANY]
    return [lines_scope(product, level, day) for level in dict.fromkeys(levels) for day in days]


def _window_days(date_from: str | None, date_to: str | None) -> list[str]:
    """The UTC days from `date_from` to `date_to`, or [] when either is missing or unreadable, or too many."""
    start, end = _utc(date_from), _utc(date_to)
    if start is None or end is None or end < start or (end - start).days >= MAX_SCOPED_DAYS:
        return []
    return [(start + timedelta(days=offset)).isoformat() for offset in range((end - start).days + 1)]


def _utc(value: str | None) -> date | None:
    """The UTC date of an ISO 8601 time as the search reads it (naive times in the project's zone)."""
    try:
        moment = parse_datetime(value.strip()) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC).date()


def invalidate_after_upload(owner_id: int | None, coverage: LineCoverage | None = None) -> None:
    """New (or removed) lines change the dashboard, the trends, the searches and the uploader's own answers.

    With the upload's `coverage`, only the searches its lines can match are invalidated; without
    it (a failed or removed upload, whose lines are not known), every search.
    """
    scopes = [user_scope(owner_id)] if owner_id is not None else []
    if coverage is None:
        invalidate(types=UPLOAD_AFFECTS, scopes=scopes)
    else:
        invalidate(types=INDEXED_UPLOAD_AFFECTS, scopes=[*scopes, *coverage.scopes()])


def invalidate_user(user_id: int) -> None:
    """A user's username, email or staff flag shows in who-am-I and the profile."""
    invalidate(scopes=[user_scope(user_id)])


def invalidate_products() -> None:
    """A product's name or slug shows in product lists and in the per-product volumes."""
    invalidate(types=PRODUCT_AFFECTS)
