"""
Issue 12 item 11: a Content-Security-Policy on the pages, HSTS and friends outside DEBUG, private
per-user answers, and a clean `manage.py check --deploy` with the production defaults.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings

from tests.reliability.conftest import token_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "dashboard" / "templates"


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", password="s3cret-pw")


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_the_pages_send_a_strict_content_security_policy(client, reader, path):
    client.force_login(reader) if path == "/" else None
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_the_pages_hold_no_inline_script_or_style(client, reader, path):
    """What the policy forbids must not be needed: every <script> has a src or is a JSON data block."""
    client.force_login(reader) if path == "/" else None
    html = client.get(path).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)


def test_no_template_has_inline_handlers_or_styles():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<style" not in text and not re.search(r"\sstyle=|\son[a-z]+=", text), template


def test_per_user_answers_are_private_and_vary_on_credentials(search_engine, reader):
    alice = token_client(reader)
    for path in (f"/api/user/{reader.pk}", "/api/user/dashboard", "/api/user/me"):
        first, second = alice.get(path), alice.get(path)
        assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT"), path  # still cached, per user
        for response in (first, second):
            assert "private" in response["Cache-Control"], path
            vary = {value.strip().lower() for value in response["Vary"].split(",")}
            assert {"authorization", "cookie"} <= vary, path


def test_shared_answers_are_not_marked_private(search_engine, reader):
    response = token_client(reader).get("/api/dashboard")
    assert "private" not in response.get("Cache-Control", "")


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
                   SECURE_HSTS_PRELOAD=True, SECURE_REDIRECT_EXEMPT=[r"^api/health$"])
def test_with_the_production_settings_http_is_redirected_and_https_gets_hsts(reader):
    client = Client()
    assert client.get("/login/")["Location"] == "https://testserver/login/"
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def _production_environment() -> dict[str, str]:
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    return {**keep, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "example.com",
            "DATABASE_URL": "sqlite:////tmp/logdash-check-deploy.sqlite3", "PYTHONPATH": str(ROOT)}


def test_check_deploy_is_clean_with_the_production_defaults():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=_production_environment(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def _settings_under(environment: dict[str, str]) -> list[str]:
    code = ("import logdash.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_debug_keeps_plain_http_for_make_run_and_the_tests():
    assert django_settings.SECURE_SSL_REDIRECT is False  # the test settings are DEBUG=1's
    assert _settings_under({**_production_environment(), "DEBUG": "1"}) == ["False", "0", "False", "False"]
    assert _settings_under(_production_environment()) == ["True", "31536000", "True", "True"]
    assert _settings_under({**_production_environment(), "SECURE_SSL_REDIRECT": "0"})[0] == "False"
