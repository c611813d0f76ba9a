"""Issue 12 item 8: a token taken before a password change or a deactivation stops working (and is deleted)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never in production
    return django_user_model.objects.create_user("alice", "alice@example.com", "old-pw")


def stolen_token(user) -> APIClient:
    """What the attacker kept: a token obtained through the API before the change."""
    response = APIClient().post("/api/auth/token", {"username": user.username, "password": "old-pw"}, format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/user/dashboard").status_code != 401
    return client


def test_a_password_change_revokes_every_token(victim, django_user_model):
    attacker = stolen_token(victim)
    victim.set_password("new-pw")
    victim.save()
    assert not Token.objects.filter(user=victim).exists()
    assert attacker.get("/api/user/dashboard").status_code == 401
    assert APIClient().post("/api/auth/token", {"username": "alice", "password": "new-pw"},
                            format="json").status_code == 200


def test_a_password_change_in_the_admin_revokes_the_tokens(victim, client, django_user_model):
    attacker = stolen_token(victim)
    client.force_login(django_user_model.objects.create_superuser("root", "root@localhost", "pw"))
    response = client.post(f"/admin/auth/user/{victim.pk}/password/",
                           {"password1": "An0ther-long-pass", "password2": "An0ther-long-pass",
                            "usable_password": "true"})
    assert response.status_code == 302, response.content[:500]
    assert attacker.get("/api/user/dashboard").status_code == 401


def test_changepassword_command_revokes_the_tokens(victim, monkeypatch):
    attacker = stolen_token(victim)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "An0ther-long-pass")
    call_command("changepassword", "alice")
    assert attacker.get("/api/user/dashboard").status_code == 401


def test_deactivating_a_user_revokes_the_tokens(victim):
    attacker = stolen_token(victim)
    victim.is_active = False
    victim.save()
    assert not Token.objects.filter(user=victim).exists()
    assert attacker.get("/api/user/dashboard").status_code == 401


def test_other_saves_keep_the_token(victim):
    attacker = stolen_token(victim)
    victim.email = "new@example.com"
    victim.save()
    victim.save(update_fields=["last_login"])
    assert Token.objects.filter(user=victim).exists()
    assert attacker.get("/api/user/dashboard").status_code != 401
