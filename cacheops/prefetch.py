"""
Answers a view computed for a request not yet made, stored beside its own: read-ahead.

A view that pages through results can fetch the next page in the same backend query as this one
(one query of twice the size costs little more than one of the size) and hand it to
`cache_response` with `attach_prefetched`. When the response is stored, the decorator stores the
prefetched answer too, under the key the next page's request will have, so the client's next
request is a hit that never reaches the backend.

    response = Response(page)
    return attach_prefetched(response, [Prefetched(query_string, next_page)])

A prefetched answer must be exactly what the view would answer to `query_string`, and depend on
the same scopes (`cache_response(scopes=...)`): it is stored with the generation read for this
request, so an invalidation meanwhile makes both stale. One whose scopes differ is not stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

PREFETCHED_ATTRIBUTE = "cacheops_prefetched"


@dataclass(frozen=True)
class Prefetched:
    """The answer (`data`, as `Response(data)` carries it) to the same view with `query_string`."""

    query_string: str
    data: Any


def attach_prefetched(response: Any, answers: Iterable[Prefetched]) -> Any:
    """Give `response` answers for other requests, to be stored if the response is; returns the response."""
    setattr(response, PREFETCHED_ATTRIBUTE, [*getattr(response, PREFETCHED_ATTRIBUTE, ()), *answers])
    return response


def prefetched_of(response: Any) -> list[Prefetched]:
    return list(getattr(response, PREFETCHED_ATTRIBUTE, ()))


class RequestWithQuery:
    """`request` as if its query string were `query_string`: what a key or scopes function reads of it."""

    def __init__(self, request: Any, query_string: str) -> None:
        self._original = request
        self.query_params = self.GET = QueryDict(query_string)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)
