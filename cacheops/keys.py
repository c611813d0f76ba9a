"""
Cache keys: how a request becomes a logical key, and which keys and patterns are allowed.

A logical key is what `X-Cache-Key` shows and what patterns match: `cache:<type>:<md5>` by
default. The physical key Redis stores is made by `make_physical_key` (the cache's KEY_FUNCTION):
Django's KEY_PREFIX and version, and the cache type wrapped in a Redis Cluster hash tag,
`<prefix>:<version>:cache:{<type>}:<md5>`, so an entry and every generation counter it is
checked against (`cacheops:generation:{<type>}...`) hash to one slot: a hit is one MGET on one
node, on a cluster as on one Redis. This module is the only one that knows that format.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

from cacheops.conf import CacheType, cacheops_settings
from cacheops.exceptions import InvalidCacheKey, InvalidPattern

# Only `*` and `?` are wildcards: character classes and escapes could reach outside the namespace.
_FORBIDDEN_PATTERN_CHARS = re.compile(r"[\[\]\\\s\x00-\x1f\x7f]")
_WILDCARDS = re.compile(r"[*?]")


_SCOPE = re.compile(r"[a-z][a-z0-9_-]*:[A-Za-z0-9_.:-]{1,200}")
_TYPE_NAMES = frozenset(member.value for member in CacheType)
_GENERATION_PREFIX = "cacheops:generation:"


def generation_key(type_name: str) -> str:
    """The logical key of a type's generation counter: outside `cache:`, so no pattern reaches it."""
    return f"{_GENERATION_PREFIX}{type_name}"


def hash_tag(type_name: str) -> str:
    """The Redis Cluster hash tag of a cache type: every key carrying it lives in one slot."""
    return f"{{{type_name}}}"


def tag_logical_key(key: str) -> str:
    """Wrap the cache type of a response key or a generation counter in its hash tag.

    `cache:search:ab12` -> `cache:{search}:ab12`, `cacheops:generation:search` ->
    `cacheops:generation:{search}` (and any counter scoped below the type, e.g.
    `cacheops:generation:search:user:7`, stays with it). Patterns go through here too
    (`cache:search:*` -> `cache:{search}:*`; Redis globs read braces literally). Every other key is
    returned unchanged: Django's own cache keys, locks and stats spread over the cluster freely.
    """
    return _tag(key, cacheops_settings.KEY_PREFIX)


@functools.lru_cache(maxsize=8192)
def _tag(key: str, namespace: str) -> str:
    for head in (f"{namespace}:", _GENERATION_PREFIX):
        if key.startswith(head):
            type_name, sep, rest = key[len(head):].partition(":")
            if type_name in _TYPE_NAMES:
                return f"{head}{hash_tag(type_name)}{sep}{rest}"
    return key


def untag_logical_key(key: str) -> str:
    """Undo `tag_logical_key`: `cache:{search}:ab12` -> `cache:search:ab12`."""
    for head in (f"{cacheops_settings.KEY_PREFIX}:", _GENERATION_PREFIX):
        if key.startswith(head + "{"):
            tag, sep, rest = key[len(head) + 1:].partition("}")
            if sep and tag in _TYPE_NAMES:
                return f"{head}{tag}{rest}"
    return key


def reverse_physical_key(key: str) -> str:
    """The cache's REVERSE_KEY_FUNCTION: the logical key of a physical one (prefix, version, tag removed)."""
    return untag_logical_key(key.split(":", 2)[2])


def make_physical_key(key: str, key_prefix: str, version: int | str) -> str:
    """The cache's KEY_FUNCTION: Django's `<prefix>:<version>:<key>` with the type's hash tag."""
    return f"{key_prefix}:{version}:{tag_logical_key(key)}"


def scope_generation_key(type_name: str, scope: str) -> str:
    """The logical key of a scope's counter for one type: `cacheops:generation:user:scope:user:42`.

    One counter per type and scope, below the type's own: it carries the type's hash tag, so an
    entry and every counter it is checked against share a cluster slot.
    """
    return f"{generation_key(type_name)}:scope:{scope}"


def fill_lock_key(key: str) -> str:
    """The logical key of the lock that lets one request fill the entry under `key`."""
    return f"cacheops:lock:{key}"


