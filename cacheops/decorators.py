"""
`cache_response`: serve GET/HEAD responses of a view from Redis.

Put it on the handler, inside DRF's dispatch, so authentication, permissions, throttling and
content negotiation run before a cached answer is served:

    class DashboardView(APIView):
        @cache_response(CacheType.DASHBOARD)
        def get(self, request): ...

    @api_view(["GET"])                        # api_view outside, cache_response inside
    @cache_response(CacheType.SEARCH)
    def search(request): ...

    @login_required                           # plain Django: access checks outside too
    @cache_response(CacheType.PRODUCT, ttl=60)
    def products(request): ...

A hit is one Redis round trip (MGET of the entry, its type's generation and the generations of
the scopes it depends on) and an HttpResponse built from stored bytes: no serializer, no
renderer. It carries `ETag` and `Age`, and answers a matching `If-None-Match` with 304 without
touching the view. Only 2xx responses without Set-Cookie and without Cache-Control
private/no-store/no-cache are stored.

What happens to a request, in order:
- fresh entry of the current generation: HIT;
- past its TTL but within STALE_WHILE_REVALIDATE: STALE at once, one background refresh;
- otherwise (cold, expired, invalidated): one request takes the fill lock and computes (MISS),
  the others poll for its entry and answer HIT, or compute themselves after FILL_LOCK_WAIT;
- the view fails (raises or 5xx) and an entry younger than TTL + STALE_IF_ERROR exists, even
  an invalidated one: STALE with that entry instead of the error.

The key (see `CachePolicy.make_key`) covers the path, the declared query parameters, the
negotiated renderer and media type (case and `q` folded), and the user where the response may
differ per user (`cacheops.vary`): the view says `per_user=True`, its renderer embeds user
state (the browsable API: username, CSRF token), DRF authenticates it (unless the view says
`shared=True`: the same answer for every authorised user), or its response turned out to vary
on Authorization or Cookie.

    @cache_response(CacheType.DASHBOARD, shared=True, query_params=())     # same for every user
    @cache_response(CacheType.USER, key_func=lambda request, digest: make_cache_key(CacheType.USER, "me", digest))

    @cache_response(CacheType.USER, key_func=profile_key, scopes=lambda request: [f"user:{request.user.pk}"])

    @cache_response(CacheType.SEARCH, query_params=SearchParamsSerializer)   # the serializer's fields
    @cache_response(CacheType.DASHBOARD, query_params=())                    # reads no parameter

A view that declares its query parameters never sees the others: they are dropped from the
request before the view runs, so they can neither make new entries (`?junk=N` floods) nor
reach a body that others are served (unkeyed input). A serializer also says which blank values
(`?q=`) it reads as no value at all: those are dropped the same way. Without `query_params` every
parameter is keyed, as before, and system check cacheops.W002 names the view.

An `async def` view gets the same decorator: hits are read through `redis.asyncio` on its event
loop, and a miss (fill lock, the view, the store) runs off the loop (`CachePolicy.aserve`).

Every GET/HEAD response gets `X-Cache: HIT|MISS|STALE` (`cacheops.outcomes.Outcome`) and
(unless EXPOSE_KEY_HEADER is off) `X-Cache-Key`. When Redis fails the view runs uncached: the
answer is the same, the failure is logged with `[CACHE ERROR]` and counted as an error (not a miss).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from urllib.parse import urlencode

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotModified, QueryDict
from django.utils.functional import cached_property
from django.utils.http import parse_etags
from redis.lock import Lock
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from cacheops import metrics, stats, store
from cacheops.conf import CacheType, cacheops_settings, get_django_setting, get_drf_format_param
from cacheops.entries import Entry, make_entry
from cacheops.exceptions import CacheUnavailable
from cacheops.keys import (
    keep_declared_params,
    make_cache_key,
    make_canonical_query,
    make_digest,
    normalize_media_type,
    validate_custom_key,
    validate_scope,
)
from cacheops.outcomes import Outcome
from cacheops.prefetch import RequestWithQuery, prefetched_of
from cacheops.refresh import submit_refresh
from cacheops.vary import authenticates, renders_user_state, user_headers_varied, user_key_parts
from logdash.clock import clock

__all__ = ["CachePolicy", "cache_response", "renders_user_state"]

logger = logging.getLogger("cacheops")
View = Callable[..., HttpResponseBase]
# key_func(request, digest) -> the whole logical key; `digest` is the default key's digest.
KeyFunc = Callable[[Any, str], str]
# scopes(request) -> the generation scopes the entry depends on (`user:42`): see cacheops.invalidation.
ScopesFunc = Callable[[Any], Iterable[str]]
# What a view declares it reads from the query string: a serializer (class or instance) whose
# fields are the parameters, or their names.
QueryParams = type[BaseSerializer] | BaseSerializer | Iterable[str]
_CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
_UNCACHEABLE_DIRECTIVES = ("private", "no-store", "no-cache")
_NO_HEADERS: frozenset[str] = frozenset()


def cache_response(
    cache_type: CacheType | str, *, ttl: int | None = None, key_func: KeyFunc | None = None,
    per_user: bool = False, shared: bool = False, query_params: QueryParams | None = None,
    scopes: ScopesFunc | None = None,
) -> Callable[[View], View]:
    """Cache the responses of a view handler under `cache_type`.

    `ttl` overrides the type's TTL (seconds). `key_func(request, digest)` returns the whole
    logical key (it must start with `cache:{type}:`; `digest` is the default key's digest, to
    reuse). `per_user=True` gives every user their own entries; `shared=True` says the answer
    is the same for every user the view lets in, though DRF authenticates them. `query_params`
    names the query parameters the view reads (a serializer class: its fields; `()`: none); the
    others are keyed on nothing and removed from the request the view sees. `scopes(request)`
    names the generation scopes the entry depends on (`["user:42"]`): `invalidate(scopes=...)`
    makes every entry of a scope stale in O(1), the hit still one round trip.
    """
    if callable(cache_type) and not isinstance(cache_type, str):
        raise TypeError("cache_response needs a cache type: write @cache_response(CacheType.DASHBOARD), "
                        "not @cache_response.")
    policy = CachePolicy(CacheType.parse(cache_type), ttl=ttl, key_func=key_func, per_user=per_user,
                         shared=shared, query_params=query_params, scopes=scopes)

    def decorator(view: View) -> View:
        _check_decorated(view)
        policy.view_name = getattr(view, "__qualname__", repr(view))
        if iscoroutinefunction(view):
            @functools.wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
                return await policy.aserve(_request_of(args), view, args, kwargs)

            wrapper = markcoroutinefunction(async_wrapper)
        else:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
                return policy.serve(_request_of(args), view, args, kwargs)

        wrapper.cacheops_policy = policy  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _request_of(args: tuple) -> Any:
    """The request among a handler's arguments: first for a function view, after `self` for a method."""
    return args[0] if args and isinstance(args[0], HttpRequest | Request) else args[1]


