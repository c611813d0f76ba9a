"""cache_response on DRF APIViews, viewset actions, @api_view and plain Django views."""

from __future__ import annotations

import threading

import pytest
import redis
from django.test import override_settings
from rest_framework.decorators import api_view
from rest_framework.renderers import (
    AdminRenderer,
    BrowsableAPIRenderer,
    JSONRenderer,
    StaticHTMLRenderer,
    TemplateHTMLRenderer,
)
from rest_framework.test import APIClient
from rest_framework.views import APIView

from cacheops import store
from cacheops.conf import CacheType
from cacheops.decorators import cache_response, renders_user_state
from cacheops.exceptions import InvalidCacheKey
from cacheops.stats import get_cache_stats
from tests.cacheops.urls import PageParams, PersonalJSONRenderer, SharedHTMLRenderer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cacheops.urls")]

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def get(api: APIClient, path: str, **headers):
    return api.get(path, **{**JSON, **headers})


class TestHitAndMiss:
    def test_miss_then_hit_with_the_same_body(self, api):
        first, second = get(api, "/echo?x=1"), get(api, "/echo?x=1")
        assert (first.status_code, first["X-Cache"]) == (200, "MISS")
        assert (second.status_code, second["X-Cache"]) == (200, "HIT")
        assert second.content == first.content
        assert second["Content-Type"] == "application/json"
        assert second["X-Cache-Key"] == first["X-Cache-Key"]
        assert first["X-Cache-Key"].startswith("cache:dashboard:") and len(first["X-Cache-Key"]) == 48

    def test_drf_headers_are_still_added_on_a_hit(self, api):
        get(api, "/echo")
        hit = get(api, "/echo")
        assert hit["X-Cache"] == "HIT"
        assert "Accept" in hit["Vary"] and "GET" in hit["Allow"]

    def test_query_order_shares_an_entry_and_other_values_do_not(self, api):
        first = get(api, "/echo?a=1&b=2")
        assert get(api, "/echo?b=2&a=1")["X-Cache"] == "HIT"
        other = get(api, "/echo?a=1&b=3")
        assert other["X-Cache"] == "MISS" and other["X-Cache-Key"] != first["X-Cache-Key"]

    def test_head_shares_the_get_entry(self, api):
        get(api, "/echo")
        head = api.head("/echo", **JSON)
        assert (head.status_code, head["X-Cache"]) == (200, "HIT")

    def test_json_and_browsable_html_never_share_an_entry(self, api):
        as_json = get(api, "/echo")
        as_html = api.get("/echo", HTTP_ACCEPT="text/html")
        assert as_html["X-Cache"] == "MISS"
        assert as_html["Content-Type"].startswith("text/html")
        assert as_html["X-Cache-Key"] != as_json["X-Cache-Key"]
        assert get(api, "/echo")["Content-Type"] == "application/json"
        assert api.get("/echo?format=json")["X-Cache-Key"] != as_html["X-Cache-Key"]

    def test_a_hit_does_no_rendering(self, api, monkeypatch):
        miss = get(api, "/echo")

        def refuse(*args, **kwargs):
            raise AssertionError("a hit must not render")

        monkeypatch.setattr(JSONRenderer, "render", refuse)
        hit = get(api, "/echo")
        assert hit["X-Cache"] == "HIT" and hit.content == miss.content

    def test_a_hit_is_one_redis_round_trip(self, api, monkeypatch):
        """One MGET: the type's generation and the entry together, whatever path sends it."""
        get(api, "/echo")
        commands: list[bytes] = []
        original = redis.connection.AbstractConnection.send_packed_command
        main = threading.get_ident()

        def spy(self, command, *args, **options):
            if threading.get_ident() == main:
                commands.append(b"".join(command).split(b"\r\n")[2])
            return original(self, command, *args, **options)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", spy)
        assert get(api, "/echo")["X-Cache"] == "HIT"
        assert commands == [b"MGET"]

    def test_the_stored_value_is_rendered_bytes_not_a_response(self, api, cache):
        response = get(api, "/echo?x=2")
        _, entry = store.read_entry("dashboard", response["X-Cache-Key"])
        assert entry.status == 200 and entry.body == response.content
        assert ("Content-Type", "application/json") in entry.headers
        assert not any(name.lower() in {"x-cache", "x-cache-key", "set-cookie"} for name, _ in entry.headers)
        assert entry.created_at > 0

    def test_ttl_is_the_type_ttl(self, api, cache):
        """Fresh for the type's TTL; kept in Redis for the TTL plus the longer stale window."""
        key = get(api, "/echo")["X-Cache-Key"]
        assert store.read_entry("dashboard", key)[1].fresh_for == 300
        assert 300 + 3600 - 10 < cache.ttl(key) <= 300 + 3600

    def test_key_header_can_be_hidden(self, api):
        with override_settings(CACHEOPS={"EXPOSE_KEY_HEADER": False}):
            response = get(api, "/echo")
        assert response["X-Cache"] == "MISS" and "X-Cache-Key" not in response

    def test_hits_and_misses_are_counted_per_type(self, api):
        get(api, "/echo")
        get(api, "/echo")
        get(api, "/search")
        stats = get_cache_stats()
        assert stats["by_type"]["dashboard"] == {
            "hits": 1, "misses": 1, "errors": 0, "stale": 0, "total_requests": 2, "hit_rate": 50.0,
        }
        assert stats["by_type"]["search"]["misses"] == 1