def make_aux_key(name: str) -> str:
    """The logical key of an app's own value kept beside the responses (`cacheops:aux:{name}`).

    Outside `cache:`, so no invalidation pattern reaches it; `name` says whose it is
    (`dashboard:popular-searches`).
    """
    return f"cacheops:aux:{name}"


def validate_scope(scope: object) -> str:
    """Return `scope` if it names a generation scope: `{kind}:{value}`, such as `user:42` or `product:7`.

    The kind is lower-case letters, digits, `_` or `-`; the value letters, digits and `_.:-`
    (so a later kind may nest: `day:2026-11-30`). No wildcards: a scope is invalidated by name.
    """
    if not isinstance(scope, str) or not _SCOPE.fullmatch(scope):
        raise InvalidCacheKey(
            f"scope {scope!r} is not a generation scope: write '{{kind}}:{{value}}' such as 'user:42', with a "
            "lower-case kind and a value of letters, digits, '_', '.', ':' or '-' (at most 200 characters)."
        )
    return scope


# Memoised: the same few thousand query strings and key parts recur on every hit, and parsing
# and hashing them is most of the Python time a hit spends.
def physical_key_function(cache: Any) -> Callable[[str], str]:
    """Return the function that turns a logical key into the name in Redis for `cache`.

    It is the cache's own key function with its KEY_PREFIX and version (what `cache.make_key`
    does, resolved once): every name cacheops writes, entries, generation counters, locks and
    the stats hash, goes through it, so the format of a physical key lives here and in Django's
    KEY_FUNCTION setting only.
    """
    key_function, key_prefix, version = cache.key_func, cache.key_prefix, cache.version
    return lambda logical: key_function(logical, key_prefix, version)


@functools.lru_cache(maxsize=4096)
def make_canonical_query(query_string: str) -> str:
    """Return the query string with parameters sorted by name (values of one name keep their order).

    `?b=1&a=2` and `?a=2&b=1` give the same body, so they share a key; `?a=1&a=2` and `?a=2&a=1`
    may not (a view may use the order of a repeated parameter), so they do not.
    """
    if not query_string:
        return ""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))


@functools.lru_cache(maxsize=4096)
def keep_declared_params(query_string: str, names: frozenset[str],
                         blank_means_absent: frozenset[str] = frozenset()) -> str:
    """Return `query_string` with only the parameters named in `names`, in their order and spelling.

    Undeclared parameters (`?junk=N`) change nothing a view answers, so they must not make
    new entries: a client could otherwise fill Redis, and the search engine, one value at a time.
    A parameter of `blank_means_absent` whose every value is blank (`?q=`) goes too: the view reads
    it as no value at all, so `?q=&cursor=` shares the plain request's entry.
    """
    named = [(chunk, unquote_plus(chunk.split("=", 1)[0])) for chunk in query_string.split("&") if chunk]
    valued = {name for chunk, name in named if chunk.partition("=")[2]} if blank_means_absent else set()
    kept = [chunk for chunk, name in named
            if name in names and (name not in blank_means_absent or name in valued)]
    return "&".join(kept)


# Accept parameters that rank a media type without changing the body (RFC 9110 12.5.1).
_RANKING_PARAMS = frozenset({"q"})


@functools.lru_cache(maxsize=1024)
def normalize_media_type(media_type: str) -> str:
    """Return the negotiated media type as the key spells it: `Text/HTML; q=0.9` -> `text/html`.

    DRF echoes the client's spelling of the Accept entry it matched. Type, subtype and
    parameter names are case-insensitive and `q` only ranks, so they are folded; the other
    parameters (`indent=4` for JSON) may change the body and are kept, sorted.
    """
    main, _, rest = media_type.partition(";")
    params = []
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        name = name.strip().lower()
        if name and name not in _RANKING_PARAMS:
            params.append(f"{name}={value.strip()}")
    return ";".join([main.strip().lower(), *sorted(params)])


@functools.lru_cache(maxsize=4096)
def make_digest(*parts: str) -> str:
    """Return the hex MD5 of the parts (MD5 names entries here; it guards nothing)."""
    return hashlib.md5("\n".join(parts).encode(), usedforsecurity=False).hexdigest()