def _check_decorated(view: object) -> None:
    if isinstance(view, type):
        raise TypeError(f"cache_response decorates a handler such as {view.__name__}.get, not the class itself.")
    if getattr(view, "cls", None) is not None or getattr(view, "view_class", None) is not None:
        raise TypeError(
            "cache_response is outside the view class: it would answer before authentication and permissions. "
            "Write @api_view([...]) above @cache_response(...), or decorate the handler method."
        )


@dataclass(slots=True)
class CachedCall:
    """One cacheable request on its way through a policy: what a fill, a compute and a store share."""

    request: Any
    view: View
    args: tuple
    kwargs: dict
    key: str = ""
    # The user-identifying request headers the key covers (empty: the key is shared by users).
    covers: frozenset[str] = _NO_HEADERS
    # The generation scopes the entry depends on, besides its type.
    scopes: tuple[str, ...] = ()
    generation: int = 0
    stale: Entry | None = None

    def run_view(self) -> HttpResponseBase:
        if iscoroutinefunction(self.view):
            # An async view computed from the fill's worker thread: its coroutine runs on the request's
            # event loop (asgiref hands it back there), or on a loop of its own in a refresh thread.
            return async_to_sync(self.view)(*self.args, **self.kwargs)
        return self.view(*self.args, **self.kwargs)


