"""
Token authentication without a query per request (logdash/authentication.py), against the real Redis.

A token read once is answered from the process's table; deleting it, or changing its user,
takes effect on the next request in this process and, through Redis pub/sub, in every other.
"""

from __future__ import annotations

import multiprocessing
import signal
import time

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from logdash.authentication import REVOCATION_CHANNEL, TokenCache, token_cache
from logdash.services import start_redis
from tests.cacheops.conftest import single_redis_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw", is_staff=True)


@pytest.fixture
def listening() -> None:
    """The process follows the revocation channel (started by the first authentication)."""
    token_cache.get("nothing")
    assert token_cache.subscribed.wait(10), "the token revocation listener did not subscribe to Redis"
    token_cache.clear()


def client_of(user) -> tuple[APIClient, str]:
    key = Token.objects.get_or_create(user=user)[0].key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def token_queries(client: APIClient, path: str = "/api/user/me") -> tuple[int, int]:
    """(status, queries on the token and user tables) of one request."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, sum('"authtoken_token"' in query["sql"] for query in queries.captured_queries)


def test_a_known_token_is_answered_without_the_database(alice, listening, search_engine):
    client, _ = client_of(alice)
    assert token_queries(client) == (200, 1)
    assert token_queries(client) == (200, 0)
    assert token_queries(client, "/api/user/dashboard") == (200, 0)


def test_a_deleted_token_is_refused_on_the_next_request(alice, listening):
    client, _ = client_of(alice)
    assert token_queries(client) == (200, 1)
    Token.objects.filter(user=alice).delete()
    assert client.get("/api/user/me").status_code == 401


def test_a_changed_user_is_read_afresh(alice, listening):
    """A staff flag taken away stops opening staff endpoints at once, not after the table's TTL."""
    client, _ = client_of(alice)
    assert client.get("/api/cache/stats").status_code == 200
    alice.is_staff = False
    alice.save()
    assert client.get("/api/cache/stats").status_code == 403


def test_a_revocation_from_another_process_arrives_over_redis(alice, listening):
    client, key = client_of(alice)
    assert token_queries(client) == (200, 1)
    assert token_cache.get(key) is not None
    get_redis_connection("default").publish(REVOCATION_CHANNEL, f"token:{key}")
    deadline = time.monotonic() + 5
    while token_cache.get(key) is not None:
        assert time.monotonic() < deadline, "the revocation did not arrive within 5 s"
        time.sleep(0.01)
    assert token_queries(client) == (200, 1)


def test_a_user_revocation_forgets_every_token_of_the_user(alice, django_user_model, listening):
    bob = django_user_model.objects.create_user("bob", "bob@example.com", "pw")
    client, key = client_of(alice)
    other, other_key = client_of(bob)
    client.get("/api/user/me")
    other.get("/api/user/me")
    token_cache.receive(f"user:{alice.pk}")
    assert token_cache.get(key) is None
    assert token_cache.get(other_key) is not None


def test_an_entry_expires_after_the_ttl(alice, listening, clock, settings):
    settings.LOGDASH_TOKEN_CACHE_SECONDS = 30
    client, _ = client_of(alice)
    assert token_queries(client) == (200, 1)
    clock.shift(29)
    assert token_queries(client) == (200, 0)
    clock.shift(2)
    assert token_queries(client) == (200, 1)


def test_a_read_overtaken_by_a_revocation_is_not_kept(alice, listening):
    """The database answered before a revocation arrived: keeping it would revive a deleted token."""
    _, key = client_of(alice)
    before = token_cache.revision
    token_cache.receive("token:some-other-key")
    token_cache.put(key, alice, Token.objects.get(key=key), read_at_revision=before)
    assert token_cache.get(key) is None


def test_nothing_is_kept_while_revocations_cannot_be_heard(alice, listening):
    """Without the subscription a missed message could leave a dead token alive, so the table stays empty."""
    client, _ = client_of(alice)
    token_cache.subscribed.clear()
    try:
        assert token_queries(client) == (200, 1)
        assert token_queries(client) == (200, 1)
    finally:
        token_cache.subscribed.set()


def test_a_hung_redis_empties_the_table_within_seconds(alice):
    """A hung server (or a partition) delivers no revocation: the listener's PINGs notice and the table empties."""
    service = start_redis()
    listener = TokenCache()
    try:
        with override_settings(CACHES={"default": single_redis_cache(service.url)}):
            listener.get("nothing")
            assert listener.subscribed.wait(10), "the listener did not subscribe to the private Redis"
            service.process.send_signal(signal.SIGSTOP)
            began = time.monotonic()
            while listener.subscribed.is_set():
                assert time.monotonic() - began < 10, "the listener still trusts its table 10 s into the hang"
                time.sleep(0.05)
            service.process.send_signal(signal.SIGCONT)
            assert listener.subscribed.wait(15), "the listener did not subscribe again once Redis answered"
    finally:
        listener._pid = None  # the listener's loop ends when the pid it serves is no longer its own
        service.process.send_signal(signal.SIGCONT)
        service.stop()


def _report_inherited_table(key: str, queue) -> None:
    inherited = token_cache.get(key)
    subscribed = token_cache.subscribed.wait(10)
    listener = token_cache._listener
    queue.put((inherited is None, subscribed, listener is not None and listener.is_alive()))


def test_a_forked_worker_starts_with_an_empty_table_and_its_own_listener(alice, listening):
    """A gunicorn worker forked from a process that held tokens must not trust them without its own listener."""
    client, key = client_of(alice)
    client.get("/api/user/me")
    assert token_cache.get(key) is not None
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_report_inherited_table, args=(key, queue))
    child.start()
    try:
        assert queue.get(timeout=20) == (True, True, True)
    finally:
        child.join(10)
    assert child.exitcode == 0


def test_zero_seconds_turns_the_table_off(alice, listening, settings):
    settings.LOGDASH_TOKEN_CACHE_SECONDS = 0
    client, _ = client_of(alice)
    assert token_queries(client) == (200, 1)
    assert token_queries(client) == (200, 1)


def test_each_request_gets_its_own_user(alice, listening):
    """A view that changes its request.user (a flag, a fetched relation) changes no other request's."""
    client, key = client_of(alice)
    client.get("/api/user/me")
    first, _ = token_cache.get(key)
    first.first_name = "changed by one request"
    first._state.fields_cache["probe"] = object()
    second, _ = token_cache.get(key)
    assert second.first_name == "" and "probe" not in second._state.fields_cache
    assert second.pk == alice.pk and second.is_staff and second.is_authenticated


@pytest.mark.parametrize(("header", "detail"), [
    ("Token", "Invalid token header. No credentials provided."),
    ("Token one two", "Invalid token header. Token string should not contain spaces."),
    (b"Token \xff\xfe", "Invalid token header. Token string should not contain invalid characters."),
    ("Token not-a-known-key", "Invalid token."),
    ("Bearer some-jwt", "Authentication credentials were not provided."),
])
def test_a_malformed_or_unknown_header_gets_drf_s_own_answer(listening, header, detail):
    """The header is read from META (not `request.headers`) with DRF's parsing and messages."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    answer = client.get("/api/user/me")
    assert (answer.status_code, answer.json()["detail"]) == (401, detail)


def test_the_keyword_is_case_insensitive_as_in_drf(alice, listening):
    _, key = client_of(alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {key}")
    assert client.get("/api/user/me").status_code == 200