def make_cache_key(cache_type: CacheType | str, *parts: object) -> str:
    """Return the logical key of a response of `cache_type`: `{KEY_PREFIX}:{type}:{part}:{part}...`.

    The default key is `make_cache_key(type, digest)`; a `key_func` builds its own from the same
    function, e.g. `make_cache_key(CacheType.USER, "profile", user_id, digest)`, so that
    KEY_PREFIX and the type always lead and `invalidate_pattern` and the type's generation reach it.
    """
    type_name = cache_type.value if isinstance(cache_type, CacheType) else CacheType.parse(cache_type).value
    if not parts:
        raise InvalidCacheKey(f"make_cache_key({type_name!r}) needs at least one part after the type.")
    return ":".join((cacheops_settings.KEY_PREFIX, type_name, *map(str, parts)))


def make_type_pattern(cache_type: CacheType) -> str:
    """Return the pattern of every key of one cache type."""
    return f"{cacheops_settings.KEY_PREFIX}:{cache_type.value}:*"


def make_namespace_pattern() -> str:
    """Return the pattern of every response key (what clear_all deletes)."""
    return f"{cacheops_settings.KEY_PREFIX}:*"


def validate_custom_key(key: object, cache_type: CacheType) -> str:
    """Return `key` if a key_func may use it: a str under `cache:{type}:`, without wildcards."""
    expected = f"{cacheops_settings.KEY_PREFIX}:{cache_type.value}:"
    if not isinstance(key, str):
        raise InvalidCacheKey(f"key_func returned {key!r}: it must return a str starting with {expected!r}.")
    if not key.startswith(expected) or len(key) == len(expected):
        raise InvalidCacheKey(
            f"key_func returned {key!r}: keys of the {cache_type.value!r} cache type must start with {expected!r} "
            f"so that invalidate_cache_type(CacheType.{cache_type.name}) finds them."
        )
    if _WILDCARDS.search(key) or _FORBIDDEN_PATTERN_CHARS.search(key) or len(key) > 1024:
        raise InvalidCacheKey(
            f"key_func returned {key!r}: a key may not contain '*', '?', brackets, backslashes or whitespace "
            "and may not exceed 1024 characters."
        )
    return key


def validate_pattern(pattern: object) -> str:
    """Return `pattern` if it is a safe invalidation glob; raise InvalidPattern saying why not.

    Rules: a non-empty str of at most PATTERN_MAX_LENGTH characters, starting with
    `cache:{type}:` or equal to `cache:{type}` where {type} is a known cache type spelled out
    (so one pattern never spans every type: that is `clear_all()`), only `*` and `?` as
    wildcards (no `[...]` classes, no backslash escapes, no whitespace), at most
    PATTERN_MAX_WILDCARDS of them and never `**`.
    """
    if not isinstance(pattern, str):
        raise InvalidPattern(f"pattern {pattern!r} must be a string, not {type(pattern).__name__}.")
    prefix = f"{cacheops_settings.KEY_PREFIX}:"
    limit = cacheops_settings.PATTERN_MAX_LENGTH
    if not pattern:
        raise InvalidPattern("pattern '' is empty; give a glob such as 'cache:search:*'.")
    if len(pattern) > limit:
        raise InvalidPattern(f"pattern {pattern[:40]!r}... is {len(pattern)} characters long; the limit is {limit}.")
    if not pattern.startswith(prefix):
        raise InvalidPattern(f"pattern {pattern!r} must start with {prefix!r}: only response keys can be invalidated.")
    _check_pattern_body(pattern, prefix)
    return pattern


def _check_pattern_body(pattern: str, prefix: str) -> None:
    bad = _FORBIDDEN_PATTERN_CHARS.search(pattern)
    if bad:
        raise InvalidPattern(
            f"pattern {pattern!r} contains {bad.group()!r}: only '*' and '?' are allowed as wildcards "
            "(no character classes, escapes or whitespace)."
        )
    type_name = pattern[len(prefix):].split(":", 1)[0]
    if type_name not in {member.value for member in CacheType}:
        choices = ", ".join(f"{prefix}{member.value}:*" for member in CacheType)
        raise InvalidPattern(
            f"pattern {pattern!r} must name a cache type after {prefix!r} (one of: {choices}); "
            "use clear_all() to remove every cached response."
        )
    wildcards = len(_WILDCARDS.findall(pattern))
    if wildcards > cacheops_settings.PATTERN_MAX_WILDCARDS or "**" in pattern:
        raise InvalidPattern(
            f"pattern {pattern!r} has {wildcards} wildcards; at most {cacheops_settings.PATTERN_MAX_WILDCARDS} "
            "are allowed, and never '**'."
        )
