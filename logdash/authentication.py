"""
Token authentication that costs no database query on a cache hit, and still revokes at once.

DRF's `TokenAuthentication` reads the token and its user from the database on every request:
about half of a token-authenticated cache hit's server time. `CachedTokenAuthentication` keeps
the answer in a small per-process table for `LOGDASH_TOKEN_CACHE_SECONDS`.

Revocation stays honest because every process listens on a Redis channel: deleting a token
(logout, a password change, deactivating or deleting the user: see `logdash.signals`) publishes
its key, saving a user (a lost staff flag, say) publishes the user, and each process drops what
it held within milliseconds. The table is trusted only while this
process is subscribed: it is emptied whenever the subscription drops, and nothing is kept until
it is back, so a message missed while disconnected cannot leave a dead token alive. The one gap
left is a revocation made while the revoking process cannot reach Redis: the other processes
then learn of it when their entry expires, so the bound is `LOGDASH_TOKEN_CACHE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_redis import get_redis_connection
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from logdash.clock import clock

logger = logging.getLogger(__name__)

REVOCATION_CHANNEL = "logdash:auth:revoked-tokens"

# Enough for every active token of a large deployment; the oldest go first past it.
MAX_CACHED_TOKENS = 10_000

# The listener PINGs Redis this often, and drops its table after this long without any reply.
_PING_SECONDS = 2.0
_SILENCE_SECONDS = 5.0


_token_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for cache in list(_token_caches):
        cache.after_fork()


if hasattr(os, "register_at_fork"):
    # A child starts with an empty table and its own listener, on its first request.
    os.register_at_fork(after_in_child=_reset_after_fork)


class TokenCache:
    """This process's table of recently authenticated tokens, kept honest by a revocation listener."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Any, Any]] = {}  # key -> (expires at, user, token)
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._listener: threading.Thread | None = None
        self.subscribed = threading.Event()
        # Moves on every revocation: a database read that a revocation overtook is not kept.
        self.revision = 0
        _token_caches.add(self)

    @property
    def ttl(self) -> float:
        return float(settings.LOGDASH_TOKEN_CACHE_SECONDS)

    def get(self, key: str) -> tuple[Any, Any] | None:
        """The (user, token) of `key` if this process may trust its copy, else None."""
        if self._listener is None:
            self._ensure_listener()
        entry = self._entries.get(key)
        if entry is None or not self.subscribed.is_set():
            return None
        expires_at, user, token = entry
        if clock.time() >= expires_at:
            self._entries.pop(key, None)
            return None
        return _copy_instance(user), token

    def put(self, key: str, user: Any, token: Any, *, read_at_revision: int) -> None:
        """Keep (user, token), read from the database when `revision` was `read_at_revision`."""
        if not self.subscribed.is_set() or self.ttl <= 0:
            return
        with self._lock:
            if self.revision != read_at_revision:
                return
            if len(self._entries) >= MAX_CACHED_TOKENS:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (clock.time() + self.ttl, user, token)

    def forget(self, key: str) -> None:
        with self._lock:
            self.revision += 1
            self._entries.pop(key, None)

    def forget_user(self, user_pk: object) -> None:
        with self._lock:
            self.revision += 1
            for key in [key for key, (_, user, _) in self._entries.items() if str(user.pk) == str(user_pk)]:
                del self._entries[key]

    def receive(self, message: str) -> None:
        """Act on a message of the revocation channel: `token:<key>` or `user:<pk>`."""
        kind, _, value = message.partition(":")
        if kind == "token":
            self.forget(value)
        elif kind == "user":
            self.forget_user(value)

    def clear(self) -> None:
        with self._lock:
            self.revision += 1
            self._entries.clear()

    def after_fork(self) -> None:
        """Forget the parent's table: a forked child (a gunicorn worker) inherits it, but not its listener."""
        self._lock = threading.Lock()
        self._listener = None
        self._pid = None
        self._entries.clear()
        self.subscribed = threading.Event()

    def _ensure_listener(self) -> None:
        """Start the listener once per process (a forked gunicorn worker starts its own).

        The request path calls this only while there is no listener: the listener clears
        `_listener` if it ever stops, and a fork clears it in the child.
        """
        pid = os.getpid()
        with self._lock:
            if self._pid == pid and self._listener is not None and self._listener.is_alive():
                return
            self._pid = pid
            self._entries.clear()
            self.subscribed.clear()
            self._listener = threading.Thread(target=self._listen, name="logdash-token-revocations", daemon=True)
            self._listener.start()

    def _listen(self) -> None:
        """Follow the revocation channel for the life of the process, then let the next request restart it."""
        try:
            self._follow_channel()
        finally:
            with self._lock:
                if self._listener is threading.current_thread():
                    self.subscribed.clear()
                    self._listener = None

    def _follow_channel(self) -> None:
        """Stay subscribed, reconnecting after failures, while this process is the one that started it."""
        pid = os.getpid()
        pause = 0.1
        while self._pid == pid:
            pubsub = None
            try:
                pubsub = get_redis_connection("default").pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(REVOCATION_CHANNEL)
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation: we are listening from here
                self.clear()
                self.subscribed.set()
                pause = 0.1
                heard = pinged = time.monotonic()
                while self._pid == pid:
                    message = pubsub.get_message(timeout=1.0)
                    now = time.monotonic()
                    if message:
                        heard = now
                        if message.get("type") == "message":
                            data = message["data"]
                            self.receive(data.decode() if isinstance(data, bytes) else data)
                    # A PING every 2 s, answered on the subscription itself, notices a hung server or a
                    # partition: on one Redis, a Sentinel primary or a cluster node alike.
                    if now - heard > _SILENCE_SECONDS:
                        raise ConnectionError(f"no answer from Redis for {_SILENCE_SECONDS} s")
                    if now - pinged >= _PING_SECONDS:
                        pubsub.ping()
                        pinged = now
            except Exception as exc:
                if self.subscribed.is_set():
                    logger.warning("Token revocations are not reaching this process (%s); tokens are read from "
                                   "the database until the subscription is back.", exc)
            finally:
                self.subscribed.clear()
                self.clear()
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _copy_instance(instance: Any) -> Any:
    """A copy per request, so a view that changes its request.user changes no other request's.

    Shallow, with its own `_state` (which holds the related objects it fetched), copied field by
    field: `copy.copy` takes the pickling path of the model and of its state, on every request.
    """
    copied = object.__new__(instance.__class__)
    copied.__dict__.update(instance.__dict__)
    state = object.__new__(instance._state.__class__)
    state.__dict__.update(instance._state.__dict__)
    state.fields_cache = {}
    state.__dict__.pop("related_managers_cache", None)
    copied._state = state
    return copied


