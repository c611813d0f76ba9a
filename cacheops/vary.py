"""
Which requests a response may differ for, and so which of them may share its entry.

Django's cache middleware keys a page on the request headers its response names in `Vary`
(`learn_cache_key`). A cached view handler cannot wait for the response to pick its key, so
cacheops decides per user before the view runs, and checks the response afterwards:

- a DRF view with authentication classes answers after authenticating: its response may
  differ per user (DRF's authenticated views vary on Authorization or Cookie). It is keyed per
  user unless the view says `shared=True` (the same answer for every authorised user);
- a renderer that embeds the user's state (the browsable API) is keyed per user always;
- any other view whose response turns out to vary on Authorization or Cookie (its `Vary`
  header, or a session it read, for which Django's SessionMiddleware adds `Vary: Cookie`) is
  not stored under a key that does not cover those headers; the policy learns it, and from
  then on keys the view per user: by user id when the user is authenticated, else by the
  varying headers' values, as `learn_cache_key` does.
"""

from __future__ import annotations

from typing import Any

from django.utils.cache import cc_delim_re
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer

from cacheops.keys import normalize_media_type

# Request headers whose values can identify the user.
USER_HEADERS = frozenset({"authorization", "cookie"})
_META_NAMES = {"authorization": "HTTP_AUTHORIZATION", "cookie": "HTTP_COOKIE"}


def renders_user_state(renderer: BaseRenderer, media_type: str = "") -> bool:
    """Whether a page from this renderer carries the requesting user's state, so it is keyed per user.

    A renderer says so with `cacheops_per_user = True` (or False to share its pages). Otherwise
    the browsable API (its pages name the user and embed a CSRF token), format `api`, and any
    HTML rendering are per user: a template may show anything about the request.
    """
    declared = getattr(renderer, "cacheops_per_user", None)
    if declared is not None:
        return bool(declared)
    return (isinstance(renderer, BrowsableAPIRenderer) or renderer.format == "api"
            or normalize_media_type(renderer.media_type or "").startswith("text/html")
            or media_type.startswith("text/html"))


def authenticates(request: Any) -> bool:
    """Whether DRF authenticates this request before the view runs (the view has authentication classes)."""
    return bool(getattr(request, "authenticators", None))


def user_headers_varied(response: Any, request: Any) -> frozenset[str]:
    """The user-identifying request headers the response varies on (`Vary`, or a session it read).

    A DRF request's own authentication reads the session to find the user; that is covered by
    keying on the user, so only the view's explicit `Vary` counts there.
    """
    names = {name.strip().lower() for name in cc_delim_re.split(response.get("Vary", "")) if name.strip()}
    if "*" in names:
        return USER_HEADERS
    varied = names & USER_HEADERS
    if not authenticates(request):
        session = getattr(getattr(request, "_request", request), "session", None)
        if getattr(session, "accessed", False):
            varied.add("cookie")
    return frozenset(varied)


def user_key_parts(request: Any, headers: frozenset[str]) -> tuple[list[str], frozenset[str]]:
    """The key parts that keep one user's entries from another's, and the headers they cover.

    An authenticated user is named by id (every header that identifies them is then covered);
    an anonymous request by the values of `headers`, the user headers its view is known to vary on.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return [f"user={user.pk}"], USER_HEADERS
    http = getattr(request, "_request", request)
    if not authenticates(request) and getattr(getattr(http, "session", None), "accessed", False):
        # Finding the user read the session, so the answer varies on Cookie (SessionMiddleware says so).
        headers = headers | {"cookie"}
    parts = ["user=anonymous"]
    parts.extend(f"{name}={http.META.get(_META_NAMES[name], '')}" for name in sorted(headers))
    return parts, headers
