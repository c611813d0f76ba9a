"""The OpenAPI schema at /api/schema/ and Swagger UI at /api/docs/."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

# Routes under /api/ that serve the documentation itself rather than the API.
DOCUMENTATION_ROUTES = {"/api/schema/", "/api/docs/"}
ERROR_REF = "#/components/schemas/ApiError"


def _routes(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every (route, pattern) of the URLconf, with include()s expanded."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route, pattern


def _template(path: str) -> str:
    """The path with every parameter as `{}`: drf-spectacular names `<int:pk>` `{id}`."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def _api_endpoints() -> dict[str, set[str]]:
    """`/api/...` path template -> the HTTP methods its view answers."""
    endpoints = {}
    for route, pattern in _routes(get_resolver().url_patterns):
        path = _template("/" + route)
        if not path.startswith("/api/") or path in DOCUMENTATION_ROUTES:
            continue
        view = pattern.callback
        actions = getattr(view, "actions", None)  # viewsets; DRF adds "head" to it on the first request
        methods = set(actions) if actions else {name for name in view.cls.http_method_names if hasattr(view.cls, name)}
        endpoints[path] = methods - {"head", "options"}  # OpenAPI documents HEAD and OPTIONS nowhere
    return endpoints


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema, generated strictly: any warning or error of drf-spectacular fails the test."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        document = SchemaGenerator().get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    assert not problems, "drf-spectacular could not resolve everything:\n" + "\n".join(problems)
    return document