class CachePolicy:
    """Everything decided at decoration time, and the per-request work of the decorator."""

    def __init__(self, cache_type: CacheType, *, ttl: int | None = None, key_func: KeyFunc | None = None,
                 per_user: bool = False, shared: bool = False, query_params: QueryParams | None = None,
                 scopes: ScopesFunc | None = None) -> None:
        if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0):
            raise ValueError(f"cache_response(ttl={ttl!r}): the TTL must be a positive number of seconds, or None.")
        if key_func is not None and not callable(key_func):
            raise TypeError(f"cache_response(key_func={key_func!r}): key_func must be "
                            "callable(request, digest) -> str.")
        if scopes is not None and not callable(scopes):
            raise TypeError(f"cache_response(scopes={scopes!r}): scopes must be callable(request) -> a list of "
                            "scopes such as ['user:42'].")
        if per_user and shared:
            raise ValueError("cache_response(per_user=True, shared=True): a view's entries are either per user "
                             "or shared by every user, not both.")
        self.cache_type = cache_type
        self.type_name = cache_type.value
        self.ttl = ttl
        self.key_func = key_func
        self.scopes = scopes
        self.per_user = per_user
        self.shared = shared
        self.query_params = _check_query_params(query_params)
        self.view_name = "view"
        # User headers the view's responses turned out to vary on (see cacheops.vary).
        self.learned_vary: frozenset[str] = _NO_HEADERS
        self.fields = {outcome: stats.make_field(self.type_name, outcome) for outcome in Outcome}
        self.observers = metrics.make_latency_observers(self.type_name)

    def __repr__(self) -> str:
        return (f"CachePolicy({self.cache_type!r}, ttl={self.ttl!r}, per_user={self.per_user!r}, "
                f"shared={self.shared!r})")

    @cached_property
    def declared_params(self) -> frozenset[str] | None:
        """The query parameters that reach the key and the view (None: all of them, undeclared).

        Resolved at the first request, not at import: a serializer's fields may depend on settings.
        """
        spec = self.query_params
        if spec is None:
            return None
        if isinstance(spec, type):
            spec = spec()
        names = spec.fields.keys() if isinstance(spec, BaseSerializer) else spec
        # DRF reads its format override itself (content negotiation), before the view.
        format_param = get_drf_format_param()
        return frozenset(names) | ({format_param} if format_param else frozenset())

    @cached_property
    def blank_means_absent(self) -> frozenset[str]:
        """The declared parameters whose blank value (`?q=`) the view reads exactly as their absence.

        Only a serializer can tell: each of its fields is validated both ways, and where the data agree
        a blank value is dropped with the undeclared parameters, so it makes no entry of its own.
        """
        spec = self.query_params
        if not isinstance(spec, type):
            return frozenset()
        absent = _validated(spec, "")
        if absent is None:
            return frozenset()
        return frozenset(name for name in spec().fields if _validated(spec, urlencode({name: ""})) == absent)

    @property
    def timeout(self) -> int:
        return self.ttl or cacheops_settings.TIMEOUTS[self.type_name]

    def serve(self, request: Any, view: View, args: tuple, kwargs: dict) -> HttpResponseBase:
        if request.method not in _CACHEABLE_METHODS:
            return view(*args, **kwargs)
        started = perf_counter()
        call = self._start(request, view, args, kwargs)
        try:
            call.generation, entry = store.read_entry(self.type_name, call.key, call.scopes)
        except CacheUnavailable:
            return self._run_uncached(call)
        outcome, age = self._judge(call, entry)
        if outcome is Outcome.STALE:
            self._refresh_in_background(call)
        if outcome is not None:
            return self._answered(call, entry, outcome, age, started)
        call.stale = entry
        return self._fill_and_observe(call, started)

    async def aserve(self, request: Any, view: View, args: tuple, kwargs: dict) -> HttpResponseBase:
        """`serve` for an `async def` view: the hit's read through redis.asyncio, every blocking step off the loop.

        A hit is one awaited MGET and a response built from stored bytes. A miss (fill lock, the
        view, the store) runs the sync path in a worker thread, with the view's coroutine handed
        back to this loop, so waiting for a lock or for Redis never blocks other requests.
        """
        if request.method not in _CACHEABLE_METHODS:
            return await view(*args, **kwargs)
        started = perf_counter()
        if self.per_user or self.learned_vary or self.scopes is not None or self.key_func is not None:
            await _resolve_user(request)  # the key or the scopes may name the user
        call = self._start(request, view, args, kwargs)
        off_loop = functools.partial(sync_to_async, thread_sensitive=False)
        try:
            call.generation, entry = await store.aread_entry(self.type_name, call.key, call.scopes)
        except CacheUnavailable:
            return await off_loop(self._run_uncached)(call)
        outcome, age = self._judge(call, entry)
        if outcome is Outcome.STALE:
            await off_loop(self._refresh_in_background)(call)
        if outcome is not None:
            return self._answered(call, entry, outcome, age, started)
        call.stale = entry
        return await off_loop(self._fill_and_observe)(call, started)

    def _start(self, request: Any, view: View, args: tuple, kwargs: dict) -> CachedCall:
        """The request's call: undeclared parameters dropped, its key and the scopes it depends on."""
        self._drop_undeclared_params(request)
        call = CachedCall(request, view, args, kwargs)
        call.key, call.covers = self._make_key(request)
        if self.scopes is not None:
            call.scopes = tuple(validate_scope(scope) for scope in self.scopes(request))
        return call

    def _judge(self, call: CachedCall, entry: Entry | None) -> tuple[Outcome | None, float]:
        """HIT or STALE (with the entry's age) when `entry` may answer; (None, 0) when it must be filled."""
        if entry is None or entry.generation != call.generation:
            return None, 0.0
        age = clock.time() - entry.created_at
        if age < entry.fresh_for:
            return Outcome.HIT, age
        if age < entry.fresh_for + cacheops_settings.STALE_WHILE_REVALIDATE[self.type_name]:
            return Outcome.STALE, age
        return None, 0.0

    def _fill_and_observe(self, call: CachedCall, started: float) -> HttpResponseBase:
        response = self._fill(call)
        # A fill ends as MISS, as HIT (another request filled it) or as STALE (stale-if-error).
        observe = self.observers.get(response.get("X-Cache", ""))
        if observe is not None:
            observe(perf_counter() - started)
        return response

    def _answered(self, call: CachedCall, entry: Entry, outcome: Outcome, age: float,
                  started: float) -> HttpResponseBase:
        stats.record_field(self.fields[outcome])
        response = self._answer(call, entry, outcome, age)
        self.observers[outcome.header](perf_counter() - started)
        return response

    def make_key(self, request: Any) -> str:
        """Return the logical key of `request`."""
        return self._make_key(request)[0]

    def _make_key(self, request: Any, query_string: str | None = None) -> tuple[str, frozenset[str]]:
        parts, covers = self._key_parts(request, query_string)
        digest = make_digest(*parts)
        if self.key_func is None:
            return make_cache_key(self.cache_type, digest), covers
        return validate_custom_key(self.key_func(request, digest), self.cache_type), covers

    def _key_parts(self, request: Any, query_string: str | None = None) -> tuple[list[str], frozenset[str]]:
        # GET and HEAD share entries: HEAD is a GET whose body the server drops.
        http = getattr(request, "_request", request)  # DRF's Request proxies each attribute: read the source.
        if query_string is None:
            query_string = http.META.get("QUERY_STRING", "")
        parts = [http.path, make_canonical_query(query_string)]
        renderer = getattr(request, "accepted_renderer", None)
        media_type = normalize_media_type(getattr(request, "accepted_media_type", "") or "")
        embeds_user = False
        if renderer is not None:
            parts.append(f"{renderer.format}|{media_type}")
            embeds_user = renders_user_state(renderer, media_type)
        covers = _NO_HEADERS
        if self.per_user or embeds_user or (not self.shared and (self.learned_vary or authenticates(request))):
            user_parts, covers = user_key_parts(request, self.learned_vary)
            parts.extend(user_parts)
        if embeds_user:
            # The browsable API embeds a CSRF token derived from the client's secret.
            parts.append(f"csrf={http.COOKIES.get(get_django_setting('CSRF_COOKIE_NAME', 'csrftoken'), '')}")
        if cacheops_settings.VARY_ON_HOST:
            parts.append(f"{request.scheme}://{request.get_host()}")
        return parts, covers

    def _drop_undeclared_params(self, request: Any) -> None:
        """Remove the query parameters the view did not declare, so that key and body agree."""
        names = self.declared_params
        http = getattr(request, "_request", request)
        query_string = http.META.get("QUERY_STRING", "")
        if names is None or not query_string:
            return
        kept = keep_declared_params(query_string, names, self.blank_means_absent)
        if kept != query_string:
            http.META["QUERY_STRING"] = kept
            http.GET = QueryDict(kept, encoding=http.encoding)  # what DRF's request.query_params returns

    def _answer(self, call: CachedCall, entry: Entry, outcome: Outcome, age: float) -> HttpResponseBase:
        """The stored response (or 304 when the client already has it), with its Age."""
        etag = entry.etag
        if etag is not None and _etag_matches(call.request, etag):
            response: HttpResponseBase = HttpResponseNotModified()
            response["ETag"] = etag
        else:
            response = entry.to_response()
        return _mark(response, outcome, call.key, age=str(int(age)))

    def _fill(self, call: CachedCall) -> HttpResponseBase:
        """Compute a cold or expired entry once: the lock holder computes, the others wait for its result."""
        try:
            lock = store.fill_lock(call.key, cacheops_settings.FILL_LOCK_TIMEOUT)
            holder = store.try_acquire(lock)
        except CacheUnavailable:
            return self._run_uncached(call)
        if holder:
            # Another fill may have stored its entry and released the lock between our read and our
            # acquire: then there is nothing left to compute.
            filled = self._filled_entry_or_none(call)
            if filled is not None:
                store.release(lock, call.key)
        else:
            filled = self._wait_for_fill(call, lock)
        if filled is not None:
            stats.record_field(self.fields[Outcome.HIT])
            return self._answer(call, filled, Outcome.HIT, clock.time() - filled.created_at)
        # The holder finished without storing (an uncacheable answer), is slow, or died: compute.
        try:
            return self._compute(call)
        finally:
            if holder:
                store.release(lock, call.key)

    def _wait_for_fill(self, call: CachedCall, lock: Lock) -> Entry | None:
        """Poll for the holder's entry; give up as soon as the holder is done, or after FILL_LOCK_WAIT."""
        deadline = time.monotonic() + cacheops_settings.FILL_LOCK_WAIT
        while time.monotonic() < deadline:
            time.sleep(cacheops_settings.FILL_LOCK_POLL)
            try:
                entry = self._filled_entry(call)
                if entry is not None:
                    return entry
                if not store.is_held(lock):
                    # Released after its entry was stored: read once more, or the holder stored nothing.
                    return self._filled_entry(call)
            except CacheUnavailable:
                return None
        return None

    def _filled_entry_or_none(self, call: CachedCall) -> Entry | None:
        try:
            return self._filled_entry(call)
        except CacheUnavailable:
            return None

    def _filled_entry(self, call: CachedCall) -> Entry | None:
        current, entry = store.read_entry(self.type_name, call.key, call.scopes)
        if entry is not None and entry.generation == current >= call.generation and clock.time() < entry.expires_at:
            return entry
        return None

    def _compute(self, call: CachedCall) -> HttpResponseBase:
        """Run the view and store its answer; if it fails, answer with a stale entry within STALE_IF_ERROR."""
        try:
            response = call.run_view()
        except Exception as exc:
            fallback = self._stale_if_error(call, exc)
            if fallback is not None:
                return fallback
            _mark_drf_view(call.request, call.key)
            stats.record_field(self.fields[Outcome.MISS])
            raise
        if response.status_code >= 500:
            fallback = self._stale_if_error(call, f"status {response.status_code}")
            if fallback is not None:
                return fallback
        outcome = self._store(call, response) if _is_storable(response) else Outcome.MISS
        stats.record_field(self.fields[outcome])
        return _mark(response, Outcome.MISS, call.key)

    def _stale_if_error(self, call: CachedCall, error: object) -> HttpResponseBase | None:
        stale = call.stale
        if stale is None:
            return None
        age = clock.time() - stale.created_at
        if age >= stale.fresh_for + cacheops_settings.STALE_IF_ERROR[self.type_name]:
            return None
        logger.warning("[CACHE] %s failed (%s): answering with the entry of %d s ago", call.key, error, age)
        stats.record_field(self.fields[Outcome.STALE])
        return self._answer(call, stale, Outcome.STALE, age)

    def _refresh_in_background(self, call: CachedCall) -> None:
        """Start one refresh of a stale entry; requests meanwhile get the stale body at once."""
        try:
            lock = store.fill_lock(call.key, cacheops_settings.FILL_LOCK_TIMEOUT)
            if not store.try_acquire(lock):
                return  # another request is refreshing it
        except CacheUnavailable:
            return
        if self._filled_entry_or_none(call) is not None:
            store.release(lock, call.key)  # a refresh ended between our read and our acquire
            return

        def refresh_entry() -> None:
            try:
                response = call.run_view()
                if _is_storable(response):
                    self._store(call, response)
            finally:
                store.release(lock, call.key)  # from the refresh thread: the lock's token is not thread-local

        try:
            submit_refresh(refresh_entry)
        except RuntimeError:  # the pool is shutting down (interpreter exit): nobody will refresh
            store.release(lock, call.key)

    def _run_uncached(self, call: CachedCall) -> HttpResponseBase:
        """Redis is unusable: run the view, store nothing, count an error."""
        stats.record_field(self.fields[Outcome.ERROR])
        try:
            response = call.run_view()
        except Exception:
            _mark_drf_view(call.request, call.key)
            raise
        return _mark(response, Outcome.ERROR, call.key)

    def _store(self, call: CachedCall, response: HttpResponseBase) -> Outcome:
        if not self._key_covers_vary(call, response):
            return Outcome.MISS
        entry = self._entry_of(call, response)
        if entry is None:
            return Outcome.MISS
        if entry.etag is not None and not response.has_header("ETag"):
            response["ETag"] = entry.etag
        keep_for = self.timeout + max(cacheops_settings.STALE_WHILE_REVALIDATE[self.type_name],
                                      cacheops_settings.STALE_IF_ERROR[self.type_name])
        try:
            store.write_entry(call.key, entry, keep_for)
            self._store_prefetched(call, response, keep_for)
        except CacheUnavailable:
            return Outcome.ERROR
        return Outcome.MISS

    def _store_prefetched(self, call: CachedCall, response: HttpResponseBase, keep_for: int) -> None:
        """Store what the view prefetched for other requests (cacheops.prefetch) under their keys."""
        answers = prefetched_of(response)
        if not answers or self.key_func is not None:
            return
        for answer in answers:
            query_string = answer.query_string
            if self.declared_params is not None:
                query_string = keep_declared_params(query_string, self.declared_params, self.blank_means_absent)
            if self.scopes is not None:
                scopes = tuple(validate_scope(scope) for scope in self.scopes(RequestWithQuery(call.request,
                                                                                                query_string)))
                if scopes != call.scopes:
                    logger.warning("[CACHE] %s prefetched an answer for ?%s, whose scopes %s are not this request's "
                                   "%s: not stored. Prefetch only answers that depend on the same scopes.",
                                   self.view_name, query_string, scopes, call.scopes)
                    continue
            entry = self._entry_of(call, Response(answer.data))
            if entry is not None:
                store.write_entry(self._make_key(call.request, query_string)[0], entry, keep_for)

    def _entry_of(self, call: CachedCall, response: HttpResponseBase) -> Entry | None:
        """The entry of a storable response, rendered for the call's request; None past MAX_ENTRY_BYTES."""
        body = _render(call.request, response)
        if len(body) > cacheops_settings.MAX_ENTRY_BYTES:
            return None
        return make_entry(response, body, fresh_for=self.timeout, generation=call.generation,
                          etag=cacheops_settings.ETAGS)

    def _key_covers_vary(self, call: CachedCall, response: HttpResponseBase) -> bool:
        """Whether the key covers every user header the response varies on; learn the others.

        A response that varies on Authorization or Cookie under a key shared by users would be
        served to another user: it is not stored, and the view is keyed per user from now on.
        """
        if self.shared:
            return True
        uncovered = user_headers_varied(response, call.request) - call.covers
        if not uncovered:
            return True
        if not uncovered <= self.learned_vary:
            logger.warning("[CACHE] %s: its response varies on %s, so it is now keyed per user; say "
                           "cache_response(..., per_user=True), or shared=True if the answer is the same for "
                           "every user.", self.view_name, ", ".join(sorted(uncovered)))
            self.learned_vary = self.learned_vary | uncovered
        return False