class TestWhatIsStored:
    @pytest.mark.parametrize("query", ["status=404", "status=201&cookie=1", "private=1", "status=302"])
    def test_only_cacheable_successes_are_stored(self, api, query):
        first = get(api, f"/echo?{query}")
        second = get(api, f"/echo?{query}")
        assert first["X-Cache"] == second["X-Cache"] == "MISS"
        assert second.json()["call"] == first.json()["call"] + 1

    def test_other_2xx_are_stored(self, api):
        first = get(api, "/echo?status=203")
        second = get(api, "/echo?status=203")
        assert (second.status_code, second["X-Cache"], second.content) == (203, "HIT", first.content)

    def test_a_raised_error_is_not_stored_and_still_has_the_headers(self, api):
        first = get(api, "/echo?invalid=1")
        assert (first.status_code, first["X-Cache"]) == (400, "MISS")
        assert first["X-Cache-Key"].startswith("cache:dashboard:")
        assert get(api, "/echo?invalid=1")["X-Cache"] == "MISS"

    def test_other_methods_pass_through(self, api):
        response = api.post("/echo", {}, format="json")
        assert response.json() == {"posted": True} and "X-Cache" not in response

    def test_bodies_over_the_limit_are_served_not_stored(self, api):
        with override_settings(CACHEOPS={"MAX_ENTRY_BYTES": 100}):
            first, second = get(api, "/echo?big=1"), get(api, "/echo?big=1")
        assert first["X-Cache"] == second["X-Cache"] == "MISS"


class TestAccessAndUsers:
    def test_permissions_run_before_a_hit(self, api, user):
        api.force_login(user)
        assert get(api, "/private")["X-Cache"] == "MISS"
        assert get(api, "/private")["X-Cache"] == "HIT"
        api.logout()
        assert get(api, "/private").status_code == 401

    def test_shared_views_share_entries_between_users(self, api, user, other_user):
        api.force_login(user)
        get(api, "/private")
        api.force_login(other_user)
        assert get(api, "/private")["X-Cache"] == "HIT"

    def test_per_user_views_are_isolated(self, api, user, other_user):
        api.force_login(user)
        mine = get(api, "/mine")
        api.force_login(other_user)
        theirs = get(api, "/mine")
        assert theirs["X-Cache"] == "MISS" and theirs.json()["user"] == "other"
        assert theirs["X-Cache-Key"] != mine["X-Cache-Key"]
        api.force_login(user)
        again = get(api, "/mine")
        assert again["X-Cache"] == "HIT" and again.json()["user"] == "reader"

    def test_browsable_html_is_per_user(self, api, user, other_user):
        api.force_login(user)
        first = api.get("/echo", HTTP_ACCEPT="text/html")
        api.force_login(other_user)
        second = api.get("/echo", HTTP_ACCEPT="text/html")
        assert second["X-Cache"] == "MISS" and second["X-Cache-Key"] != first["X-Cache-Key"]


