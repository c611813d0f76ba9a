"""Ranking: an app's bounded counts beside the responses, under the cache's prefix, best effort."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from cacheops.keys import make_aux_key
from cacheops.rankings import Ranking


def test_counts_rank_most_counted_first_and_keep_only_size_members(_services):
    ranking = Ranking("tests:ranking", size=2)
    caches["default"].delete(make_aux_key("tests:ranking"))
    for member in ["a", "b", "b", "c", "c", "c"]:
        assert ranking.count(member)
    assert ranking.top(10) == ["c", "b"]
    assert ranking.top(1) == ["c"]


def test_lives_under_the_caches_key_prefix_outside_the_response_namespace(_services):
    Ranking("tests:where", size=5).count("x")
    client = caches["default"].client.get_client(write=True)
    assert client.zscore(caches["default"].make_key("cacheops:aux:tests:where"), "x") == 1.0


def test_redis_down_counts_nothing_and_reads_nothing(redis_down):
    ranking = Ranking("tests:down", size=5)
    assert ranking.count("x") is False
    assert ranking.top(3) == []


def test_size_must_be_positive():
    with pytest.raises(ValueError, match="size must be a positive"):
        Ranking("tests:empty", size=0)