async def _resolve_user(request: Any) -> None:
    """Load the user of a plain Django request without blocking the loop (`request.user` would query in it)."""
    auser = getattr(request, "auser", None)
    if auser is not None:
        request.user = await auser()


def _etag_matches(request: Any, etag: str) -> bool:
    """Weak comparison of If-None-Match with our tag (RFC 9110 13.1.2)."""
    http = getattr(request, "_request", request)
    header = http.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == ours for tag in parse_etags(header))


def _validated(serializer_class: type[BaseSerializer], query_string: str) -> Any:
    """What `serializer_class` makes of `query_string`; None when it refuses it or cannot tell.

    Cannot tell: a `validate` that reads the database, run on an async view's event loop.
    """
    serializer = serializer_class(data=QueryDict(query_string))
    try:
        return serializer.validated_data if serializer.is_valid() else None
    except Exception:  # whatever the serializer raised, the blank keeps its own entry
        return None


def _check_query_params(spec: object) -> Any:
    if spec is None or isinstance(spec, BaseSerializer):
        return spec
    if isinstance(spec, type) and issubclass(spec, BaseSerializer):
        return spec
    names = tuple(spec) if isinstance(spec, Iterable) and not isinstance(spec, str) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise TypeError(f"cache_response(query_params={spec!r}): give a serializer class whose fields are the "
                        "query parameters the view reads, or a list of their names (() for none).")
    return names