class TestVary:
    @pytest.fixture(autouse=True)
    def _unlearned(self):
        """What a policy learned about Vary lives as long as the process: start each test without it."""
        from tests.cacheops.urls import whoami
        whoami.cacheops_policy.learned_vary = frozenset()

    def test_a_view_authenticated_by_drf_is_keyed_per_user_without_saying_so(self, api, user, other_user):
        api.force_login(user)
        mine = get(api, "/authenticated")
        api.force_login(other_user)
        theirs = get(api, "/authenticated")
        assert (theirs["X-Cache"], theirs.json()["user"]) == ("MISS", "other")
        api.force_login(user)
        again = get(api, "/authenticated")
        assert (again["X-Cache"], again.json()["user"]) == ("HIT", "reader")
        assert again["X-Cache-Key"] == mine["X-Cache-Key"] != theirs["X-Cache-Key"]

    def test_a_response_that_varies_on_authorization_is_never_served_across_users(self, api):
        seen = {}
        for _ in range(3):
            for token in ("Token alice", "Token bob", ""):
                response = get(api, "/whoami", HTTP_AUTHORIZATION=token)
                assert response.json()["authorization"] == token
                seen.setdefault(token, set()).add(response["X-Cache"])
        # Learned at the first answer: from then on each header value has its own entry, and hits.
        assert all("HIT" in states for states in seen.values()), seen

    def test_the_first_answer_that_varies_is_not_stored_under_a_shared_key(self, api, redis_connection, cache):
        first = get(api, "/whoami", HTTP_AUTHORIZATION="Token alice")
        assert first["X-Cache"] == "MISS"
        assert redis_connection.get(cache.make_key(first["X-Cache-Key"])) is None
        second = get(api, "/whoami", HTTP_AUTHORIZATION="Token alice")
        assert second["X-Cache-Key"] != first["X-Cache-Key"]
        assert redis_connection.get(cache.make_key(second["X-Cache-Key"])) is not None

    def test_per_user_and_shared_together_are_refused(self):
        with pytest.raises(ValueError, match="either per user or shared"):
            cache_response(CacheType.USER, per_user=True, shared=True)


class TestRenderersWithUserState:
    @pytest.mark.parametrize(("renderer", "per_user"), [
        (BrowsableAPIRenderer(), True),
        (AdminRenderer(), True),
        (TemplateHTMLRenderer(), True),
        (StaticHTMLRenderer(), True),
        (JSONRenderer(), False),
        (PersonalJSONRenderer(), True),
        (SharedHTMLRenderer(), False),
    ])
    def test_decided_by_the_renderer(self, renderer, per_user):
        assert renders_user_state(renderer) is per_user

    def test_a_json_renderer_negotiated_as_html_is_per_user(self):
        assert renders_user_state(JSONRenderer(), "text/html") is True

    @pytest.mark.parametrize("accept", ["Text/HTML", "text/html; q=0.9", "*/*;q=0.1, TEXT/HTML"])
    def test_browsable_html_is_per_user_however_accept_is_spelled(self, api, user, other_user, accept):
        api.force_login(user)
        first = api.get("/echo", HTTP_ACCEPT=accept)
        api.force_login(other_user)
        second = api.get("/echo", HTTP_ACCEPT=accept)
        assert first["Content-Type"].startswith("text/html")
        assert second["X-Cache"] == "MISS" and second["X-Cache-Key"] != first["X-Cache-Key"]

    def test_a_renderer_that_declares_itself_per_user_is_keyed_per_user(self, api, user, other_user):
        api.force_login(user)
        mine = get(api, "/personal")
        api.force_login(other_user)
        theirs = get(api, "/personal")
        assert (theirs["X-Cache"], theirs.json()["user"]) == ("MISS", "other")
        assert theirs["X-Cache-Key"] != mine["X-Cache-Key"]

    def test_a_renderer_that_declares_itself_shared_is_shared(self, api, user, other_user):
        api.force_login(user)
        first = api.get("/shared-html", HTTP_ACCEPT="text/html")
        api.force_login(other_user)
        second = api.get("/shared-html", HTTP_ACCEPT="text/html")
        assert (second["X-Cache"], second.content) == ("HIT", first.content)


