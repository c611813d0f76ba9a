"""GET /api/user/<id>, /api/user/dashboard and /api/user/me: per-user answers never cross users, even cached."""

import pytest
from rest_framework.test import APIClient

from tests.dashboard.conftest import ago, json_lines
from tests.redis_commands import recorded_commands

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_users_logs(ingest, now, user, other_user):
    ingest(json_lines([{"timestamp": ago(now, minutes=n), "level": "ERROR", "message": f"alice {n}"}
                       for n in range(3)]), owner=user, filename="alice.jsonl")
    ingest(json_lines([{"timestamp": ago(now, minutes=n), "level": "INFO", "message": f"bob {n}"}
                       for n in range(5)]), owner=other_user, filename="bob.jsonl")


def test_a_user_reads_their_own_profile_with_upload_stats(client_for, user, two_users_logs):
    response = client_for(user).get(f"/api/user/{user.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"]) == (user.pk, "alice")
    assert body["upload_stats"]["uploads"] == 1
    assert body["upload_stats"]["lines_indexed"] == 3
    assert response["X-Cache-Key"] == f"cache:user:profile:{user.pk}"


@pytest.mark.parametrize(("who", "expected"), [(None, 401), ("other_user", 403), ("staff", 200), ("user", 200)])
def test_only_that_user_or_staff_reads_a_profile(request, client_for, user, search_engine, who, expected):
    reader = request.getfixturevalue(who) if who else None
    client_for(user).get(f"/api/user/{user.pk}")  # primes the cache as the owner
    assert client_for(reader).get(f"/api/user/{user.pk}").status_code == expected


def test_staff_gets_404_for_a_user_that_does_not_exist(client_for, staff, search_engine):
    assert client_for(staff).get("/api/user/987654").status_code == 404


def test_the_user_dashboard_counts_only_the_callers_uploads(client_for, user, other_user, two_users_logs):
    alice = client_for(user).get("/api/user/dashboard")
    bob = client_for(other_user).get("/api/user/dashboard")
    assert (alice["X-Cache"], bob["X-Cache"]) == ("MISS", "MISS")
    assert (alice.json()["total_logs"], alice.json()["error_logs"], alice.json()["files_uploaded"]) == (3, 3, 1)
    assert (bob.json()["total_logs"], bob.json()["error_logs"], bob.json()["files_uploaded"]) == (5, 0, 1)
    assert alice["X-Cache-Key"].startswith(f"cache:user:{user.pk}:dashboard:")
    assert bob["X-Cache-Key"].startswith(f"cache:user:{other_user.pk}:dashboard:")
    again = client_for(other_user).get("/api/user/dashboard")
    assert again["X-Cache"] == "HIT"
    assert again.json()["total_logs"] == 5


def test_an_upload_invalidates_only_the_uploaders_entries(client_for, user, other_user, two_users_logs, ingest, now):
    for reader in (user, other_user):
        client_for(reader).get("/api/user/dashboard")
        client_for(reader).get(f"/api/user/{reader.pk}")
    ingest(json_lines([{"timestamp": ago(now, minutes=1), "level": "INFO", "message": "more"}]), owner=user)
    assert client_for(user).get("/api/user/dashboard")["X-Cache"] == "MISS"
    assert client_for(user).get(f"/api/user/{user.pk}").json()["upload_stats"]["uploads"] == 2
    assert client_for(other_user).get("/api/user/dashboard")["X-Cache"] == "HIT"
    assert client_for(other_user).get(f"/api/user/{other_user.pk}")["X-Cache"] == "HIT"


def test_the_browsable_api_and_json_never_share_a_profile_entry(client_for, user, search_engine):
    json_response = client_for(user).get(f"/api/user/{user.pk}", HTTP_ACCEPT="application/json")
    html_response = client_for(user).get(f"/api/user/{user.pk}", HTTP_ACCEPT="text/html")
    assert html_response["Content-Type"].startswith("text/html")
    assert html_response["X-Cache"] == "MISS"
    assert json_response["X-Cache-Key"] != html_response["X-Cache-Key"]
    assert client_for(user).get(f"/api/user/{user.pk}", HTTP_ACCEPT="application/json")["Content-Type"] == (
        "application/json"
    )


