"""The memoised content negotiation chooses exactly what DRF's default one does."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cacheops.negotiation import CachedContentNegotiation

RENDERERS = [JSONRenderer, BrowsableAPIRenderer]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("application/json", ""),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""),
        ("*/*", ""),
        (None, ""),
        ("application/json; indent=4", ""),
        ("text/html", "format=json"),
        ("application/json", "format=api"),
    ],
)
def test_same_choice_as_drf_every_time(accept, query):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(APIRequestFactory().get(f"/x?{query}", **headers))
    expected = _outcome(DefaultContentNegotiation(), request)
    for _ in range(2):  # the second answer comes from the memo
        assert _outcome(CachedContentNegotiation(), request) == expected


def _outcome(negotiation, request):
    try:
        renderer, media_type = negotiation.select_renderer(request, [r() for r in RENDERERS])
    except NotAcceptable:
        return "not acceptable"
    return type(renderer), media_type


def test_an_unknown_format_still_raises():
    request = Request(APIRequestFactory().get("/x?format=xml"))
    with pytest.raises(Http404):
        CachedContentNegotiation().select_renderer(request, [r() for r in RENDERERS])