class TestDeclaredQueryParams:
    def test_undeclared_parameters_share_the_entry_of_the_plain_request(self, api):
        plain = get(api, "/declared?q=x")
        junk = [get(api, f"/declared?q=x&junk={n}") for n in (1, 2)]
        assert [answer["X-Cache"] for answer in junk] == ["HIT", "HIT"]
        assert {answer["X-Cache-Key"] for answer in junk} == {plain["X-Cache-Key"]}
        assert junk[1].content == plain.content

    def test_declared_parameters_separate_entries(self, api):
        keys = {get(api, f"/declared?{query}")["X-Cache-Key"] for query in ("q=x", "q=y", "q=x&page=2", "from=1")}
        assert len(keys) == 4

    def test_the_view_never_sees_an_undeclared_parameter(self, api):
        """Key and body agree: nothing the key leaves out can reach a body served to others."""
        seen = get(api, "/declared?junk=%3Cscript%3E&q=x&page=2&from=a").json()
        assert seen["query"] == {"q": ["x"], "page": ["2"], "from": ["a"]}
        assert seen["path"] == "/declared?q=x&page=2&from=a"

    def test_blank_parameters_the_serializer_reads_as_absent_share_the_plain_entry(self, api):
        """`?q=&page=&from=` is what the serializer makes of `?`: the same entry, and the view sees neither."""
        plain = get(api, "/declared")
        blank = get(api, "/declared?q=&page=&from")
        assert blank["X-Cache"] == "HIT" and blank["X-Cache-Key"] == plain["X-Cache-Key"]
        assert blank.json() == plain.json() and plain.json()["query"] == {}

    def test_a_blank_value_the_serializer_reads_otherwise_keeps_its_entry(self, api):
        newest = get(api, "/declared?q=x")
        unordered = get(api, "/declared?q=x&order=")
        assert unordered["X-Cache"] == "MISS" and unordered["X-Cache-Key"] != newest["X-Cache-Key"]
        assert unordered.json()["query"] == {"q": ["x"], "order": [""]}

    def test_a_blank_beside_a_value_of_the_same_name_stays(self, api):
        seen = get(api, "/declared?q=&q=x").json()
        assert seen["query"] == {"q": ["", "x"]}

    def test_only_a_serializer_can_say_blank_means_absent(self):
        by_names = cache_response(CacheType.SEARCH, query_params=("q", "page"))(lambda request: None).cacheops_policy
        assert by_names.blank_means_absent == frozenset()
        by_serializer = cache_response(CacheType.SEARCH, query_params=PageParams)(lambda request: None).cacheops_policy
        assert by_serializer.blank_means_absent == {"q", "page", "from"}

    def test_a_serializer_that_cannot_validate_here_keeps_every_blank(self):
        """A `validate` that reads the database cannot run on an async view's event loop: nothing is dropped."""

        class NeedsTheDatabase(PageParams):
            def validate(self, attrs):
                raise RuntimeError("You cannot call this from an async context")

        policy = cache_response(CacheType.SEARCH, query_params=NeedsTheDatabase)(lambda request: None).cacheops_policy
        assert policy.blank_means_absent == frozenset()

    def test_the_format_override_still_negotiates(self, api):
        response = api.get("/declared?format=json&junk=1")
        assert response["Content-Type"] == "application/json" and response.json()["query"] == {"format": ["json"]}

    def test_a_view_that_reads_nothing_has_one_entry(self, api):
        first = get(api, "/reads-nothing")
        assert [get(api, f"/reads-nothing?x={n}")["X-Cache"] for n in range(3)] == ["HIT"] * 3
        assert get(api, "/reads-nothing?x=9").json() == first.json() == {"call": first.json()["call"], "query": {}}

    def test_undeclared_views_keep_every_parameter(self, api):
        assert get(api, "/echo?junk=1")["X-Cache-Key"] != get(api, "/echo?junk=2")["X-Cache-Key"]

    def test_names_may_come_from_any_iterable(self):
        policy = cache_response(CacheType.SEARCH, query_params=(name for name in ["q", "page"]))(
            lambda request: None).cacheops_policy
        assert policy.declared_params == {"q", "page", "format"}

    @pytest.mark.parametrize("spec", ["q", 42, ["q", 1]])
    def test_a_bad_declaration_is_refused_at_decoration(self, spec):
        with pytest.raises(TypeError, match="query_params"):
            cache_response(CacheType.SEARCH, query_params=spec)


