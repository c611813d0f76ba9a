"""What the Celery broker must be: anything Celery speaks, but not a Redis Cluster."""

from __future__ import annotations

import redis
from django.core.exceptions import ImproperlyConfigured


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
