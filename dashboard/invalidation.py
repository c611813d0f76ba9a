"""
The dashboard's cache keys and invalidation rules: which entries a change makes stale.

Every key is built by `cacheops.keys.make_cache_key` (so CACHEOPS KEY_PREFIX leads) and every
invalidation is a generation bump (`cacheops.invalidation.invalidate`): O(1) and one Redis
round trip whatever the number of entries, never a SCAN. The answers about one user depend on
that user's scope (`user:{id}`), so a change of the user or an upload of theirs makes exactly
their entries stale and leaves every other user's cached.

    change                          stale
    an upload indexed               dashboard type; the uploader's scope; the pattern lists; the
                                    trends, unless its lines, and the error lines showing a template
                                    it generalised, are all older than their longest window; the
                                    searches its lines may match (below)
    an upload failed or removed     dashboard, analytics and search types; the uploader's scope
    a user saved                    that user's scope (who-am-I, profile, own dashboard)
    a product saved or deleted      product and analytics types

Searches are invalidated in the manner of surrogate keys. A cached search depends on the scope
`search:{digest of its filters}`, shared by all its pages, and every computed search notes its
filters in a `Recent` set first. When an upload commits, each search noted within an entry's
lifetime is tested against a summary of the upload's lines (`dashboard.upload_summary`: their
words, levels, sources, patterns and time span), together with any older line whose pattern
template the upload generalised, since results show templates; only the scopes of the searches
those lines may match are bumped. The test can say "may match" wrongly, never "cannot match"
wrongly, so a search the upload changed is never left cached: a search noted before it computed
is checked at commit, and one computed after the commit saw the lines.
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
from dashboard.queries import ERROR_LEVELS
from dashboard.upload_summary import LineSummary
from logdash.clock import clock

logger = logging.getLogger(__name__)

UPLOAD_AFFECTS = (CacheType.DASHBOARD, CacheType.ANALYTICS, CacheType.SEARCH)
INDEXED_UPLOAD_AFFECTS = (CacheType.DASHBOARD,)
# The two kinds of analytics answers, so an upload of old lines leaves the trends cached.
TRENDS_SCOPE, PATTERNS_SCOPE = "analytics:trends", "analytics:patterns"
PRODUCT_AFFECTS = (CacheType.PRODUCT, CacheType.ANALYTICS)

# What selects a search's lines; the page, its size and the cursor only choose among them.
SEARCH_FILTERS = ("q", "level", "source", "product", "pattern_id", "from", "to")
# Past this many distinct searches in an entry's lifetime, checking them all would cost the worker more
# than the misses it saves: an upload then invalidates every search.
MAX_CHECKED_SEARCHES = 2000
# Past this many older lines showing a template an upload generalised, it invalidates every search.
MAX_GENERALISED_LINES = 10_000


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


def _changes_trends(newest_line: datetime | None, generalised_lines: list[dict[str, Any]]) -> bool:
    """Whether an upload can change a trends answer: a line of its own inside the longest window, or an
    error line there showing a template it generalised (the top error patterns show their templates).

    `generalised_lines` are the other lines showing those templates.
    """
    if newest_line is None:
        return True
    # A day of slack for the time zone the windows are counted in.
    oldest_shown = clock.now() - timedelta(days=dashboard_settings.TRENDS_MAX_DAYS + 1)
    if newest_line >= oldest_shown:
        return True
    return any(line.get("level") in ERROR_LEVELS and _moment_of(line) >= oldest_shown for line in generalised_lines)


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
                            generalised_patterns: Iterable[str] = (), lines: LineSummary | None = None,
                            newest_line: datetime | None = None) -> None:
    """New (or removed) lines change the dashboard, the trends, the searches and the uploader's own answers.

    With the `upload_id` of an indexed upload and the summary of its `lines`, only the searches
    those lines (or the lines of the pattern templates it generalised) may match are invalidated,
    and the trends only when those lines reach their window; without them, every search and the trends.
    """
    scopes = [user_scope(owner_id)] if owner_id is not None else []
    touched = generalised_lines = None
    if upload_id is not None and lines is not None:
        pattern_ids = list(generalised_patterns)
        generalised_lines = read_generalised_lines(upload_id, product, pattern_ids) if pattern_ids else []
        if generalised_lines is not None:
            add_lines(lines, generalised_lines)
            touched = searches_touched_by(lines)
    if touched is None or generalised_lines is None:
        invalidate(types=UPLOAD_AFFECTS, scopes=scopes)
        return
    analytics = [PATTERNS_SCOPE, *([TRENDS_SCOPE] if _changes_trends(newest_line, generalised_lines) else [])]
    invalidate(types=INDEXED_UPLOAD_AFFECTS, scopes=[*scopes, *analytics, *touched])


def searches_touched_by(lines: LineSummary) -> list[str] | None:
    """The scopes of the noted searches that may match one of `lines`; None when that cannot be told.

    The upload's own lines are summarised by the job as it indexes them; the older lines whose
    template it generalised (their answers show the new template) are added by the caller.
    """
    from dashboard.serializers import LogFilterSerializer

    try:
        noted = _recent_searches().members()
    except CacheUnavailable:
        return None
    if len(noted) > MAX_CHECKED_SEARCHES or lines.overflowed:
        return None
    touched = []
    for filters in noted:
        params = LogFilterSerializer(data=QueryDict(filters))
        # An invalid search answered 400, which is never cached.
        if params.is_valid() and lines.may_match(params.to_criteria()):
            touched.append(search_scope_of(filters))
    return touched


def read_generalised_lines(upload_id: int, product: str, pattern_ids: list[str]) -> list[dict[str, Any]] | None:
    """The other lines of `product` that show a template the upload generalised, in one request to the engine.

    None when they cannot be read, or past MAX_GENERALISED_LINES: then every search is invalidated.
    """
    from dashboard import client, queries
    from dashboard.exceptions import SearchUnavailable

    search = queries.lines_with_patterns(product, pattern_ids, other_than_upload=upload_id)
    try:
        total, found = client.fetch_lines(search, limit=MAX_GENERALISED_LINES)
    except SearchUnavailable as exc:
        logger.warning("Could not read the lines whose template upload %s generalised (%s): invalidating every "
                       "search.", upload_id, exc)
        return None
    if total > MAX_GENERALISED_LINES:
        return None
    return found


def add_lines(lines: LineSummary, found: list[dict[str, Any]]) -> None:
    """Add lines read from the engine (their stored fields) to a summary."""
    for line in found:
        lines.add(message=line.get("message", ""), level=line.get("level", ""), source=line.get("source", ""),
                  product=line.get("product", ""), pattern_id=line.get("pattern_id", ""), moment=_moment_of(line))


def _moment_of(line: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(line["@timestamp"])


def invalidate_user(user_id: int) -> None:
    """A user's username, email or staff flag shows in who-am-I and the profile."""
    invalidate(scopes=[user_scope(user_id)])


def invalidate_products() -> None:
    """A product's name or slug shows in product lists and in the per-product volumes."""
    invalidate(types=PRODUCT_AFFECTS)
