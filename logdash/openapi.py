"""
The project's OpenAPI schema class: every operation documents its errors and its cache headers.

Views declare their success bodies (and any 413/503 they raise) with `@extend_schema`; this
class adds what follows from the view itself, so no view repeats it:

- the error responses implied by the request: 400 where there is input to validate (a body,
  query parameters, a path parameter with fixed choices), 401 where authentication is required,
  403 where a permission can refuse an authenticated user (or a session's CSRF check can), 404
  where the path names an object (any other path parameter);
- the `ApiError` body (`logdash.exceptions`) on every 4xx/5xx that a view declared without a body;
- for handlers wrapped by `cacheops.decorators.cache_response`: the `X-Cache`, `X-Cache-Key`,
  `ETag` and `Age` response headers, the `If-None-Match` request header and the 304 answer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from cacheops.outcomes import SERVED


class ErrorSerializer(serializers.Serializer):
    """Every error body of the API (`logdash.exceptions.json_exception_handler`)."""

    error = serializers.CharField(help_text="Machine-readable code: invalid, not_authenticated, permission_denied, "
                                            "not_found, payload_too_large, search_unavailable, cache_unavailable...")
    detail = serializers.CharField(help_text="What went wrong and how to fix it, for a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Validation errors only: each refused field (or non_field_errors) with the reasons.",
    )

    class Meta:
        ref_name = "ApiError"  # not `Error`: a generated TypeScript client would shadow the global Error


_ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `fields` names each refused field and why.",
    "401": "No valid credentials: send `Authorization: Token <key>` (from POST /api/auth/token).",
    "403": "Authenticated, but not allowed here (staff only, another user's data, or a missing CSRF token "
           "with session authentication).",
    "404": "No such object.",
}
# Permissions that never refuse an authenticated user.
_LENIENT_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated)
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

_CACHE_HEADERS = [
    OpenApiParameter("X-Cache", str, OpenApiParameter.HEADER, enum=[outcome.header for outcome in SERVED],
                     response=["200", "304"],
                     description="Whether the response cache answered: HIT, MISS (the view ran), or STALE "
                                 "(an expired entry served while it is refreshed)."),
    OpenApiParameter("X-Cache-Key", str, OpenApiParameter.HEADER, response=["200", "304"],
                     description="The logical cache key of this response, e.g. `cache:dashboard:{md5}`."),
    OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=["200", "304"],
                     description="Strong validator of the body; send it back as If-None-Match."),
    OpenApiParameter("Age", int, OpenApiParameter.HEADER, response=["200", "304"],
                     description="Seconds since the cached body was computed (on HIT and STALE)."),
    OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER,
                     description="An ETag from an earlier response: 304 without a body when it still matches."),
]


def postprocess_parameter_enums(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Parameters whose choices are those of an enum component refer to it instead of repeating them.

    drf-spectacular's own enum hook names the enums of component properties only, so a path
    parameter such as `cache_type` kept an inline copy of `CacheTypeEnum`: a second type in a
    generated client. Runs after `postprocess_schema_enums`, which creates the components.
    """
    schemas = result.get("components", {}).get("schemas", {})
    components = {frozenset(schema["enum"]): name for name, schema in schemas.items() if "enum" in schema}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                name = components.get(frozenset(schema.get("enum", ())))
                if name is not None:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
    return result


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus logdash's error responses and cache headers."""

    # What get_operation() computed before the responses, kept for _implied_errors().
    _parameters: list[dict[str, Any]] = []
    _request_body: dict[str, Any] | None = None

    def get_override_parameters(self) -> list[Any]:
        parameters = super().get_override_parameters()
        return [*parameters, *_CACHE_HEADERS] if self._is_cached() else parameters

    def _get_parameters(self) -> list[dict[str, Any]]:
        self._parameters = super()._get_parameters()
        return self._parameters

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        self._request_body = super()._get_request_body(direction)
        return self._request_body

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self._is_cached():
            responses["304"] = self._get_response_for_code(
                OpenApiResponse(description="Not modified: the If-None-Match tag still matches."), "304"
            )
        for code, description in self._implied_errors().items():
            responses.setdefault(code, {"description": description})
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                error = OpenApiResponse(ErrorSerializer, response.get("description", ""))
                responses[code] = self._get_response_for_code(error, code, media_types=["application/json"])
        return dict(sorted(responses.items()))

    def _implied_errors(self) -> dict[str, str]:
        codes = []
        path_parameters = [p for p in self._parameters if p["in"] == "path"]
        if (self._request_body or any(p["in"] == "query" for p in self._parameters)
                or any("enum" in p["schema"] for p in path_parameters)):
            codes.append("400")
        perms = self.view.get_permissions()
        if perms and not any(isinstance(p, permissions.AllowAny) for p in perms):
            codes.append("401")
            strict = any(not isinstance(p, _LENIENT_PERMISSIONS) for p in perms)
            csrf = self.method in _UNSAFE_METHODS and any(
                isinstance(a, SessionAuthentication) for a in self.view.get_authenticators()
            )
            if strict or csrf:
                codes.append("403")
        if any("enum" not in p["schema"] for p in path_parameters):
            codes.append("404")
        return {code: _ERROR_DESCRIPTIONS[code] for code in codes}

    def _is_cached(self) -> bool:
        if self.method not in {"GET", "HEAD"}:
            return False
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        return getattr(handler, "cacheops_policy", None) is not None
