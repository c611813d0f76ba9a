"""Settings through one object: defaults, project overrides, reload under override_settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cacheops.conf import CacheType, cacheops_settings


def test_default_ttls_follow_the_spec():
    assert {member.value: member.timeout for member in CacheType} == {
        "dashboard": 300, "search": 3600, "user": 1800, "product": 7200, "analytics": 600,
    }


def test_one_ttl_can_be_overridden_and_the_others_stay():
    with override_settings(CACHEOPS={"TIMEOUTS": {"search": 60}}):
        assert CacheType.SEARCH.timeout == 60
        assert CacheType.DASHBOARD.timeout == 300
    assert CacheType.SEARCH.timeout == 3600


def test_defaults_of_the_issue():
    assert cacheops_settings.KEY_PREFIX == "cache"
    assert cacheops_settings.COMPRESS_MIN_BYTES == 1024
    assert cacheops_settings.COMPRESS_LEVEL == 6
    assert (cacheops_settings.RETRY_MAX_ATTEMPTS, cacheops_settings.RETRY_BASE_DELAY) == (3, 0.1)


def test_unknown_keys_are_refused_with_the_known_ones():
    with override_settings(CACHEOPS={"TTL": 5}), pytest.raises(ImproperlyConfigured, match="unknown keys \\['TTL'\\]"):
        cacheops_settings.KEY_PREFIX  # noqa: B018


@pytest.mark.parametrize("timeouts", [{"search": 0}, {"search": "60"}, {"nope": 60}])
def test_invalid_ttls_are_refused(timeouts):
    with override_settings(CACHEOPS={"TIMEOUTS": timeouts}), pytest.raises((ImproperlyConfigured, ValueError)):
        cacheops_settings.TIMEOUTS  # noqa: B018


def test_unknown_setting_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Invalid cacheops setting"):
        cacheops_settings.NOPE  # noqa: B018


def test_cache_type_parse_lists_the_choices():
    assert CacheType.parse("search") is CacheType.SEARCH
    with pytest.raises(ValueError, match="choose one of: dashboard, search, user, product, analytics"):
        CacheType.parse("logs")
