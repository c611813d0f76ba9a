"""
The dashboard's integration errors, and the API answers views give for them.

The search-engine layer (`dashboard.client`) raises `SearchUnavailable` (unreachable,
overloaded or failing: try again later) or `SearchRefused` (it refused a request logdash built:
our bug). Their message is for logs and operators and may quote the engine; a client never
sees it. Views map them with `SearchEngineErrorsMixin` to fixed answers: 503
`search_unavailable`, or 500 `search_refused` (a 503 would send clients retrying a request that
can never succeed).
"""

from __future__ import annotations

import logging

from rest_framework import status
from rest_framework.exceptions import APIException

logger = logging.getLogger(__name__)


class SearchEngineError(Exception):
    """The search engine did not do what the dashboard asked; the message says what, for the logs."""


class SearchUnavailable(SearchEngineError):  # noqa: N818 (says what happened, like CacheUnavailable)
    """The search engine is unreachable, overloaded or failing: the same request may work later."""


class SearchRefused(SearchEngineError):  # noqa: N818 (pairs with SearchUnavailable)
    """The search engine refused a request logdash built (a bug: validated input never makes one)."""


class SearchUnavailableAnswer(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The search engine is unreachable; try again in a moment."
    default_code = "search_unavailable"


class SearchRefusedAnswer(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = "The search engine refused the query logdash built; this is a bug and it has been logged."
    default_code = "search_refused"


def to_api_exception(exc: SearchEngineError) -> APIException:
    """The answer for `exc`: its fixed code and detail, never the engine's own text."""
    return SearchRefusedAnswer() if isinstance(exc, SearchRefused) else SearchUnavailableAnswer()


class SearchEngineErrorsMixin:
    """For DRF views that reach the search engine: its errors become 503 / 500 answers with a fixed detail."""

    def handle_exception(self, exc: Exception):
        if isinstance(exc, SearchEngineError):
            logger.warning("%s answered %s: %s", type(self).__name__, type(exc).__name__, exc)
            exc = to_api_exception(exc)
        return super().handle_exception(exc)
