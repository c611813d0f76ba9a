"""The Celery broker's URL: the cache's Redis on the next database by default, never a Redis Cluster."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from logdash.broker import check_broker_is_not_cluster, check_broker_url, next_redis_db


@pytest.mark.parametrize(("cache", "broker"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
    ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
    ("rediss://user:pw@cache.internal:6380/3?ssl_cert_reqs=required", "rediss://user:pw@cache.internal:6380/4"
                                                                       "?ssl_cert_reqs=required"),
    ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/0"),
    ("unix:///var/run/redis.sock", "unix:///var/run/redis.sock"),
])
def test_the_default_broker_is_the_cache_redis_on_the_next_database(cache, broker):
    assert next_redis_db(cache) == broker


@pytest.mark.parametrize("url", ["redis+cluster://node1:7000", "rediss-cluster://node1:7000",
                                 "redis://node1:7000/0?cluster=true"])
def test_a_redis_cluster_broker_is_refused_saying_what_to_use(url):
    with pytest.raises(ImproperlyConfigured, match="RabbitMQ") as raised:
        check_broker_url(url)
    assert url in str(raised.value)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/1", "amqp://guest:guest@127.0.0.1:5672//",
                                 "sentinel://s1:26379;sentinel://s2:26379"])
def test_brokers_celery_speaks_are_accepted(url):
    check_broker_url(url)


def test_a_plain_redis_broker_is_not_taken_for_a_cluster(redis_service):
    check_broker_is_not_cluster(redis_service.url)  # a cluster node would raise ImproperlyConfigured
