"""The key rules: canonical queries, digests, custom keys and invalidation patterns."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cacheops.conf import CacheType
from cacheops.exceptions import InvalidCacheKey, InvalidPattern
from cacheops.keys import (
    keep_declared_params,
    make_cache_key,
    make_canonical_query,
    make_digest,
    make_physical_key,
    make_type_pattern,
    normalize_media_type,
    reverse_physical_key,
    tag_logical_key,
    validate_custom_key,
    validate_pattern,
)


@pytest.mark.parametrize(
    ("first", "second"),
    [("b=1&a=2", "a=2&b=1"), ("", ""), ("q=x%20y", "q=x+y"), ("a=&b=1", "b=1&a=")],
)
def test_equivalent_queries_are_canonicalised_alike(first, second):
    assert make_canonical_query(first) == make_canonical_query(second)


def test_values_of_a_repeated_parameter_keep_their_order():
    assert make_canonical_query("level=ERROR&level=WARN") != make_canonical_query("level=WARN&level=ERROR")
    assert make_canonical_query("z=1&level=B&a=0&level=A") == "a=0&level=B&level=A&z=1"


def test_blank_values_are_not_dropped():
    assert make_canonical_query("q=") != make_canonical_query("")


def test_digest_is_md5_hex_and_separates_parts():
    digest = make_digest("/api", "a=1")
    assert len(digest) == 32 and int(digest, 16) >= 0
    assert make_digest("/api", "a=1") != make_digest("/ap", "ia=1")


def test_default_key_and_type_pattern():
    assert make_cache_key(CacheType.SEARCH, "abc") == "cache:search:abc"
    assert make_type_pattern(CacheType.USER) == "cache:user:*"


def test_key_prefix_is_a_setting():
    with override_settings(CACHEOPS={"KEY_PREFIX": "resp"}):
        assert make_cache_key(CacheType.SEARCH, "abc") == "resp:search:abc"
        assert validate_pattern("resp:search:*") == "resp:search:*"
        with pytest.raises(InvalidPattern):
            validate_pattern("cache:search:*")


@pytest.mark.parametrize("key", ["cache:user:profile:7", "cache:user:7:dashboard:abc"])
def test_custom_keys_inside_their_type_are_accepted(key):
    assert validate_custom_key(key, CacheType.USER) == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("sessions:abc", "must start with 'cache:user:'"),
        ("cache:search:abc", "must start with 'cache:user:'"),
        ("cache:user:", "must start with 'cache:user:'"),
        ("cache:user:*", "may not contain"),
        ("cache:user:a b", "may not contain"),
        (42, "must return a str"),
    ],
)
def test_custom_keys_outside_their_type_are_refused(key, reason):
    with pytest.raises(InvalidCacheKey, match=reason):
        validate_custom_key(key, CacheType.USER)


@pytest.mark.parametrize(
    "pattern",
    [
        "cache:search:*",
        "cache:user:profile:*",
        "cache:user:profile:12",
        "cache:user:12:*",
        "cache:analytics:trends:?bc*",
        "cache:product",
        "cache:user:*:dashboard:*",
    ],
)
def test_valid_patterns(pattern):
    assert validate_pattern(pattern) == pattern


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (None, "must be a string, not NoneType"),
        (["cache:search:*"], "must be a string, not list"),
        ("", "is empty"),
        ("*", "must start with 'cache:'"),
        ("sessions:*", "must start with 'cache:'"),
        ("cache:*", "must name a cache type"),
        ("cache:*:*:*:*", "must name a cache type"),
        ("cache:sea*", "must name a cache type"),
        ("cache:nope:*", "must name a cache type"),
        ("cache:search:[a-z]*", "only '\\*' and '\\?'"),
        ("cache:search:\\*", "only '\\*' and '\\?'"),
        ("cache:search:a b", "only '\\*' and '\\?'"),
        ("cache:search:**", "never '\\*\\*'"),
        ("cache:user:*:*:*:*:*", "has 5 wildcards"),
        ("cache:search:" + "x" * 250, "the limit is 256"),
    ],
)
def test_invalid_patterns_say_why(pattern, reason):
    with pytest.raises(InvalidPattern, match=reason):
        validate_pattern(pattern)


def test_invalid_pattern_is_a_value_error_naming_the_value():
    with pytest.raises(ValueError, match="'sessions:\\*'"):
        validate_pattern("sessions:*")


@pytest.mark.parametrize(
    ("negotiated", "keyed"),
    [
        ("Text/HTML", "text/html"),
        ("text/html; q=0.9", "text/html"),
        ("TEXT/html;Q=0.9", "text/html"),
        (" application/json ", "application/json"),
        ("Application/JSON ; Indent=4", "application/json;indent=4"),
        ("application/json; q=0.5; indent=4", "application/json;indent=4"),
        ("application/json;version=2;indent=4", "application/json;indent=4;version=2"),
        ("", ""),
    ],
)
def test_media_types_are_keyed_case_folded_without_their_rank(negotiated, keyed):
    assert normalize_media_type(negotiated) == keyed


def test_parameters_that_may_change_the_body_are_kept():
    assert normalize_media_type("application/json; indent=4") != normalize_media_type("application/json")
    assert normalize_media_type("application/json; indent=4") != normalize_media_type("application/json; indent=2")


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("q=error&junk=1", "q=error"),
        ("junk=1&junk=2", ""),
        ("junk=1&q=a%20b&level=ERROR&x=&level=WARN", "q=a%20b&level=ERROR&level=WARN"),
        ("q+x=1&q=2", "q=2"),  # `q x` is another name
        ("%71=encoded", "%71=encoded"),  # %71 is `q`: what Django decodes it to decides
        ("q&&level=", "q&level="),
        ("", ""),
    ],
)
def test_only_declared_parameters_are_kept_in_order_and_spelling(query, kept):
    assert keep_declared_params(query, frozenset({"q", "level"})) == kept


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("q=&level=ERROR&cursor=", "level=ERROR"),
        ("q&level=", "level="),  # `level` is read blank: it stays
        ("q=&q=disk", "q=&q=disk"),  # a blank beside a value may mean something: both stay
        ("q=%20", "q=%20"),  # a space is not blank here: the view decides what it means
        ("junk=&q=", ""),
    ],
)
def test_a_parameter_read_blank_as_absent_goes_when_all_its_values_are_blank(query, kept):
    assert keep_declared_params(query, frozenset({"q", "level", "cursor"}), frozenset({"q", "cursor"})) == kept


class TestHashTags:
    """The physical format: the cache type in a Redis Cluster hash tag (docs/scaling.md)."""

    @pytest.mark.parametrize("logical, physical", [
        ("cache:search:ab12", "cache:{search}:ab12"),
        ("cacheops:generation:search", "cacheops:generation:{search}"),
        ("cacheops:generation:search:user:7", "cacheops:generation:{search}:user:7"),
        ("cache:search:*", "cache:{search}:*"),
        ("cache:*", "cache:*"),
        ("cache:unknown-type:x", "cache:unknown-type:x"),
        ("cacheops:lock:cache:search:ab12", "cacheops:lock:cache:search:ab12"),
        ("cacheops:stats", "cacheops:stats"),
        ("django-key", "django-key"),
    ])
    def test_only_response_keys_and_generations_are_tagged(self, logical, physical):
        assert tag_logical_key(logical) == physical
        assert make_physical_key(logical, "p", 1) == f"p:1:{physical}"
        assert reverse_physical_key(f"p:1:{physical}") == logical

    def test_the_cache_makes_and_reverses_tagged_keys(self, cache):
        physical = cache.make_key("cache:dashboard:x")
        assert physical.endswith(":1:cache:{dashboard}:x")
        assert cache.client.reverse_key(physical) == "cache:dashboard:x"
