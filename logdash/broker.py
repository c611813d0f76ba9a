"""What the Celery broker must be: anything Celery speaks, but not a Redis Cluster."""

from __future__ import annotations

import re

import redis
from django.core.exceptions import ImproperlyConfigured

_CLUSTER_URL = re.compile(r"^(rediss?[+-])?cluster://|[?&]cluster=(1|true|yes)(&|$)", re.IGNORECASE)


def next_redis_db(url: str) -> str:
    """The Redis URL `url` with the next database number (/0 gives /1, /15 gives /0): the default broker."""
    match = re.fullmatch(r"(?P<base>rediss?://[^/?#]*)(?:/(?P<db>\d*))?(?P<rest>[?#].*)?", url)
    if not match:
        return url
    db = int(match["db"] or 0)
    return f"{match['base']}/{(db + 1) % 16}{match['rest'] or ''}"


def check_broker_url(url: str) -> None:
    """Refuse a broker URL that names a Redis Cluster (`redis+cluster://`, `?cluster=true`), saying what to use."""
    if _CLUSTER_URL.search(url):
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL={url!r} names a Redis Cluster, which Celery's Redis transport cannot use as a broker. "
            "Point CELERY_BROKER_URL at RabbitMQ (amqp://...), a plain Redis (redis://host:6379/1) or a "
            "Sentinel-managed Redis (sentinel://host:26379), and keep the cluster for the cache (REDIS_URL)."
        )


def check_broker_is_not_cluster(url: str) -> None:
    """Raise ImproperlyConfigured when a redis:// broker URL points at a Redis Cluster node.

    The URL's form cannot tell (a cluster node answers redis://host:port like any Redis), so ask the
    server. A broker that does not answer is left to Celery's own connection retries.
    """
    if not url.startswith(("redis://", "rediss://")):
        return
    try:
        info = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).info("cluster")
    except redis.RedisError:
        return
    if info.get("cluster_enabled"):
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL={url!r} is a Redis Cluster node; Celery's Redis transport cannot use a cluster as "
            "its broker. Use RabbitMQ (amqp://...), a plain Redis or a Sentinel-managed one (sentinel://...)."
        )
