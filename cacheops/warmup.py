"""
Warm-up: fill the cache before anyone waits, by requesting registered paths in-process.

Apps register what to warm in their AppConfig.ready():

    register_warmup("/api/dashboard")
    register_warmup_provider(lambda: get_popular_searches(10))   # computed at warm-up time

`manage.py warm_cache` GETs each path through Django's test client (the whole middleware and
view stack, no network), logged in as a superuser or `--user`, asking for JSON, so exactly the
entries real API clients hit are filled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.test import Client

from cacheops.conf import get_django_setting

logger = logging.getLogger("cacheops")

_paths: list[str] = []
_providers: list[Callable[[], Iterable[str]]] = []


@dataclass(frozen=True)
class WarmResult:
    path: str
    status: int
    cache: str  # the X-Cache header: MISS (filled now), HIT (was already there), "-" (not a cached view)


def register_warmup(path: str) -> None:
    """Register a path (with its query string) for `warm_cache` to request."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"register_warmup({path!r}): give an absolute path such as '/api/dashboard?days=7'.")
    if path not in _paths:
        _paths.append(path)


def register_warmup_provider(provider: Callable[[], Iterable[str]]) -> None:
    """Register a callable returning paths, called at each warm-up (for lists that change, like popular searches)."""
    if not callable(provider):
        raise TypeError(f"register_warmup_provider({provider!r}): give a callable returning paths.")
    if provider not in _providers:
        _providers.append(provider)


def clear_warmup_registry() -> None:
    """Forget every registered path and provider (tests)."""
    _paths.clear()
    _providers.clear()


def get_warmup_paths() -> list[str]:
    """Return the registered paths, then the providers' paths, without duplicates."""
    paths = list(_paths)
    for provider in _providers:
        try:
            provided = list(provider())
        # A broken provider must not stop the others from warming.
        except Exception:
            logger.exception("[CACHE ERROR] warm-up provider %r failed; skipped", provider)
            continue
        paths.extend(path for path in provided if isinstance(path, str) and path.startswith("/"))
    return list(dict.fromkeys(paths))


def _default_host() -> str:
    # The test client's "testserver" is refused where ALLOWED_HOSTS does not list it (production).
    for host in get_django_setting("ALLOWED_HOSTS", []):
        if host and "*" not in host:
            return host.lstrip(".")
    return "testserver"


def warm(paths: Iterable[str], user: Any = None) -> list[WarmResult]:
    """GET each path in-process as `user` (anonymous if None); return what happened to each."""
    client = Client(HTTP_ACCEPT="application/json", SERVER_NAME=_default_host())
    if user is not None:
        client.force_login(user)
    results = []
    for path in paths:
        response = client.get(path)
        results.append(WarmResult(path, response.status_code, response.get("X-Cache", "-")))
    return results
