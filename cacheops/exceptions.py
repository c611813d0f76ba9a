"""
Errors of cacheops.

    CacheopsError
    ├── InvalidPattern (also ValueError)  an invalidation pattern outside the rules
    ├── InvalidCacheKey (also ValueError) a key_func returned a key outside the namespace
    └── CacheUnavailable                  Redis failed (or the circuit breaker is open)

Redis driver errors are translated to CacheUnavailable in one place: `resilience.redis_errors`.
"""

from __future__ import annotations


class CacheopsError(Exception):
    """Base class of every cacheops error."""


class InvalidPattern(CacheopsError, ValueError):  # noqa: N818 (the public name of the contract)
    """An invalidation pattern was refused; the message names the value and the rule."""


class InvalidCacheKey(CacheopsError, ValueError):  # noqa: N818 (pairs with InvalidPattern)
    """A custom key function returned a key that does not belong to its cache type."""


class CacheUnavailable(CacheopsError):  # noqa: N818 (says what happened, like Http404)
    """Redis could not be used: a connection error, a timeout, or the circuit breaker is open."""
