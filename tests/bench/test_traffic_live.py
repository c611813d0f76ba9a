"""bench/traffic/live.py: the traffic model replayed against a server that is already running."""

from dataclasses import replace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from bench.traffic import live
from bench.traffic.model import TrafficModel, build_trace
from bench.traffic.replay import replay

pytestmark = pytest.mark.django_db(transaction=True)

# Three users for a few simulated minutes, 40 times faster than real time: no uploads, no operators.
SMALL = replace(TrafficModel(), users=3, operators=0, duration=240.0, compression=40.0, search_every=15.0,
                distinct_queries=12, trends_every=60.0, user_dashboard_every=60.0, upload_every=100_000.0,
                invalidate_every=100_000.0)


def test_each_actor_gets_a_user_of_its_own_once_and_the_staff_actors_are_staff():
    tokens = live.provision({"user0", "operator0", "uploader"})
    assert live.provision({"user0", "operator0", "uploader"}) == tokens
    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="traffic-")}
    assert sorted(users) == ["traffic-operator0", "traffic-uploader", "traffic-user0"]
    assert [users[name].is_staff for name in sorted(users)] == [True, True, False]
    assert not users["traffic-user0"].has_usable_password()


def test_the_replay_counts_one_engine_query_for_each_read_the_cache_missed(live_server, search_engine):
    call_command("load_demo_logs", lines=600)
    trace = build_trace(SMALL, live.products(), [])
    tokens = live.provision({event.actor for event in trace})
    before = live.engine_queries_sent(live_server.url)
    answers = replay(live_server.url, SMALL, trace, tokens=tokens)
    results = live.summarise(SMALL, trace, answers, live.engine_queries_sent(live_server.url) - before, 1.0)

    assert len(answers) >= len([event for event in trace if event.params.get("page") != 2])
    assert {answer.status for answer in answers} == {200}
    misses = sum(1 for answer in answers if answer.kind in live.READ_KINDS and answer.x_cache == "MISS")
    hits = sum(1 for answer in answers if answer.kind in live.READ_KINDS and answer.x_cache == "HIT")
    assert misses and hits  # the polls repeat: the cache answers some, the engine the rest
    assert results["engine_queries"] == misses
    assert results["reads"] == misses + hits
    assert results["ideal_engine_queries"] <= misses
    assert results["reduction_vs_one_query_per_read_pct"] == round(100 * (1 - misses / results["reads"]), 1)
    assert "| dashboard |" in live.render(results)


def test_metrics_that_do_not_answer_this_address_give_a_clear_error(live_server):
    with override_settings(METRICS_ALLOWED_IPS=[]), pytest.raises(RuntimeError, match="--metrics-token"):
        live.engine_queries_sent(live_server.url)
