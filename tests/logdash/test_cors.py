"""CORS for the Angular client: allowed origins, exposed cache headers, and the environment default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANGULAR = "http://localhost:4200"
EXPOSED = {"x-cache", "x-cache-key", "etag", "age"}


@pytest.fixture(autouse=True)
def _allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ANGULAR]


def _preflight(client, origin: str, path: str = "/api/dashboard"):
    return client.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, if-none-match",
    })


def _split(header: str) -> set[str]:
    return {item.strip().lower() for item in header.split(",")}


@pytest.mark.django_db
def test_a_preflight_from_an_allowed_origin_is_answered(client):
    response = _preflight(client, ANGULAR)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ANGULAR
    assert "get" in _split(response["Access-Control-Allow-Methods"])
    assert {"authorization", "if-none-match"} <= _split(response["Access-Control-Allow-Headers"])
    assert _split(response["Access-Control-Expose-Headers"]) >= EXPOSED
    assert "Access-Control-Allow-Credentials" not in response  # token auth: no cookies cross-origin


@pytest.mark.django_db
def test_an_answer_to_an_allowed_origin_exposes_the_cache_headers_even_on_errors(client):
    response = client.get("/api/dashboard", headers={"Origin": ANGULAR})
    assert response.status_code == 401  # the client can read why, and the error body
    assert response["Access-Control-Allow-Origin"] == ANGULAR
    assert _split(response["Access-Control-Expose-Headers"]) >= EXPOSED


@pytest.mark.django_db
def test_a_disallowed_origin_gets_no_cors_headers(client):
    for response in (_preflight(client, "https://evil.example"),
                     client.get("/api/dashboard", headers={"Origin": "https://evil.example"})):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]


@pytest.mark.django_db
def test_only_the_api_answers_cross_origin(client):
    response = client.get("/admin/login/", headers={"Origin": ANGULAR})
    assert "Access-Control-Allow-Origin" not in response


def _origins_from_environment(**environment: str) -> list[str]:
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    code = "import json, logdash.settings as s; print(json.dumps(s.CORS_ALLOWED_ORIGINS))"
    result = subprocess.run([sys.executable, "-c", code], env={**keep, **environment}, cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize(("environment", "expected"), [
    ({"DEBUG": "1"}, [ANGULAR]),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, []),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "CORS_ALLOWED_ORIGINS": "https://app.example, https://ops.example"},
     ["https://app.example", "https://ops.example"]),
])
def test_allowed_origins_come_from_the_environment(environment, expected):
    assert _origins_from_environment(**environment) == expected
