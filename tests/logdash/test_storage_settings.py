"""LOGDASH_RETENTION_DAYS and LOGDASH_EMBEDDED_MAX_DOCS: read from the environment, refused when not a count."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from logdash.settings import _env_positive_int


def test_a_missing_or_empty_variable_is_the_default(monkeypatch):
    monkeypatch.delenv("LOGDASH_RETENTION_DAYS", raising=False)
    assert _env_positive_int("LOGDASH_RETENTION_DAYS", None) is None
    monkeypatch.setenv("LOGDASH_EMBEDDED_MAX_DOCS", " ")
    assert _env_positive_int("LOGDASH_EMBEDDED_MAX_DOCS", 300_000) == 300_000
    monkeypatch.setenv("LOGDASH_RETENTION_DAYS", "14")
    assert _env_positive_int("LOGDASH_RETENTION_DAYS", None) == 14


@pytest.mark.parametrize("value", ["0", "-3", "two weeks", "1.5"])
def test_a_value_that_is_not_a_count_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("LOGDASH_RETENTION_DAYS", value)
    with pytest.raises(ImproperlyConfigured, match=f"LOGDASH_RETENTION_DAYS={value!r}"):
        _env_positive_int("LOGDASH_RETENTION_DAYS", None)


def test_the_setting_reaches_the_dashboard_settings():
    code = ("import django; django.setup(); from dashboard.conf import dashboard_settings as s; "
            "print(s.RETENTION_DAYS, s.EMBEDDED_MAX_DOCS)")
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "logdash.settings",
           "LOGDASH_RETENTION_DAYS": "14", "LOGDASH_EMBEDDED_MAX_DOCS": "1000"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["14", "1000"], out.stderr[-2000:]