token_cache = TokenCache()


def publish_revocation(message: str) -> None:
    """Tell every process to forget a token (`token:<key>`) or a user's tokens (`user:<pk>`).

    This process acts at once, whatever Redis does; the others when the transaction commits, so
    none of them can read the old row again after forgetting it.
    """
    token_cache.receive(message)
    transaction.on_commit(lambda: _announce(message))


def _announce(message: str) -> None:
    token_cache.receive(message)
    try:
        get_redis_connection("default").publish(REVOCATION_CHANNEL, message)
    except Exception as exc:
        logger.warning("Could not announce the revocation of a token (%s): other processes keep it for at most "
                       "%s s (LOGDASH_TOKEN_CACHE_SECONDS).", exc, settings.LOGDASH_TOKEN_CACHE_SECONDS)


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF reads it, answered from this process's token table when it can."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        """DRF's parsing and messages, reading the one header from META.

        DRF's `get_authorization_header` goes through `request.headers`, which parses every header
        of the request to find one: a fifth of a token-authenticated hit's time.
        """
        header = request.META.get("HTTP_AUTHORIZATION", b"")
        if isinstance(header, str):
            header = header.encode(HTTP_HEADER_ENCODING)
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) == 1:
            raise AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(parts) > 2:
            raise AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise AuthenticationFailed(
                _("Invalid token header. Token string should not contain invalid characters.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        cached = token_cache.get(key)
        if cached is not None:
            return cached
        revision = token_cache.revision
        user, token = super().authenticate_credentials(key)
        token_cache.put(key, user, token, read_at_revision=revision)
        return user, token
