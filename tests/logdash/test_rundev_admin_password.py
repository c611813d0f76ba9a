"""Issue 12 item 9: `rundev` with DEBUG off created admin/admin silently; now it refuses, saying why."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("password", ["admin", ""])
def test_rundev_refuses_a_guessable_admin_password_with_debug_off(settings, password, monkeypatch):
    settings.DEBUG = False
    settings.LOGDASH_ADMIN_USER, settings.LOGDASH_ADMIN_PASSWORD = "admin", password
    started = []
    monkeypatch.setattr("logdash.management.commands.rundev.start_search_engine", lambda: started.append(1))
    with pytest.raises(CommandError, match="LOGDASH_ADMIN_PASSWORD") as refused:
        call_command("rundev", port=0)
    assert "DEBUG is off" in str(refused.value)
    assert started == []  # refused before anything starts
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_rundev_refuses_the_username_as_password(settings):
    settings.DEBUG = False
    settings.LOGDASH_ADMIN_USER, settings.LOGDASH_ADMIN_PASSWORD = "root", "root"
    with pytest.raises(CommandError, match="anyone can guess"):
        call_command("rundev", port=0)


def test_with_debug_on_or_a_real_password_the_check_passes(settings):
    from logdash.management.commands.rundev import check_admin_password

    settings.DEBUG, settings.LOGDASH_ADMIN_PASSWORD = True, "admin"
    check_admin_password()
    settings.DEBUG, settings.LOGDASH_ADMIN_PASSWORD = False, "kq7-Wv2x-long-random"
    check_admin_password()
