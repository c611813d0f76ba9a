"""Whole-number settings (retention days, the line budget, pages read ahead): refused when not a count."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from logdash.settings import _env_whole_number


def test_a_missing_or_empty_variable_is_the_default(monkeypatch):
    monkeypatch.delenv("LOGDASH_RETENTION_DAYS", raising=False)
    assert _env_whole_number("LOGDASH_RETENTION_DAYS", None) is None
    monkeypatch.setenv("LOGDASH_EMBEDDED_MAX_DOCS", " ")
    assert _env_whole_number("LOGDASH_EMBEDDED_MAX_DOCS", 300_000) == 300_000
    monkeypatch.setenv("LOGDASH_RETENTION_DAYS", "14")
    assert _env_whole_number("LOGDASH_RETENTION_DAYS", None) == 14


@pytest.mark.parametrize("value", ["0", "-3", "two weeks", "1.5"])
def test_a_value_that_is_not_a_count_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("LOGDASH_RETENTION_DAYS", value)
    with pytest.raises(ImproperlyConfigured, match=f"LOGDASH_RETENTION_DAYS={value!r}"):
        _env_whole_number("LOGDASH_RETENTION_DAYS", None)


def test_zero_read_ahead_pages_is_allowed_and_a_negative_number_is_not(monkeypatch):
    monkeypatch.setenv("LOGDASH_SEARCH_READ_AHEAD_PAGES", "0")
    assert _env_whole_number("LOGDASH_SEARCH_READ_AHEAD_PAGES", 1, minimum=0) == 0
    monkeypatch.setenv("LOGDASH_SEARCH_READ_AHEAD_PAGES", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        _env_whole_number("LOGDASH_SEARCH_READ_AHEAD_PAGES", 1, minimum=0)


def test_the_setting_reaches_the_dashboard_settings():
    code = ("import django; django.setup(); from dashboard.conf import dashboard_settings as s; "
            "print(s.RETENTION_DAYS, s.EMBEDDED_MAX_DOCS, s.SEARCH_READ_AHEAD_PAGES)")
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "logdash.settings",
           "LOGDASH_RETENTION_DAYS": "14", "LOGDASH_EMBEDDED_MAX_DOCS": "1000", "LOGDASH_SEARCH_READ_AHEAD_PAGES": "2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["14", "1000", "2"], out.stderr[-2000:]
