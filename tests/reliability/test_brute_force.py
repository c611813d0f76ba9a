"""
Issue 12 item 7: 60 wrong passwords on /api/auth/token and on /login/ got no 429 and no lockout.

Done again against the real stack: the token view is throttled per address (DRF scope `login`,
LOGDASH_LOGIN_RATE, 10/minute by default) and django-axes locks a username and address pair out
at the AXES_FAILURE_LIMIT-th (5th) failure on every login form, answering 429 in the API's error shape,
even to the right password, until the cool-off ends.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ATTEMPTS = 60


def statuses(post, count: int = ATTEMPTS) -> list[int]:
    return [post(f"guess-{n}").status_code for n in range(count)]


def test_60_wrong_passwords_on_the_token_view_get_429(users):
    api = APIClient()
    seen = statuses(lambda password: api.post("/api/auth/token", {"username": "alice", "password": password},
                                                  format="json"))
    assert seen[:4] == [400] * 4  # the fifth failure locks the account out for this address
    assert set(seen[4:]) == {429}, seen
    locked = api.post("/api/auth/token", {"username": "alice", "password": "pw"}, format="json")
    assert locked.status_code == 429
    assert locked.json()["error"] in {"locked_out", "throttled"}
    assert int(locked["Retry-After"]) > 0


@override_settings(AXES_FAILURE_LIMIT=1000)
def test_the_token_view_is_throttled_even_for_right_passwords(users):
    """A password sprayer that never fails on one username: the per-address rate still stops it."""
    api = APIClient()
    seen = [api.post("/api/auth/token", {"username": "alice", "password": "pw"}, format="json").status_code
            for _ in range(15)]
    assert seen[:10] == [200] * 10
    assert set(seen[10:]) == {429}
    body = api.post("/api/auth/token", {"username": "bob", "password": "pw"}, format="json").json()
    assert body["error"] == "throttled" and "second" in body["detail"]
    assert APIClient(REMOTE_ADDR="10.0.0.9").post("/api/auth/token", {"username": "bob", "password": "pw"},
                                                  format="json").status_code == 200


def test_60_wrong_passwords_on_the_login_page_get_429(users):
    browser = Client()
    seen = statuses(lambda password: browser.post("/login/", {"username": "alice", "password": password}))
    assert seen[:4] == [200] * 4  # the form again, with its error
    assert set(seen[4:]) == {429}, seen
    locked = browser.post("/login/", {"username": "alice", "password": "pw"})
    assert locked.status_code == 429 and locked.json()["error"] == "locked_out"
    assert Client().post("/login/", {"username": "bob", "password": "pw"}).status_code == 302  # others log in


def test_60_wrong_passwords_on_the_admin_login_get_429(users):
    users["staff"].is_superuser = True
    users["staff"].save()
    browser = Client()
    seen = statuses(lambda password: browser.post("/admin/login/", {"username": "operator", "password": password}))
    assert seen[:4] == [200] * 4
    assert set(seen[4:]) == {429}, seen
    assert browser.post("/admin/login/", {"username": "operator", "password": "pw"}).status_code == 429


def test_a_lockout_is_per_username_and_address(users):
    for n in range(6):
        Client().post("/login/", {"username": "alice", "password": f"guess-{n}"})
    assert Client().post("/login/", {"username": "alice", "password": "pw"}).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.7").post("/login/", {"username": "alice", "password": "pw"}).status_code == 302


def test_a_success_before_the_limit_resets_the_count(users):
    browser = Client()
    for n in range(4):
        browser.post("/login/", {"username": "alice", "password": f"guess-{n}"})
    assert browser.post("/login/", {"username": "alice", "password": "pw"}).status_code == 302
    browser.logout()
    for n in range(4):
        assert browser.post("/login/", {"username": "alice", "password": f"again-{n}"}).status_code == 200


def test_a_forged_x_forwarded_for_changes_nothing(users):
    """With no trusted proxy (the default) the address is REMOTE_ADDR: a new forged header per try is no escape."""
    api = APIClient()
    seen = [api.post("/api/auth/token", {"username": "alice", "password": f"guess-{n}"}, format="json",
                     HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(20)]
    assert set(seen[4:]) == {429}, seen
    browser = Client()
    seen = [browser.post("/login/", {"username": "bob", "password": f"guess-{n}"},
                         HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(10)]
    assert set(seen[4:]) == {429}, seen


@override_settings(LOGDASH_TRUSTED_PROXIES=1)
def test_behind_one_proxy_the_address_it_forwarded_is_used(users):
    """nginx appends the client's address: lockouts are per client, not one for everyone behind the proxy."""
    for n in range(5):
        Client().post("/login/", {"username": "alice", "password": f"guess-{n}"},
                      HTTP_X_FORWARDED_FOR="10.1.1.1, 192.0.2.10")
    locked = Client().post("/login/", {"username": "alice", "password": "pw"},
                           HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.10")
    assert locked.status_code == 429  # the forged left entry is ignored: same client
    assert Client().post("/login/", {"username": "alice", "password": "pw"},
                         HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 302  # another client


UNREACHABLE_CACHE = {"default": {"BACKEND": "cacheops.backends.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                 "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}}


@override_settings(CACHES=UNREACHABLE_CACHE)
def test_logins_work_while_redis_is_down_and_failures_still_lock_out(users):
    """The throttle's counters live in Redis; an outage must not turn every login into a 500."""
    api = APIClient()
    assert api.post("/api/auth/token", {"username": "alice", "password": "pw"}, format="json").status_code == 200
    seen = statuses(lambda password: api.post("/api/auth/token", {"username": "bob", "password": password},
                                              format="json"), count=8)
    assert seen[:4] == [400] * 4 and set(seen[4:]) == {429}, seen  # django-axes counts in the database
