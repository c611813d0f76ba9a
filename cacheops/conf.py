"""
Settings for cacheops, read through one object: `cacheops_settings`.

The project's `CACHEOPS = {...}` dict wins over DEFAULTS, key by key (the per-type settings,
`TIMEOUTS`, `STALE_WHILE_REVALIDATE` and `STALE_IF_ERROR`, are merged type by type, so
overriding one TTL keeps the others). The object reloads on `setting_changed`,
so `override_settings(CACHEOPS=...)` works in tests. This is the only module of the app that
reads Django settings.
"""

from __future__ import annotations

import enum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


class CacheType(str, enum.Enum):
    """The kinds of cached responses; each has its own TTL and its own key segment."""

    DASHBOARD = "dashboard"
    SEARCH = "search"
    USER = "user"
    PRODUCT = "product"
    ANALYTICS = "analytics"

    def __str__(self) -> str:
        return self.value

    @property
    def timeout(self) -> int:
        """The TTL in seconds for this type, from settings."""
        return cacheops_settings.TIMEOUTS[self.value]

    @classmethod
    def parse(cls, value: object) -> CacheType:
        """Return the member for `value` (a member or its name); raise ValueError naming the choices."""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(member.value for member in cls)
            raise ValueError(f"{value!r} is not a cache type; choose one of: {choices}.") from None


DEFAULTS: dict[str, Any] = {
    # The cache alias of CACHES that holds responses (its BACKEND should be cacheops.backends.RedisCache).
    "CACHE_ALIAS": "default",
    # Logical namespace of every response key: `cache:{type}:...`.
    "KEY_PREFIX": "cache",
    # TTL in seconds per cache type.
    "TIMEOUTS": {
        CacheType.DASHBOARD.value: 300,
        CacheType.SEARCH.value: 3600,
        CacheType.USER.value: 1800,
        CacheType.PRODUCT.value: 7200,
        CacheType.ANALYTICS.value: 600,
    },
    # Stale-while-revalidate: seconds past its TTL during which an entry is still answered at once
    # (X-Cache: STALE) while one background refresh runs. 0 turns it off for that type.
    "STALE_WHILE_REVALIDATE": {
        CacheType.DASHBOARD.value: 60,
        CacheType.SEARCH.value: 600,
        CacheType.USER.value: 60,
        CacheType.PRODUCT.value: 600,
        CacheType.ANALYTICS.value: 120,
    },
    # Stale-if-error: seconds past its TTL during which an entry answers instead of a failing view
    # (an exception or a 5xx, e.g. the search engine down), invalidated entries included. The hard limit.
    "STALE_IF_ERROR": {
        CacheType.DASHBOARD.value: 3600,
        CacheType.SEARCH.value: 3600,
        CacheType.USER.value: 600,
        CacheType.PRODUCT.value: 3600,
        CacheType.ANALYTICS.value: 3600,
    },
    # Stampede protection: one request fills a cold key under a Redis lock that expires after
    # FILL_LOCK_TIMEOUT seconds; the others poll for the entry every FILL_LOCK_POLL seconds, for at
    # most FILL_LOCK_WAIT seconds, then compute it themselves (the holder may have died).
    "FILL_LOCK_TIMEOUT": 30.0,
    "FILL_LOCK_WAIT": 10.0,
    "FILL_LOCK_POLL": 0.02,
    # Background refreshes (stale-while-revalidate) running at once per process.
    "REFRESH_THREADS": 2,
    # Send a strong ETag with stored responses and answer If-None-Match with 304 on a hit.
    "ETAGS": True,
    # Compression (the backend's default compressor; CACHES OPTIONS may override each one).
    "COMPRESSOR": "cacheops.compressors.ZlibCompressor",
    "COMPRESS_MIN_BYTES": 1024,
    "COMPRESS_LEVEL": 6,
    # Responses with a bigger body are served but not stored.
    "MAX_ENTRY_BYTES": 8 * 1024 * 1024,
    # Entries each process keeps decoded, by their stored bytes, so a hit of a popular entry does not
    # inflate it again (cacheops.decoded); 0 turns it off.
    "DECODED_ENTRIES_MAX_BYTES": 8 * 1024 * 1024,
    # Send `X-Cache-Key` (the logical key) with every response.
    "EXPOSE_KEY_HEADER": True,
    # Put scheme and host into the default key: turn on when views render absolute URLs.
    "VARY_ON_HOST": False,
    # Retries of a failed Redis call: total attempts, first delay, growth factor.
    "RETRY_MAX_ATTEMPTS": 3,
    "RETRY_BASE_DELAY": 0.1,
    "RETRY_BACKOFF": 2.0,
    # Circuit breaker: consecutive failures that open it, seconds it stays open.
    "BREAKER_THRESHOLD": 5,
    "BREAKER_COOLDOWN": 30.0,
    # Stats: the Redis hash that aggregates every process, and how often a process flushes to it.
    "STATS_KEY": "cacheops:stats",
    "STATS_FLUSH_INTERVAL": 5.0,
    # The admin's hit-rate chart: one sample of the counters every STATS_SAMPLE_INTERVAL seconds,
    # the last STATS_SAMPLES kept in a Redis list (288 x 300 s = 24 h).
    "STATS_SAMPLE_INTERVAL": 300,
    "STATS_SAMPLES": 288,
    # Invalidation: SCAN COUNT hint and UNLINK batch size.
    "SCAN_COUNT": 1000,
    "DELETE_BATCH_SIZE": 500,
    # Invalidation patterns: longest accepted pattern, most `*`/`?` wildcards.
    "PATTERN_MAX_LENGTH": 256,
    "PATTERN_MAX_WILDCARDS": 4,
    # Health: hit rate (percent) below which traffic is unhealthy, judged only over this many requests;
    # more errors than this is unhealthy.
    "HEALTH_MIN_HIT_RATE": 50.0,
    "HEALTH_MIN_REQUESTS": 20,
    "HEALTH_MAX_ERRORS": 10,
}