class TestCustomKeys:
    def test_key_func_gives_the_whole_key_and_ttl_overrides(self, api, cache):
        response = get(api, "/profile/7")
        assert response["X-Cache-Key"] == "cache:user:profile:7"
        assert get(api, "/profile/7?ignored=1")["X-Cache"] == "HIT"
        assert store.read_entry("user", "cache:user:profile:7")[1].fresh_for == 42
        assert 35 + 600 < cache.ttl("cache:user:profile:7") <= 42 + 600

    def test_key_func_can_reuse_the_default_digest(self, api):
        first = get(api, "/trends?days=7")
        assert first["X-Cache-Key"].startswith("cache:analytics:trends:")
        assert get(api, "/trends?days=7")["X-Cache"] == "HIT"
        assert get(api, "/trends?days=8")["X-Cache-Key"] != first["X-Cache-Key"]

    def test_a_key_outside_the_namespace_is_a_server_error_not_a_stored_entry(self, api, redis_connection):
        response = get(api, "/bad-key")
        assert response.status_code == 500
        assert not list(redis_connection.scan_iter(match="*sessions:steal*"))

    def test_key_func_gets_the_default_digest(self, rf):
        seen = []

        def key_func(request, digest):
            seen.append(digest)
            return f"cache:search:mine:{digest}"

        policy = cache_response(CacheType.SEARCH, key_func=key_func)(lambda request: None).cacheops_policy
        assert policy.make_key(rf.get("/a")) == f"cache:search:mine:{seen[0]}"
        policy.make_key(rf.get("/b"))
        assert len(seen[0]) == 32 and seen[0] != seen[1]

    def test_options_are_keyword_only(self):
        with pytest.raises(TypeError):
            cache_response(CacheType.SEARCH, 60)  # type: ignore[misc]

    def test_the_policy_raises_invalid_cache_key(self, rf):
        policy = APIViewWithBadKey.get.cacheops_policy
        with pytest.raises(InvalidCacheKey, match="'sessions:steal'"):
            policy.make_key(rf.get("/"))


class APIViewWithBadKey(APIView):
    @cache_response(CacheType.USER, key_func=lambda request, digest: "sessions:steal")
    def get(self, request):
        raise NotImplementedError


class TestOtherViewKinds:
    def test_viewset_actions(self, api):
        assert get(api, "/products/")["X-Cache"] == "MISS"
        assert get(api, "/products/")["X-Cache"] == "HIT"
        first = get(api, "/products/3/")
        assert first["X-Cache-Key"].startswith("cache:product:")
        assert get(api, "/products/3/").json() == first.json()

    def test_api_view_functions(self, api):
        assert get(api, "/search?q=x")["X-Cache"] == "MISS"
        assert get(api, "/search?q=x")["X-Cache"] == "HIT"

    @pytest.mark.parametrize("path", ["/plain", "/plain-text"])
    def test_plain_django_views(self, client, path):
        first, second = client.get(path), client.get(path)
        assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
        assert second.content == first.content and second["Content-Type"] == first["Content-Type"]


class TestMisuse:
    def test_without_parentheses(self):
        with pytest.raises(TypeError, match=r"@cache_response\(CacheType.DASHBOARD\)"):
            cache_response(lambda request: None)

    def test_on_a_class(self):
        with pytest.raises(TypeError, match="not the class"):
            cache_response(CacheType.SEARCH)(APIView)

    def test_outside_api_view(self):
        view = api_view(["GET"])(lambda request: None)
        with pytest.raises(TypeError, match="before authentication and permissions"):
            cache_response(CacheType.SEARCH)(view)

    @pytest.mark.parametrize("ttl", [0, -5, "60", True])
    def test_bad_ttl(self, ttl):
        with pytest.raises(ValueError, match="positive number of seconds"):
            cache_response(CacheType.SEARCH, ttl=ttl)

    def test_unknown_type(self):
        with pytest.raises(ValueError, match="choose one of"):
            cache_response("logs")

    def test_keeps_name_and_docstring(self):
        def handler(self, request):
            """Say hello."""

        wrapped = cache_response(CacheType.SEARCH)(handler)
        assert (wrapped.__name__, wrapped.__doc__) == ("handler", "Say hello.")
