"""System checks of the cacheops configuration."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings

from cacheops.checks import check_cache_backend, check_declared_query_params, check_settings


def test_the_project_configuration_passes():
    assert check_cache_backend() == [] and check_settings() == []


def test_another_backend_is_a_warning_with_a_hint():
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem):
        [warning] = check_cache_backend()
    assert warning.id == "cacheops.W001" and "cacheops.backends.RedisCache" in warning.hint


def test_plain_django_redis_is_a_warning():
    plain = {**settings.CACHES, "default": {**settings.CACHES["default"], "BACKEND": "django_redis.cache.RedisCache"}}
    with override_settings(CACHES=plain):
        assert [m.id for m in check_cache_backend()] == ["cacheops.W001"]


def test_a_missing_alias_is_an_error():
    with override_settings(CACHEOPS={"CACHE_ALIAS": "responses"}):
        [error] = check_cache_backend()
    assert error.id == "cacheops.E001" and "'responses'" in error.msg


def test_bad_settings_are_an_error():
    with override_settings(CACHEOPS={"TIMEOUTS": {"search": -1}}):
        assert [m.id for m in check_settings()] == ["cacheops.E002"]
    with override_settings(CACHEOPS={"TTL": 1}):
        assert [m.id for m in check_settings()] == ["cacheops.E002"]


def test_unknown_keys_do_not_crash_the_backend_check():
    with override_settings(CACHEOPS={"TTL": 1}):
        assert check_cache_backend() == []


def test_the_project_declares_the_query_parameters_of_every_cached_view():
    assert check_declared_query_params() == []


def test_a_cached_view_without_declared_parameters_is_named_in_a_warning():
    with override_settings(ROOT_URLCONF="tests.cacheops.urls"):
        warnings = check_declared_query_params()
    assert {warning.id for warning in warnings} == {"cacheops.W002"}
    named = {warning.obj for warning in warnings}
    # APIView handlers, viewset actions, @api_view functions and plain Django views are all found.
    assert {"tests.cacheops.urls.EchoView.get", "tests.cacheops.urls.ProductViewSet.list",
            "tests.cacheops.urls.search", "tests.cacheops.urls.plain"} <= named
    assert not {"tests.cacheops.urls.DeclaredView.get", "tests.cacheops.urls.ReadsNothingView.get"} & named
    assert "query_params=" in warnings[0].hint