def test_who_am_i_answers_the_caller_cached_per_user_and_private(client_for, user, staff, search_engine):
    alice, alice_again = client_for(user).get("/api/user/me"), client_for(user).get("/api/user/me")
    assert alice.json() == {"id": user.pk, "username": "alice", "email": "alice@example.com", "is_staff": False}
    assert (alice["X-Cache"], alice_again["X-Cache"]) == ("MISS", "HIT")
    assert alice_again.json() == alice.json()
    assert alice["X-Cache-Key"].startswith(f"cache:user:{user.pk}:me:")
    operator = client_for(staff).get("/api/user/me")
    assert operator["X-Cache"] == "MISS"  # never the entry of another user
    assert operator.json() == {"id": staff.pk, "username": "operator", "email": "ops@example.com", "is_staff": True}
    for response in (alice, alice_again, operator):
        assert "private" in response["Cache-Control"]
        assert {"authorization", "cookie"} <= {v.strip().lower() for v in response["Vary"].split(",")}


def test_who_am_i_needs_credentials(client_for, search_engine):
    response = client_for(None).get("/api/user/me")
    assert (response.status_code, response.json()["error"]) == (401, "not_authenticated")


def test_a_changed_user_is_seen_at_once(client_for, user, search_engine, django_capture_on_commit_callbacks):
    client_for(user).get("/api/user/me")
    profile = client_for(user).get(f"/api/user/{user.pk}")
    assert client_for(user).get("/api/user/me")["X-Cache"] == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        user.is_staff, user.email = True, "alice@example.org"
        user.save()
    me = client_for(user).get("/api/user/me")
    assert me["X-Cache"] == "MISS"
    assert (me.json()["is_staff"], me.json()["email"]) == (True, "alice@example.org")
    assert profile.json()["email"] == "alice@example.com"
    assert client_for(user).get(f"/api/user/{user.pk}").json()["email"] == "alice@example.org"


def test_a_login_that_only_stamps_last_login_keeps_the_entry(client_for, user, search_engine,
                                                              django_capture_on_commit_callbacks):
    client_for(user).get("/api/user/me")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user.save(update_fields=["last_login"])
    assert callbacks == []
    assert client_for(user).get("/api/user/me")["X-Cache"] == "HIT"


def test_the_token_reply_says_who_logged_in(user):
    response = APIClient().post("/api/auth/token", {"username": "alice", "password": "pw"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user"} and len(body["token"]) == 40
    assert body["user"] == {"id": user.pk, "username": "alice", "email": "alice@example.com", "is_staff": False}
    me = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get("/api/user/me")
    assert me.json() == body["user"]


def test_an_upload_invalidates_by_generation_without_scanning(client_for, user, other_user, two_users_logs, ingest,
                                                              now, monkeypatch):
    """The uploader's answers and the shared reports go stale at once; nobody else's do; no SCAN, no DEL."""
    own = ["/api/user/dashboard", f"/api/user/{user.pk}", "/api/user/me"]
    shared = ["/api/dashboard", "/api/analytics/trends"]
    others = ["/api/user/dashboard", f"/api/user/{other_user.pk}", "/api/user/me"]
    for path in own + shared:
        client_for(user).get(path)
    for path in others:
        client_for(other_user).get(path)
    assert all(client_for(user).get(path)["X-Cache"] == "HIT" for path in own + shared)

    with recorded_commands(monkeypatch) as commands:
        ingest(json_lines([{"timestamp": ago(now, minutes=1), "level": "INFO", "message": "more"}]), owner=user)
    assert "INCRBY" in commands  # redis-py sends INCR as INCRBY
    assert not {"SCAN", "KEYS", "DEL", "UNLINK"} & set(commands), commands

    assert [client_for(user).get(path)["X-Cache"] for path in own + shared] == ["MISS"] * 5
    assert [client_for(other_user).get(path)["X-Cache"] for path in others] == ["HIT"] * 3


def test_saving_a_user_makes_only_their_answers_stale(client_for, user, other_user, search_engine,
                                                      django_capture_on_commit_callbacks):
    for reader in (user, other_user):
        client_for(reader).get("/api/user/me")
    user.email = "alice@new.example"
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    mine = client_for(user).get("/api/user/me")
    assert (mine["X-Cache"], mine.json()["email"]) == ("MISS", "alice@new.example")
    assert client_for(other_user).get("/api/user/me")["X-Cache"] == "HIT"
