"""System checks: configuration mistakes surface at `manage.py check`, not at the first request."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from cacheops.conf import cacheops_settings, get_django_setting

BACKEND = "cacheops.backends.RedisCache"


@register(Tags.caches)
def check_cache_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when the response cache alias is missing or is not served by the cacheops backend."""
    from cacheops.backends import RedisCache

    try:
        alias = cacheops_settings.CACHE_ALIAS
    except ImproperlyConfigured:
        return []  # check_settings reports it.
    config = (get_django_setting("CACHES") or {}).get(alias)
    if config is None:
        return [Error(f"CACHEOPS['CACHE_ALIAS'] is {alias!r}, but CACHES has no such alias.",
                      hint=f"Add CACHES[{alias!r}] with BACKEND {BACKEND!r}, or point CACHE_ALIAS at an alias.",
                      id="cacheops.E001")]
    try:
        backend = import_string(config.get("BACKEND", ""))
    except ImportError:
        backend = None  # Django's own cache checks report an unimportable backend.
    if not (isinstance(backend, type) and issubclass(backend, RedisCache)):
        return [Warning(f"CACHES[{alias!r}]['BACKEND'] is {config.get('BACKEND')!r}: cached responses will not be "
                        "compressed, and unreadable values may raise instead of being misses.",
                        hint=f"Set CACHES[{alias!r}]['BACKEND'] = {BACKEND!r}.", id="cacheops.W001")]
    return []


@register(Tags.caches)
def check_hash_tags(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse a KEY_PREFIX or KEY_FUNCTION that would take the cache type's hash tag away from the hit."""
    try:
        config = (get_django_setting("CACHES") or {}).get(cacheops_settings.CACHE_ALIAS) or {}
    except ImproperlyConfigured:
        return []
    prefix = str(config.get("KEY_PREFIX", ""))
    if "{" in prefix or "}" in prefix:
        return [Error(f"CACHES KEY_PREFIX {prefix!r} contains a brace: on a Redis Cluster the prefix would be "
                      "the hash tag, so an entry and its type's generation counter could land in different slots.",
                      hint="Use a KEY_PREFIX without '{' or '}'.", id="cacheops.E003")]
    key_function = config.get("KEY_FUNCTION")
    if key_function not in (None, "cacheops.keys.make_physical_key"):
        return [Warning(f"CACHES KEY_FUNCTION is {key_function!r}: cacheops' keys lose the hash tag of their cache "
                        "type, so on a Redis Cluster a hit's MGET fails with CROSSSLOT.",
                        hint="Leave KEY_FUNCTION unset, or wrap cacheops.keys.make_physical_key.",
                        id="cacheops.W003")]
    return []


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report unknown CACHEOPS keys and invalid TTLs."""
    try:
        cacheops_settings.TIMEOUTS  # noqa: B018 (reading it validates it)
    except (ImproperlyConfigured, ValueError) as exc:
        return [Error(str(exc), hint="See cacheops/conf.py for every key and its default.", id="cacheops.E002")]
    return []


@register(Tags.urls)
def check_declared_query_params(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn about cached views of the URLconf that key on every query parameter.

    Such a view makes one entry per value of any parameter a client invents (`?junk=1`,
    `?junk=2`...), which fills Redis and runs the view each time. Declaring the parameters it
    reads (`cache_response(..., query_params=ParamsSerializer)`, or `()`) keys on those alone.
    """
    from django.urls import get_resolver

    return [
        Warning(f"{name} caches its responses under a key of every query parameter, so any invented "
                "parameter makes a new cache entry.",
                hint="Declare what it reads: cache_response(..., query_params=<its params serializer>), "
                     "or query_params=() when it reads none.",
                obj=name, id="cacheops.W002")
        for name in undeclared_cached_views(get_resolver())
    ]


def undeclared_cached_views(resolver: Any) -> list[str]:
    """Names (`module.View.handler`) of the cached handlers reachable from `resolver` without query_params."""
    from django.urls import URLPattern, URLResolver

    found: dict[str, None] = {}  # ordered, without repeats (a view may have several routes)
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found.update(dict.fromkeys(undeclared_cached_views(pattern)))
        elif isinstance(pattern, URLPattern):
            found.update(dict.fromkeys(_undeclared_handlers(pattern.callback)))
    return list(found)


def _undeclared_handlers(callback: Any) -> list[str]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:  # a function view
        handlers = [callback]
    else:
        names = set(getattr(view_class, "http_method_names", ())) | set((getattr(callback, "actions", None) or {})
                                                                         .values())
        handlers = [getattr(view_class, name, None) for name in sorted(names)]
    # functools.wraps gave the decorated handler the name of the view's own function.
    return [f"{handler.__module__}.{handler.__qualname__}" for handler in map(_unwrap_api_view, handlers)
            if (policy := getattr(handler, "cacheops_policy", None)) is not None and policy.query_params is None]


def _unwrap_api_view(handler: Any) -> Any:
    """The function `@api_view` wraps: its generated handler holds it in a closure cell."""
    if handler is None or hasattr(handler, "cacheops_policy"):
        return handler
    for cell in getattr(handler, "__closure__", None) or ():
        with contextlib.suppress(ValueError):  # an empty cell
            if hasattr(cell.cell_contents, "cacheops_policy"):
                return cell.cell_contents
    return handler