class CacheopsSettings:
    """Attribute access to the cacheops settings: the project's CACHEOPS dict over DEFAULTS."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._cached_attrs: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        user_settings = getattr(settings, "CACHEOPS", None) or {}
        unknown = sorted(set(user_settings) - set(self.defaults))
        if unknown:
            raise ImproperlyConfigured(
                f"CACHEOPS has unknown keys {unknown}; the known keys are {sorted(self.defaults)}."
            )
        return user_settings

    def __getattr__(self, attr: str) -> Any:
        if attr not in self.defaults:
            raise AttributeError(f"Invalid cacheops setting: {attr!r}; known settings are {sorted(self.defaults)}.")
        value = self.user_settings.get(attr, self.defaults[attr])
        if attr in _PER_TYPE:
            value = _merge_per_type(attr, value)
        # Cache the result: the hit path reads settings on every request.
        self._cached_attrs.add(attr)
        setattr(self, attr, value)
        return value

    def reload(self) -> None:
        for attr in self._cached_attrs:
            delattr(self, attr)
        self._cached_attrs.clear()


# Settings given per cache type, merged type by type; the smallest value each accepts.
_PER_TYPE = {"TIMEOUTS": 1, "STALE_WHILE_REVALIDATE": 0, "STALE_IF_ERROR": 0}


def _merge_per_type(name: str, overrides: dict[str, int]) -> dict[str, int]:
    merged = dict(DEFAULTS[name])
    minimum = _PER_TYPE[name]
    for type_name, seconds in overrides.items():
        cache_type = CacheType.parse(str(type_name))
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < minimum:
            raise ImproperlyConfigured(
                f"CACHEOPS[{name!r}][{type_name!r}] = {seconds!r}: give a whole number of seconds >= {minimum}."
            )
        merged[cache_type.value] = seconds
    return merged


cacheops_settings = CacheopsSettings(DEFAULTS)


def get_django_setting(name: str, default: Any = None) -> Any:
    """Return a project-wide Django setting cacheops depends on (CACHES, CSRF_COOKIE_NAME...)."""
    return getattr(settings, name, default)


def get_drf_format_param() -> str | None:
    """Return the query parameter DRF reads to override content negotiation (`format` by default)."""
    from rest_framework.settings import api_settings

    return api_settings.URL_FORMAT_OVERRIDE


@receiver(setting_changed)
def _reload_cacheops_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHEOPS":
        cacheops_settings.reload()