def _operations(schema: dict) -> Iterator[tuple[str, str, dict]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


# Every operation and the name a generated client gives its method (issue 18 item 1).
OPERATION_IDS = {
    ("get", "/api/dashboard"): "getDashboard",
    ("get", "/api/search"): "searchLogs",
    ("get", "/api/analytics/trends"): "getTrends",
    ("get", "/api/analytics/patterns"): "listPatterns",
    ("post", "/api/upload"): "uploadLog",
    ("get", "/api/uploads"): "listUploads",
    ("get", "/api/uploads/{id}"): "getUpload",
    ("get", "/api/user/{user_id}"): "getUserProfile",
    ("get", "/api/user/dashboard"): "getUserDashboard",
    ("get", "/api/user/me"): "getCurrentUser",
    ("get", "/api/products"): "listProducts",
    ("post", "/api/products"): "createProduct",
    ("get", "/api/products/{id}"): "getProduct",
    ("put", "/api/products/{id}"): "updateProduct",
    ("patch", "/api/products/{id}"): "patchProduct",
    ("delete", "/api/products/{id}"): "deleteProduct",
    ("get", "/api/formats"): "listLogFormats",
    ("post", "/api/formats"): "createLogFormat",
    ("get", "/api/formats/{id}"): "getLogFormat",
    ("put", "/api/formats/{id}"): "updateLogFormat",
    ("patch", "/api/formats/{id}"): "patchLogFormat",
    ("delete", "/api/formats/{id}"): "deleteLogFormat",
    ("get", "/api/cache/stats"): "getCacheStats",
    ("post", "/api/cache/invalidate/{cache_type}"): "invalidateCacheType",
    ("post", "/api/cache/invalidate-pattern"): "invalidateCachePattern",
    ("post", "/api/cache/clear-all"): "clearCache",
    ("post", "/api/auth/token"): "obtainAuthToken",
    ("get", "/api/health"): "getHealth",
}
# What drf-spectacular names an operation by itself: `dashboard_retrieve`, `products_partial_update`.
DEFAULT_OPERATION_ID = re.compile(r"_|(Retrieve|Create|List|Update|PartialUpdate|Destroy)$", re.IGNORECASE)


def test_schema_generates_without_warnings_and_validates(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


@pytest.mark.django_db
def test_schema_endpoint_serves_a_valid_document_in_yaml_and_json(client):
    assert client.get("/api/schema/").content.startswith(b"openapi: 3.")
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    validate_schema(response.json())


def test_every_api_route_of_the_urlconf_is_documented_with_each_method(schema):
    endpoints = _api_endpoints()
    assert "/api/search" in endpoints and "/api/cache/stats" in endpoints  # the walk found the API
    documented = {_template(path): set(operations) for path, operations in schema["paths"].items()}
    assert documented == endpoints


def test_every_operation_says_who_may_call_it_and_documents_its_errors_as_the_error_component(schema):
    assert set(schema["components"]["schemas"]["ApiError"]["properties"]) == {"error", "detail", "fields"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    for path, method, operation in _operations(schema):
        public = path in {"/api/health", "/api/auth/token"}
        assert ("401" in operation["responses"]) is not public, (method, path)
        assert ("security" not in operation or {} in operation["security"]) is public, (method, path)
        for code, response in operation["responses"].items():
            if code >= "400" and path != "/api/health":  # health's 503 is its own report, not an error
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (method, path, code)


def test_query_parameters_come_from_the_views_serializers(schema):
    search = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"] if p["in"] == "query"}
    assert search == {"q", "level", "source", "product", "from", "to", "size", "cursor", "pattern_id"}
    trends = schema["paths"]["/api/analytics/trends"]["get"]["parameters"]
    days = next(p for p in trends if p["name"] == "days")
    assert days["schema"]["minimum"] == 1 and days["schema"]["maximum"] == 90


def test_the_patterns_list_is_documented_with_its_filters_and_fields(schema):
    operation = schema["paths"]["/api/analytics/patterns"]["get"]
    assert operation["operationId"] == "listPatterns"
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"q", "level", "source", "product", "from", "to", "cursor", "size"} <= names
    assert set(operation["responses"]["200"]["headers"]) == {"X-Cache", "X-Cache-Key", "ETag", "Age"}
    item = schema["components"]["schemas"]["Pattern"]["properties"]
    assert {"pattern_id", "pattern", "count", "first_seen", "last_seen", "levels", "example"} <= set(item)
    entry = schema["components"]["schemas"]["LogEntry"]["properties"]
    assert {"pattern", "pattern_id"} <= set(entry)


def test_cached_reads_document_the_cache_headers_and_304(schema):
    dashboard = schema["paths"]["/api/dashboard"]["get"]
    assert set(dashboard["responses"]["200"]["headers"]) == {"X-Cache", "X-Cache-Key", "ETag", "Age"}
    assert "304" in dashboard["responses"]
    assert any(p["name"] == "If-None-Match" for p in dashboard["parameters"])
    assert "headers" not in schema["paths"]["/api/uploads"]["get"]["responses"]["200"]  # not cached


def test_specific_errors_are_documented(schema):
    assert {"413", "503"} <= set(schema["paths"]["/api/upload"]["post"]["responses"])
    assert "503" in schema["paths"]["/api/search"]["get"]["responses"]
    assert "403" in schema["paths"]["/api/cache/clear-all"]["post"]["responses"]
    assert "404" in schema["paths"]["/api/user/{user_id}"]["get"]["responses"]


@pytest.mark.django_db
def test_swagger_ui_is_served_with_local_assets_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, page
    assert all(url.startswith("/static/drf_spectacular_sidecar/") for url in assets), assets
    assert not re.search(r"https?://", page), "Swagger UI must not load anything from a CDN"
    bundle = client.get(next(url for url in assets if url.endswith("swagger-ui-bundle.js")))
    bundle.close()
    assert bundle.status_code == 200


# What a client generator (ng-openapi-gen, openapi-typescript) trips over, found in the schema by
# `codegen_problems`: issue 18 items 1-3. The first test keeps the schema clean; the second shows that
# the check finds each problem the issue reported, so the first cannot pass by checking nothing.

# TypeScript's globals that a generated `export interface Error` or `Response` would shadow.
TS_GLOBALS = {"Error", "Response", "Request", "Event", "Date", "Object", "Array", "String", "Number", "Boolean",
              "Record", "Map", "Set", "Promise", "File", "Blob", "Headers", "Location", "Range", "Text", "Node"}


def _walk(node, where: str = "") -> Iterator[tuple[str, dict]]:
    """Every object under `node` (dicts only), with a JSON-pointer-like location."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def codegen_problems(schema: dict) -> list[str]:
    """Each operation id, body, enum and component name a generated client would get wrong, in words."""
    problems = []
    ids = []
    for path, method, operation in _operations(schema):
        operation_id = operation.get("operationId", "")
        ids.append(operation_id)
        if DEFAULT_OPERATION_ID.search(operation_id) or not re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)+", operation_id):
            problems.append(f"default operationId: {method.upper()} {path} is {operation_id!r}")
        media_types = list(operation.get("requestBody", {}).get("content", {}))
        if len(media_types) > 1:
            problems.append(f"several body types: {method.upper()} {path} reads {', '.join(media_types)}")
    problems += [f"duplicate operationId: {name}" for name in sorted(set(ids)) if ids.count(name) > 1]
    components = schema.get("components", {}).get("schemas", {})
    enums = {frozenset(value["enum"]): name for name, value in components.items() if "enum" in value}
    for where, node in _walk({"paths": schema["paths"], "components": schema.get("components", {})}):
        is_component = where.count("/") == 3 and where.startswith("/components/schemas/")
        if "enum" in node and not is_component and frozenset(node["enum"]) in enums:
            problems.append(f"inline enum: {where} repeats {enums[frozenset(node['enum'])]}")
        for union in ("oneOf", "anyOf"):
            if [member.get("type") for member in node.get(union, [])].count("string") > 1:
                problems.append(f"string union: {where} is (string | string)")
    for name in components:
        if re.search(r"([A-Z][a-z]+)\1$", name):
            problems.append(f"duplicate suffix: {name}")
        if name in TS_GLOBALS:
            problems.append(f"shadows a TypeScript global: {name}")
    return problems


def test_the_schema_has_nothing_a_client_generator_trips_over(schema):
    assert codegen_problems(schema) == []


def test_the_codegen_check_finds_every_problem_issue_18_reported():
    """A schema as drf-spectacular wrote it before issue 18 (abridged): each problem is reported."""
    string_or_blank = {"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]}
    form_bodies = {media_type: {"schema": {"$ref": "#/components/schemas/AuthTokenRequest"}}
                   for media_type in ("application/x-www-form-urlencoded", "multipart/form-data", "application/json")}
    before = {
        "paths": {
            "/api/dashboard": {"get": {"operationId": "dashboard_retrieve"}},
            "/api/auth/token": {"post": {"operationId": "authTokenCreate", "requestBody": {"content": form_bodies}}},
            "/api/cache/invalidate/{cache_type}": {"post": {"operationId": "invalidateCacheType", "parameters": [
                {"name": "cache_type", "in": "path", "schema": {"type": "string", "enum": ["search", "user"]}}]}},
            "/api/cache/stats": {"get": {"operationId": "invalidateCacheType"}},
        },
        "components": {"schemas": {
            "CacheTypeEnum": {"type": "string", "enum": ["user", "search"]},
            "Error": {"type": "object"},
            "UploadRequestRequest": {"type": "object"},
            "UserProfile": {"type": "object", "properties": {"email": string_or_blank}},
        }},
    }
    problems = codegen_problems(before)
    assert {problem.split(":")[0] for problem in problems} == {
        "default operationId", "several body types", "duplicate operationId", "inline enum", "string union",
        "duplicate suffix", "shadows a TypeScript global"}
    assert "default operationId: GET /api/dashboard is 'dashboard_retrieve'" in problems
    assert "default operationId: POST /api/auth/token is 'authTokenCreate'" in problems
    assert "inline enum: /paths//api/cache/invalidate/{cache_type}/post/parameters/0/schema repeats CacheTypeEnum" \
        in problems
    assert "duplicate suffix: UploadRequestRequest" in problems and "shadows a TypeScript global: Error" in problems


def test_every_operation_is_named_for_what_it_does(schema):
    assert {(method, path): operation["operationId"] for path, method, operation in _operations(schema)} \
        == OPERATION_IDS


@pytest.mark.parametrize("operation_id", ["dashboard_retrieve", "productsList", "authTokenCreate", "cacheDestroy",
                                          "user_dashboard", "productsPartialUpdate"])
def test_the_default_name_check_recognises_drf_spectacular_defaults(operation_id):
    assert DEFAULT_OPERATION_ID.search(operation_id)


def test_every_request_body_is_json_but_the_uploads_multipart(schema):
    bodies = {(method, path): list(operation["requestBody"]["content"])
              for path, method, operation in _operations(schema) if "requestBody" in operation}
    assert ("post", "/api/auth/token") in bodies and ("patch", "/api/products/{id}") in bodies
    for (method, path), media_types in bodies.items():
        expected = ["multipart/form-data"] if path == "/api/upload" else ["application/json"]
        assert media_types == expected, (method, path)


def test_component_names(schema):
    names = set(schema["components"]["schemas"])
    assert {"ApiError", "UploadLogRequest", "CachePatternRequest", "CacheTypeEnum", "CurrentUser"} <= names
    assert not {"Error", "UploadRequestRequest", "PatternRequestRequest"} & names


def test_the_cache_type_parameter_is_the_cache_type_enum(schema):
    invalidate = schema["paths"]["/api/cache/invalidate/{cache_type}"]["post"]
    (cache_type,) = (p for p in invalidate["parameters"] if p["name"] == "cache_type")
    assert cache_type["schema"] == {"$ref": "#/components/schemas/CacheTypeEnum"}
    assert "400" in invalidate["responses"] and "404" not in invalidate["responses"]  # a choice, not an object


def test_who_am_i_and_the_token_reply_share_the_current_user_component(schema):
    token = schema["components"]["schemas"]["Token"]["properties"]
    assert token["user"] == {"$ref": "#/components/schemas/CurrentUser"}
    me = schema["paths"]["/api/user/me"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"] == token["user"]
    assert set(schema["components"]["schemas"]["CurrentUser"]["properties"]) == {"id", "username", "email",
                                                                                  "is_staff"}
    assert set(me["responses"]["200"]["headers"]) == {"X-Cache", "X-Cache-Key", "ETag", "Age"}


@pytest.mark.django_db
def test_the_served_schema_names_its_server_from_settings(client):
    servers = client.get("/api/schema/?format=json").json()["servers"]
    assert servers == settings.SPECTACULAR_SETTINGS["SERVERS"]
    assert servers[0]["url"] == settings.LOGDASH_PUBLIC_URL


def _settings_from_environment(**environment: str) -> tuple[int, str]:
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    code = "import json, logdash.settings as s; print(json.dumps(s.SPECTACULAR_SETTINGS['SERVERS'][0]['url']))"
    result = subprocess.run([sys.executable, "-c", code], env={**keep, **environment},
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60)
    return result.returncode, json.loads(result.stdout) if result.returncode == 0 else result.stderr


@pytest.mark.parametrize(("environment", "url"), [
    ({"DEBUG": "1"}, "http://127.0.0.1:8000"),
    ({"DEBUG": "1", "PORT": "8080"}, "http://127.0.0.1:8080"),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "/"),
    ({"DEBUG": "0", "SECRET_KEY": "x" * 50, "LOGDASH_PUBLIC_URL": "https://logs.example.com/"},
     "https://logs.example.com"),
    ({"DEBUG": "1", "LOGDASH_PUBLIC_URL": "http://10.0.0.5:8000/logdash"}, "http://10.0.0.5:8000/logdash"),
])
def test_the_server_url_comes_from_the_environment(environment, url):
    assert _settings_from_environment(**environment) == (0, url)


@pytest.mark.parametrize("bad", ["logs.example.com", "ftp://logs.example.com", "https://", "https://x.com/?a=1"])
def test_a_public_url_that_is_not_one_stops_the_start(bad):
    returncode, error = _settings_from_environment(DEBUG="1", LOGDASH_PUBLIC_URL=bad)
    assert returncode != 0 and "LOGDASH_PUBLIC_URL" in error


LISTS = ("searchLogs", "listPatterns", "listUploads", "listProducts", "listLogFormats")


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_every_list_pages_one_way_with_a_cursor_in_the_body(schema):
    """Issue 18 item 6: `cursor` and `size` in, `results` and a nullable `next_cursor` out; no URLs, no page numbers."""
    operations = {operation["operationId"]: operation for _, _, operation in _operations(schema)}
    for name in LISTS:
        operation = operations[name]
        params = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert {"cursor", "size"} <= params and "page" not in params, name
        body = _resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert body["type"] == "object", name
        assert body["properties"]["results"]["type"] == "array", name
        assert body["properties"]["next_cursor"]["type"] == "string", name
        assert body["properties"]["next_cursor"].get("nullable") is True, name
        assert {"results", "next_cursor"} <= set(body["required"]), name
        assert not {"next", "previous", "page", "has_next"} & set(body["properties"]), name
    for path, method, operation in _operations(schema):
        if method == "get" and operation["operationId"] not in LISTS:
            body = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert _resolve(schema, body).get("type") != "array", f"{path} answers a bare array: page it"