def _is_storable(response: HttpResponseBase) -> bool:
    if not 200 <= response.status_code < 300 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(directive in cache_control for directive in _UNCACHEABLE_DIRECTIVES)


def _render(request: Any, response: HttpResponseBase) -> bytes:
    """Render the response now (DRF renders it after the handler returns) and return its body."""
    if isinstance(response, Response) and not response.is_rendered:
        view = request.parser_context["view"]
        response.accepted_renderer = request.accepted_renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = view.get_renderer_context()
    render = getattr(response, "render", None)
    if render is not None and not response.is_rendered:
        render()
    return response.content


def _mark(response: HttpResponseBase, outcome: Outcome, key: str, *, age: str | None = None) -> HttpResponseBase:
    response["X-Cache"] = outcome.header
    if cacheops_settings.EXPOSE_KEY_HEADER:
        response["X-Cache-Key"] = key
    if age is not None:
        response["Age"] = age
    return response


def _mark_drf_view(request: Any, key: str) -> None:
    # The view raised (a 4xx from a serializer, a 5xx): DRF builds that response after us and
    # adds `view.headers` to it, so the cache headers still reach the client.
    context = getattr(request, "parser_context", None)
    view = context.get("view") if context else None
    if view is not None and isinstance(getattr(view, "headers", None), dict):
        view.headers["X-Cache"] = Outcome.MISS.header
        if cacheops_settings.EXPOSE_KEY_HEADER:
            view.headers["X-Cache-Key"] = key
