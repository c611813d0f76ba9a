"""
The dashboard's cache keys and invalidation rules: which entries a change makes stale.

Every key is built by `cacheops.keys.make_cache_key` (so CACHEOPS KEY_PREFIX leads) and every
invalidation is a generation bump (`cacheops.invalidation.invalidate`): O(1) and one Redis
round trip whatever the number of entries, never a SCAN. The answers about one user depend on
that user's scope (`user:{id}`), so a change of the user or an upload of theirs makes exactly
their entries stale and leaves every other user's cached.

    change                          stale
    an upload indexed               dashboard type; the uploader's scope; the pattern lists; the
                                    trends, unless every line is older than their longest window;
                                    the searches the engine says its lines match (below)
    an upload failed or removed     dashboard, analytics and search types; the uploader's scope
    a user saved                    that user's scope (who-am-I, profile, own dashboard)
    a product saved or deleted      product and analytics types

Searches are invalidated in the manner of surrogate keys, with the search engine as the judge.
A cached search depends on the scope `search:{digest of its filters}`, shared by all its pages,
and every computed search notes its filters in a `Recent` set first. When an upload commits,
one multi-search asks the engine, for each search noted within an entry's lifetime, whether any
of the upload's lines matches its filters (or any line whose pattern template the upload
generalised, since results show templates); only those scopes are bumped. The engine's own
analysis decides the match, so a search the upload changed is never left cached: a search noted
before it computed is checked at commit, and one computed after the commit saw the lines.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from cacheops.conf import CacheType, cacheops_settings
from cacheops.exceptions import CacheUnavailable
from cacheops.invalidation import invalidate
from cacheops.keys import make_cache_key
from cacheops.rankings import Recent
from dashboard.conf import dashboard_settings
from logdash.clock import clock

logger = logging.getLogger(__name__)

UPLOAD_AFFECTS = (CacheType.DASHBOARD, CacheType.ANALYTICS, CacheType.SEARCH)
INDEXED_UPLOAD_AFFECTS = (CacheType.DASHBOARD,)
# The two kinds of analytics answers, so an upload of old lines leaves the trends cached.
TRENDS_SCOPE, PATTERNS_SCOPE = "analytics:trends", "analytics:patterns"
PRODUCT_AFFECTS = (CacheType.PRODUCT, CacheType.ANALYTICS)

# What selects a search's lines; the page, its size and the cursor only choose among them.
SEARCH_FILTERS = ("q", "level", "source", "product", "pattern_id", "from", "to")
# Past this many distinct searches in an entry's lifetime, one multi-search would cost more than
# the misses it saves: an upload then invalidates every search.
MAX_CHECKED_SEARCHES = 2000


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


def trends_scopes(request: Any) -> list[str]:
    return [TRENDS_SCOPE]


def patterns_scopes(request: Any) -> list[str]:
    return [PATTERNS_SCOPE]


def _changes_trends(newest_line: datetime | None, generalised_patterns: list[str]) -> bool:
    """Whether an upload can change a trends answer: a line inside the longest window, or a template shown there."""
    if generalised_patterns or newest_line is None:
        return True
    # A day of slack for the time zone the windows are counted in.
    oldest_shown = clock.now() - timedelta(days=dashboard_settings.TRENDS_MAX_DAYS + 1)
    return newest_line >= oldest_shown


def search_filters(params: Any) -> str:
    """The filters of a search's query string, in one spelling: what its pages have in common."""
    return urlencode(sorted((name, value) for name in SEARCH_FILTERS for value in params.getlist(name)))


def search_scope_of(filters: str) -> str:
    return f"search:{hashlib.md5(filters.encode(), usedforsecurity=False).hexdigest()[:20]}"


def search_scopes(request: Any) -> list[str]:
    """The scope a cached search depends on (run on every hit: a sort and a hash of its filters)."""
    return [search_scope_of(search_filters(request.query_params))]


def _recent_searches() -> Recent:
    # As long as an entry can be answered: its TTL, then the longer of its stale windows.
    lifetime = cacheops_settings.TIMEOUTS[CacheType.SEARCH.value] + max(
        cacheops_settings.STALE_WHILE_REVALIDATE[CacheType.SEARCH.value],
        cacheops_settings.STALE_IF_ERROR[CacheType.SEARCH.value])
    return Recent("dashboard:recent-searches", seconds=lifetime)


def note_search(params: Any) -> bool:
    """Note a search about to be computed; False when it could not be noted (then its answer must not be cached)."""
    return _recent_searches().touch(search_filters(params))


def invalidate_after_upload(owner_id: int | None, *, upload_id: int | None = None, product: str = "",
                            generalised_patterns: Iterable[str] = (), partitions: Iterable[str] = (),
                            newest_line: datetime | None = None) -> None:
    """New (or removed) lines change the dashboard, the trends, the searches and the uploader's own answers.

    With the `upload_id` of an indexed upload, only the searches its lines (or the lines of the
    pattern templates it generalised) match are invalidated; without it, every search.
    """
    scopes = [user_scope(owner_id)] if owner_id is not None else []
    touched = None
    generalised = list(generalised_patterns)
    if upload_id is not None:
        touched = searches_touched_by(upload_id, product=product, generalised_patterns=generalised,
                                      partitions=sorted(partitions))
    if touched is None:
        invalidate(types=UPLOAD_AFFECTS, scopes=scopes)
        return
    analytics = [PATTERNS_SCOPE, *([TRENDS_SCOPE] if _changes_trends(newest_line, generalised) else [])]
    invalidate(types=INDEXED_UPLOAD_AFFECTS, scopes=[*scopes, *analytics, *touched])


def searches_touched_by(upload_id: int, *, product: str, generalised_patterns: list[str],
                        partitions: list[str] = ()) -> list[str] | None:
    """The scopes of the noted searches that match a line of the upload; None when that cannot be told.

    Each check reads only the `partitions` the upload's lines were written to (a scan of every day
    per noted search costs the engine seconds per upload), unless a template it generalised shows
    in lines of any day.
    """
    from dashboard import client, queries
    from dashboard.exceptions import SearchUnavailable
    from dashboard.serializers import LogFilterSerializer

    try:
        noted = _recent_searches().members()
    except CacheUnavailable:
        return None
    if len(noted) > MAX_CHECKED_SEARCHES:
        return None
    partitions = [] if generalised_patterns else list(partitions)
    checks: list[tuple[str, Any]] = []
    for filters in noted:
        params = LogFilterSerializer(data=QueryDict(filters))
        if params.is_valid():  # an invalid search answered 400, which is never cached
            criteria = params.to_criteria()
            query = queries.touched_query(criteria, upload_id=upload_id, product=product,
                                          pattern_ids=generalised_patterns)
            if partitions:
                query = query.index().index(*partitions)
            checks.append((search_scope_of(filters), query))
    if not checks:
        return []
    try:
        matched = client.any_matches([query for _, query in checks])
    except SearchUnavailable as exc:
        logger.warning("Could not tell which cached searches upload %s changed (%s): invalidating every search.",
                       upload_id, exc)
        return None
    return [scope for (scope, _), hit in zip(checks, matched, strict=True) if hit]


def invalidate_user(user_id: int) -> None:
    """A user's username, email or staff flag shows in who-am-I and the profile."""
    invalidate(scopes=[user_scope(user_id)])


def invalidate_products() -> None:
    """A product's name or slug shows in product lists and in the per-product volumes."""
    invalidate(types=PRODUCT_AFFECTS)
