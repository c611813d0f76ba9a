"""
Content negotiation that remembers its answers: DRF parses the Accept header on every request,
and on a cache hit that parsing is a large share of the Python time.

    REST_FRAMEWORK = {"DEFAULT_CONTENT_NEGOTIATION_CLASS": "cacheops.negotiation.CachedContentNegotiation"}

The choice depends only on the renderer classes, the format (suffix or `?format=`) and the
Accept header, so it is memoised on exactly those; a request that cannot be satisfied is
negotiated afresh each time (DRF raises for it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation


class CachedContentNegotiation(DefaultContentNegotiation):
    """DRF's DefaultContentNegotiation, memoised per (renderers, format, Accept)."""

    def select_renderer(self, request: Any, renderers: list, format_suffix: str | None = None) -> tuple[Any, str]:
        # Read META directly: building request.headers or request.GET costs more than the memo saves.
        meta = request.META
        override = self.settings.URL_FORMAT_OVERRIDE
        format_name = format_suffix
        if not format_name and override and f"{override}=" in meta.get("QUERY_STRING", ""):
            format_name = request.query_params.get(override)
        accept = meta.get("HTTP_ACCEPT", "*/*")
        index, media_type = _negotiate(tuple(type(renderer) for renderer in renderers), format_name, accept)
        return renderers[index], media_type


class _Probe:
    """The two things DefaultContentNegotiation reads from a request."""

    def __init__(self, format_name: str | None, accept: str) -> None:
        self.query_params = {} if format_name is None else {DefaultContentNegotiation.settings.URL_FORMAT_OVERRIDE:
                                                             format_name}
        self.headers = {"accept": accept}
        self.META = {"HTTP_ACCEPT": accept}


@lru_cache(maxsize=1024)
def _negotiate(renderer_classes: tuple[type, ...], format_name: str | None, accept: str) -> tuple[int, str]:
    renderers = [renderer_class() for renderer_class in renderer_classes]
    chosen, media_type = DefaultContentNegotiation().select_renderer(_Probe(format_name, accept), renderers, None)
    return renderers.index(chosen), media_type
