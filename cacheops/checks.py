"""System checks: configuration mistakes surface at `manage.py check`, not at the first request."""

from __future__ import annotations

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


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report unknown CACHEOPS keys and invalid TTLs."""
    try:
        cacheops_settings.TIMEOUTS  # noqa: B018 (reading it validates it)
    except (ImproperlyConfigured, ValueError) as exc:
        return [Error(str(exc), hint="See cacheops/conf.py for every key and its default.", id="cacheops.E002")]
    return []
